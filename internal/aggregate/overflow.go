package aggregate

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// An OverflowCounter is the counter <prefix>_series_overflow_total{metric}:
// the observations that went to an overflow series, by the name of the
// family whose budget was spent. A family's series appears, at 0, when the
// family takes the last series of its budget, before anything overflows,
// so that increase() sees the first overflow; families that share one
// budget (the request families, see [Requests]) show theirs when it takes
// its last series, each that can count an overflow. So the counter's
// series are bounded by the number of families, and a family far from its
// budget adds nothing to the exposition.
type OverflowCounter struct {
	desc *prometheus.Desc
	mu   sync.Mutex
	fams []*overflowed
}

// overflowed is the series of one family in an OverflowCounter, in shards
// of a cache line each.
type overflowed struct {
	family  string
	created atomic.Int64                        // Unix nanoseconds; 0 until exposed
	counts  [maxShards][lineWords]atomic.Uint64 // one word used per line
}

// expose makes the series visible, from now.
func (f *overflowed) expose() {
	if f.created.Load() == 0 {
		f.created.CompareAndSwap(0, time.Now().UnixNano())
	}
}

// NewOverflowCounter returns the counter described by desc, which must have
// one variable label, the family name.
func NewOverflowCounter(desc *prometheus.Desc) *OverflowCounter {
	return &OverflowCounter{desc: desc}
}

// Limit returns the budget of the family named family, n series (0: no
// limit), whose overflow o counts. A family asking again gets a new budget
// and shares its count. With a nil o nothing counts the overflow.
func (o *OverflowCounter) Limit(family string, n int) *Limit {
	l := &Limit{max: int64(n)}
	if o == nil {
		return l
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, f := range o.fams {
		if f.family == family {
			l.overflow = f
			return l
		}
	}
	l.overflow = &overflowed{family: family}
	o.fams = append(o.fams, l.overflow)
	return l
}

// Overflowed counts n observations that went to an overflow series of l's
// family, in the shard of r.
func (l *Limit) Overflowed(r Ref, n uint64) {
	if l != nil && l.overflow != nil {
		l.overflow.expose() // already: its budget, or the one it shares, is spent
		l.overflow.counts[r.sh][0].Add(n)
	}
}

// Describe implements prometheus.Collector.
func (o *OverflowCounter) Describe(ch chan<- *prometheus.Desc) { ch <- o.desc }

// Collect implements prometheus.Collector.
func (o *OverflowCounter) Collect(ch chan<- prometheus.Metric) {
	o.mu.Lock()
	fams := o.fams
	o.mu.Unlock()
	for _, f := range fams {
		created := f.created.Load()
		if created == 0 {
			continue
		}
		var n uint64
		for i := range f.counts {
			n += f.counts[i][0].Load()
		}
		ch <- ConstMetric(o.desc)(prometheus.NewConstMetricWithCreatedTimestamp(o.desc, prometheus.CounterValue, float64(n), time.Unix(0, created), f.family))
	}
}
