package aggregate

import "github.com/prometheus/client_golang/prometheus"

// Gauge is a gauge family of whole numbers that go up and down, such as
// the requests in progress: each shard holds the net change written to it,
// in two's complement, and the shards add up to the value.
type Gauge struct {
	*Index
	desc *prometheus.Desc
}

// NewGauge returns a gauge family described by desc, within limit (nil:
// none), whose overflow series read overflow where the request gave a
// value.
func NewGauge(desc *prometheus.Desc, limit *Limit, overflow string) *Gauge {
	return &Gauge{Index: newIndex(1, limit, overflow), desc: desc}
}

// Add adds delta to s, in the shard of r.
func (a *Gauge) Add(r Ref, s *Series, delta int64) {
	a.shard(s, r)[0].Add(uint64(delta)) //nolint:gosec // G115: two's complement on purpose; the shards' sum wraps back.
}

// Value returns the value of s, summed over its shards.
func (a *Gauge) Value(s *Series) int64 {
	var n uint64
	for sh := 0; sh < a.shards.n; sh++ {
		n += s.words[sh*a.stride].Load()
	}
	return int64(n)
}

// Describe implements prometheus.Collector.
func (a *Gauge) Describe(ch chan<- *prometheus.Desc) { ch <- a.desc }

// Collect implements prometheus.Collector.
func (a *Gauge) Collect(ch chan<- prometheus.Metric) {
	a.each(func(s *Series) {
		ch <- ConstMetric(a.desc)(prometheus.NewConstMetric(a.desc, prometheus.GaugeValue, float64(a.Value(s)), s.lvs...))
	})
}
