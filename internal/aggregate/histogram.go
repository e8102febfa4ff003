package aggregate

import (
	"math"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Histogram is a histogram family, or, made by NewSummary, a summary with a
// count and a sum and no quantiles. A shard of a series holds the sum of
// its observations (float64 bits) and then one count per bucket, the last
// for +Inf (for a summary, the only one). A scrape sums the shards.
type Histogram struct {
	*Index
	desc    *prometheus.Desc
	bounds  []float64 // upper bounds without +Inf; none for a summary
	summary bool
}

// NewHistogram returns a histogram family described by desc, with the
// upper bounds bounds (strictly increasing; a last +Inf is implied), within limit
// (nil: none), whose overflow series read overflow where the request gave
// a value.
func NewHistogram(desc *prometheus.Desc, bounds []float64, limit *Limit, overflow string) *Histogram {
	bounds = UpperBounds(bounds)
	return &Histogram{Index: newIndex(len(bounds)+2, limit, overflow), desc: desc, bounds: bounds}
}

// UpperBounds returns buckets without a final +Inf, which every histogram
// has anyway.
func UpperBounds(buckets []float64) []float64 {
	if n := len(buckets); n > 0 && math.IsInf(buckets[n-1], +1) {
		return buckets[:n-1]
	}
	return buckets
}

// NewSummary returns a summary family, a count and a sum without
// quantiles, as NewHistogram does a histogram.
func NewSummary(desc *prometheus.Desc, limit *Limit, overflow string) *Histogram {
	return &Histogram{Index: newIndex(2, limit, overflow), desc: desc, summary: true}
}

// Observe records v in s, in the shard of r.
func (a *Histogram) Observe(r Ref, s *Series, v float64) {
	w := a.shard(s, r)
	w[1+a.bucket(v)].Add(1)
	if old := w[0].Load(); !w[0].CompareAndSwap(old, addFloat(old, v)) {
		a.contended(&w[0], r, v)
	}
}

// ObserveAt is Observe in the shard of the caller named key (see
// [Index.Shard]), in one call.
func (a *Histogram) ObserveAt(key uintptr, s *Series, v float64) {
	r, ok := a.shards.known(key)
	if !ok {
		r = a.shards.pick(key)
	}
	w := a.shard(s, r)
	w[1+a.bucket(v)].Add(1)
	if old := w[0].Load(); !w[0].CompareAndSwap(old, addFloat(old, v)) {
		a.contended(&w[0], r, v)
	}
}

// contended adds v to the sum, whose first try failed: another writer used
// the shard of r at the same instant. It moves the caller to the next shard
// for its later writes.
func (a *Histogram) contended(sum *atomic.Uint64, r Ref, v float64) {
	r.moveOn(a.shards.n)
	for {
		old := sum.Load()
		if sum.CompareAndSwap(old, addFloat(old, v)) {
			return
		}
	}
}

// addFloat returns the bits of the float64 whose bits are bits, plus v.
func addFloat(bits uint64, v float64) uint64 {
	return math.Float64bits(math.Float64frombits(bits) + v)
}

// Bounds returns the upper bounds of the buckets, without the last, +Inf.
// The caller must not change them.
func (a *Histogram) Bounds() []float64 { return a.bounds }

// bucket returns the index of the first bucket that holds v.
func (a *Histogram) bucket(v float64) int {
	for j, b := range a.bounds {
		if v <= b {
			return j
		}
	}
	return len(a.bounds)
}

// read sums the shards of s into cumulative bucket counts, and returns the
// count and the sum. The sum is read before the counts of each shard, and
// a writer adds to it after its count, so the count is never behind the
// sum; the count is the last cumulative count, so the buckets always hold
// exactly the count.
func (a *Histogram) read(s *Series, cumulative []uint64) (uint64, float64) {
	clear(cumulative)
	var sum float64
	for sh := 0; sh < a.shards.n; sh++ {
		w := s.words[sh*a.stride : (sh+1)*a.stride]
		sum += math.Float64frombits(w[0].Load())
		for i := range cumulative {
			cumulative[i] += w[1+i].Load()
		}
	}
	for i := 1; i < len(cumulative); i++ {
		cumulative[i] += cumulative[i-1]
	}
	return cumulative[len(cumulative)-1], sum
}

// Describe implements prometheus.Collector.
func (a *Histogram) Describe(ch chan<- *prometheus.Desc) { ch <- a.desc }

// Collect implements prometheus.Collector.
func (a *Histogram) Collect(ch chan<- prometheus.Metric) {
	cumulative := make([]uint64, len(a.bounds)+1)
	a.each(func(s *Series) {
		count, sum := a.read(s, cumulative)
		if a.summary {
			ch <- ConstMetric(a.desc)(prometheus.NewConstSummaryWithCreatedTimestamp(a.desc, count, sum, nil, s.created, s.lvs...))
			return
		}
		buckets := make(map[float64]uint64, len(a.bounds))
		for i, b := range a.bounds {
			buckets[b] = cumulative[i]
		}
		ch <- ConstMetric(a.desc)(prometheus.NewConstHistogramWithCreatedTimestamp(a.desc, count, sum, buckets, s.created, s.lvs...))
	})
}
