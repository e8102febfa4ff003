package aggregate

import "github.com/prometheus/client_golang/prometheus"

// Sum is a counter family: each series a whole number that only grows,
// exposed with the time its series was made as its created timestamp, as
// client_golang's own counters are.
type Sum struct {
	*Index
	desc *prometheus.Desc
}

// NewSum returns a counter family described by desc, within limit (nil:
// none), whose overflow series read overflow where the request gave a
// value.
func NewSum(desc *prometheus.Desc, limit *Limit, overflow string) *Sum {
	return &Sum{Index: newIndex(1, limit, overflow), desc: desc}
}

// Add adds n to s, in the shard of r.
func (a *Sum) Add(r Ref, s *Series, n uint64) {
	a.shard(s, r)[0].Add(n)
}

// AddAt is Add in the shard of the caller named key (see [Index.Shard]),
// in one call.
func (a *Sum) AddAt(key uintptr, s *Series, n uint64) {
	r, ok := a.shards.known(key)
	if !ok {
		r = a.shards.pick(key)
	}
	a.shard(s, r)[0].Add(n)
}

// Value returns the count of s, summed over its shards.
func (a *Sum) Value(s *Series) uint64 {
	var n uint64
	for sh := 0; sh < a.shards.n; sh++ {
		n += s.words[sh*a.stride].Load()
	}
	return n
}

// Describe implements prometheus.Collector.
func (a *Sum) Describe(ch chan<- *prometheus.Desc) { ch <- a.desc }

// Collect implements prometheus.Collector.
func (a *Sum) Collect(ch chan<- prometheus.Metric) {
	a.each(func(s *Series) {
		ch <- ConstMetric(a.desc)(prometheus.NewConstMetricWithCreatedTimestamp(a.desc, prometheus.CounterValue, float64(a.Value(s)), s.created, s.lvs...))
	})
}
