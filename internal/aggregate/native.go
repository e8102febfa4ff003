package aggregate

import (
	"math"
	"sort"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Native histograms (WithNativeHistograms). Each series keeps, beside its
// sharded classic buckets, one unsharded slice of native buckets per
// histogram: a zero bucket, then a dense run of exponential buckets over a
// fixed range, so that the bucket count is bounded whatever is observed.
// Values above the range count in its top bucket. The slice has a hot and
// a cold half, as the shards have (see hotcold.go), so that a scrape reads
// native buckets that hold exactly the count of the classic ones.

// Which native histogram of a series.
const (
	nativeDuration = iota
	nativeReq
	nativeResp
	numNative
)

// The ranges of the native buckets, as powers of two: durations from about
// 1 µs (2^-20 s) to 4096 s, sizes from 1 byte to 2 GiB (2^31). Smaller
// values count in the zero bucket.
const (
	nativeDurationLow, nativeDurationHigh = -20, 12
	nativeSizeLow, nativeSizeHigh         = -1, 31
)

// MaxNativeSchema is the finest resolution of the native histograms:
// schema 3, a growth factor of 2^(1/8), about 1.09. A smaller factor is
// coarsened to it, so that a native histogram has at most 256 buckets
// besides its zero bucket.
const MaxNativeSchema = 3

// nativeLayout places the native histograms in a series' slice.
type nativeLayout struct {
	schema int32
	bounds []float64 // for schema > 0: bucket bounds of a fraction in [0.5, 1)
	hists  [numNative]nativeHist
	words  int
}

// nativeHist is one native histogram: its zero count at off, then n
// buckets, the first of index minKey.
type nativeHist struct {
	on            bool
	off, n        int
	minKey        int
	zeroThreshold float64
}

// nativeSchema returns the schema of a growth factor f > 1, as
// client_golang picks it, coarsened to at most MaxNativeSchema.
func nativeSchema(f float64) int32 {
	s := -math.Floor(math.Log2(math.Log2(f)))
	return int32(max(-4, min(MaxNativeSchema, s)))
}

func newNativeLayout(kind RequestKind) *nativeLayout {
	l := &nativeLayout{schema: nativeSchema(kind.NativeFactor)}
	if l.schema > 0 {
		n := 1 << l.schema
		l.bounds = make([]float64, n)
		for j := range l.bounds {
			l.bounds[j] = math.Exp2(float64(j)/float64(n) - 1)
		}
	}
	add := func(which, low, high int) {
		minKey := l.key(math.Exp2(float64(low))) + 1
		maxKey := l.key(math.Exp2(float64(high)))
		l.hists[which] = nativeHist{
			on: true, off: l.words, n: maxKey - minKey + 1, minKey: minKey,
			zeroThreshold: l.upperBound(minKey - 1),
		}
		l.words += 1 + maxKey - minKey + 1
	}
	if !kind.Summary {
		add(nativeDuration, nativeDurationLow, nativeDurationHigh)
	}
	if kind.ReqSize {
		add(nativeReq, nativeSizeLow, nativeSizeHigh)
	}
	if kind.RespSize {
		add(nativeResp, nativeSizeLow, nativeSizeHigh)
	}
	return l
}

// key returns the index of the native bucket of v > 0: bucket k holds the
// values in (base^(k-1), base^k], base being 2^(2^-schema).
func (l *nativeLayout) key(v float64) int {
	frac, exp := math.Frexp(v)
	if l.schema > 0 {
		return sort.SearchFloat64s(l.bounds, frac) + (exp-1)*len(l.bounds)
	}
	k := exp
	if frac == 0.5 {
		k--
	}
	shift := -l.schema
	return (k + 1<<shift - 1) >> shift
}

// upperBound returns the upper bound of bucket k.
func (l *nativeLayout) upperBound(k int) float64 {
	if l.schema >= 0 {
		return math.Exp2(float64(k) / float64(int(1)<<l.schema))
	}
	return math.Exp2(float64(k) * float64(int(1)<<-l.schema))
}

func (l *nativeLayout) observe(words []atomic.Uint64, o *Observation) {
	if h := &l.hists[nativeDuration]; h.on {
		l.add(words, h, o.Seconds)
	}
	if h := &l.hists[nativeReq]; h.on {
		l.add(words, h, float64(o.ReqSize))
	}
	if h := &l.hists[nativeResp]; h.on {
		l.add(words, h, float64(o.RespSize))
	}
}

func (l *nativeLayout) add(words []atomic.Uint64, h *nativeHist, v float64) {
	if !(v > h.zeroThreshold) { // NaN too
		words[h.off].Add(1)
		return
	}
	i := min(max(l.key(v)-h.minKey, 0), h.n-1)
	words[h.off+1+i].Add(1)
}

// read copies the native buckets words into buf, which it returns.
func (l *nativeLayout) read(words []atomic.Uint64, buf []uint64) []uint64 {
	buf = buf[:0]
	for i := range words {
		buf = append(buf, words[i].Load())
	}
	return buf
}

// attach returns the classic histogram m with the native buckets of
// histogram which added, from the words that read copied, so that one
// series carries both: the text format shows the classic buckets, the
// protobuf format both.
func (l *nativeLayout) attach(desc *prometheus.Desc, m prometheus.Metric, words []uint64, lvs []string, which int) prometheus.Metric {
	h := &l.hists[which]
	w := words[h.off : h.off+1+h.n]
	zero := w[0]
	count := zero
	positive := map[int]int64{}
	for i := 1; i < len(w); i++ {
		if n := w[i]; n > 0 {
			positive[h.minKey+i-1] = int64(n) //nolint:gosec // G115: a count of requests is far below 2^63.
			count += n
		}
	}
	native, err := prometheus.NewConstNativeHistogram(desc, count, 0, positive, nil, zero, l.schema, h.zeroThreshold, time.Time{}, lvs...)
	if err != nil {
		return ConstMetric(desc)(nil, err)
	}
	return nativeAndClassic{m, native}
}

// nativeAndClassic is a classic histogram with the native buckets of
// another one.
type nativeAndClassic struct {
	prometheus.Metric // classic
	native            prometheus.Metric
}

func (m nativeAndClassic) Write(out *dto.Metric) error {
	if err := m.Metric.Write(out); err != nil {
		return err
	}
	var n dto.Metric
	if err := m.native.Write(&n); err != nil {
		return err
	}
	h, nh := out.Histogram, n.Histogram
	h.Schema, h.ZeroThreshold, h.ZeroCount = nh.Schema, nh.ZeroThreshold, nh.ZeroCount
	h.PositiveSpan, h.PositiveDelta = nh.PositiveSpan, nh.PositiveDelta
	return nil
}
