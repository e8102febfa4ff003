package aggregate

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Native histograms (WithNativeHistograms). Each histogram of a series has
// a dense run of exponential buckets over a fixed range, so that the bucket
// count is bounded whatever is observed; values above the range count in
// its top bucket, values at or below its zero threshold (0, NaN) in no
// bucket: the zero bucket is derived at scrape time, the count minus the
// other buckets. The buckets are sharded like the classic ones, in chunks
// of a cache line per shard, each made on its first request, so that the
// memory grows with the buckets a shard uses, not with all of them times
// the cores. A chunk holds a hot and a cold half of its buckets, as the
// shards do (see hotcold.go), so that a scrape reads native buckets that
// hold exactly the count of the classic ones.

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

// Bits of a float64.
const (
	mantBits = 52
	mantMask = 1<<mantBits - 1
	expBias  = 1023
	// topBits of the mantissa index lowBound.
	topBits = 8
)

// nativeLayout places the native histograms of a series in its chunks.
type nativeLayout struct {
	schema int32
	// For schema > 0: the mantissa bits of the n = 2^schema bucket
	// bounds within an octave, 2^(j/n) for j < n, and, by the top bits
	// of a mantissa, how many of those bounds lie below them.
	mant     [1 << MaxNativeSchema]uint64
	n        int
	lowBound [1 << topBits]uint8
	hists    [numNative]nativeHist
	buckets  int // over every histogram
	chunks   int // of lineWords buckets
}

// nativeHist is one native histogram: n buckets from index off among the
// series' native buckets, the first of key minKey.
type nativeHist struct {
	on            bool
	off, n        int
	minKey        int
	zeroThreshold float64
}

// nativeChunk is lineWords native buckets of one shard: the hot and the
// cold half (see hotcold.go), one cache line each.
type nativeChunk [2 * lineWords]atomic.Uint64

// nativeSchema returns the schema of a growth factor f > 1, as
// client_golang picks it, coarsened to at most MaxNativeSchema.
func nativeSchema(f float64) int32 {
	s := -math.Floor(math.Log2(math.Log2(f)))
	return int32(max(-4, min(MaxNativeSchema, s)))
}

func newNativeLayout(kind RequestKind) *nativeLayout {
	l := &nativeLayout{schema: nativeSchema(kind.NativeFactor)}
	if l.schema > 0 {
		l.n = 1 << l.schema
		for j := range l.n {
			l.mant[j] = math.Float64bits(math.Exp2(float64(j)/float64(l.n)-1)) & mantMask
		}
		for top := range l.lowBound {
			for j := range l.n {
				if l.mant[j] < uint64(top)<<(mantBits-topBits) {
					l.lowBound[top]++
				}
			}
		}
	}
	add := func(which, low, high int) {
		minKey := l.key(math.Exp2(float64(low))) + 1
		maxKey := l.key(math.Exp2(float64(high)))
		l.hists[which] = nativeHist{
			on: true, off: l.buckets, n: maxKey - minKey + 1, minKey: minKey,
			zeroThreshold: l.upperBound(minKey - 1),
		}
		l.buckets += maxKey - minKey + 1
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
	l.chunks = (l.buckets + lineWords - 1) / lineWords
	return l
}

// key returns the index of the native bucket of v > 0: bucket k holds the
// values in (base^(k-1), base^k], base being 2^(2^-schema). It reads the
// exponent and the mantissa from v's bits: no logarithm, no search.
// Subnormals are normalised first; +Inf is above every bucket.
func (l *nativeLayout) key(v float64) int {
	bits := math.Float64bits(v)
	exp := int(bits >> mantBits & 0x7ff)
	if exp == 0 { // subnormal: scale it into the normal range
		bits = math.Float64bits(v * (1 << mantBits))
		exp = int(bits>>mantBits&0x7ff) - mantBits
	}
	exp -= expBias // v = 1.mant × 2^exp
	mant := bits & mantMask
	if l.schema > 0 {
		// The bounds below mant: those below its top bits, and the
		// one bound at most between those and mant (bounds lie
		// further apart than 2^(mantBits-topBits)).
		j := int(l.lowBound[mant>>(mantBits-topBits)])
		if j < l.n && l.mant[j] < mant {
			j++
		}
		return j + exp<<l.schema
	}
	k := exp + 1
	if mant == 0 {
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

// index returns the bucket of v in h, from 0, or -1 for its zero bucket
// (v at or below the zero threshold, NaN too), which is not counted.
func (l *nativeLayout) index(h *nativeHist, v float64) int {
	if !(v > h.zeroThreshold) {
		return -1
	}
	return min(max(l.key(v)-h.minKey, 0), h.n-1)
}

// observeNative records o in the native buckets of x, in half of shard sh.
func (rc *Requests) observeNative(x *seriesExtra, sh, half int, o *Observation) {
	l := rc.native
	chunks := x.native[sh*l.chunks : (sh+1)*l.chunks]
	if h := &l.hists[nativeDuration]; h.on {
		if i := l.index(h, o.Seconds); i >= 0 {
			if !addMade(chunks, half, h.off+i) {
				addNative(chunks, half, h.off+i)
			}
		}
	}
	if h := &l.hists[nativeReq]; h.on && o.ReqSize != 0 {
		if i := l.index(h, float64(o.ReqSize)); i >= 0 {
			if !addMade(chunks, half, h.off+i) {
				addNative(chunks, half, h.off+i)
			}
		}
	}
	if h := &l.hists[nativeResp]; h.on && o.RespSize != 0 {
		if i := l.index(h, float64(o.RespSize)); i >= 0 {
			if !addMade(chunks, half, h.off+i) {
				addNative(chunks, half, h.off+i)
			}
		}
	}
}

// addMade adds one to native bucket i in half of a shard's chunks, and
// reports true, if its chunk is made: the case of every request but the
// first few, inlined into observeNative. addNative makes the chunk.
func addMade(chunks []atomic.Pointer[nativeChunk], half, i int) bool {
	c := chunks[i/lineWords].Load()
	if c == nil {
		return false
	}
	c[half*lineWords+i%lineWords].Add(1)
	return true
}

// addNative adds one to native bucket i in half of a shard's chunks,
// making its chunk on first use.
func addNative(chunks []atomic.Pointer[nativeChunk], half, i int) {
	p := &chunks[i/lineWords]
	c := p.Load()
	if c == nil {
		c = newChunk(p)
	}
	c[half*lineWords+i%lineWords].Add(1)
}

// newChunk makes the chunk of p, unless another request did first.
func newChunk(p *atomic.Pointer[nativeChunk]) *nativeChunk {
	c := new(nativeChunk)
	if p.CompareAndSwap(nil, c) {
		return c
	}
	return p.Load()
}

// read adds half of the native buckets of every shard into buf, which it
// returns, sized to the buckets.
func (l *nativeLayout) read(chunks []atomic.Pointer[nativeChunk], half int, buf []uint64) []uint64 {
	if cap(buf) < l.chunks*lineWords {
		buf = make([]uint64, l.chunks*lineWords)
	}
	buf = buf[:l.chunks*lineWords]
	clear(buf)
	for ci := range chunks {
		c := chunks[ci].Load()
		if c == nil {
			continue
		}
		b := buf[ci%l.chunks*lineWords:]
		for k := range lineWords {
			b[k] += c[half*lineWords+k].Load()
		}
	}
	return buf
}

// fold adds the cold half of every chunk into its hot half, and clears it.
func (l *nativeLayout) fold(chunks []atomic.Pointer[nativeChunk], cold int) {
	hot := 1 - cold
	for ci := range chunks {
		if c := chunks[ci].Load(); c != nil {
			foldCounts(c[cold*lineWords:(cold+1)*lineWords], c[hot*lineWords:(hot+1)*lineWords])
		}
	}
}

// attach returns the classic histogram m of count observations with the
// native buckets of histogram which added, from the buckets that read
// added up, so that one series carries both: the text format shows the
// classic buckets, the protobuf format both. The zero bucket holds the
// count the other buckets do not.
func (l *nativeLayout) attach(desc *prometheus.Desc, m prometheus.Metric, buckets []uint64, count uint64, lvs []string, which int) prometheus.Metric {
	h := &l.hists[which]
	positive := map[int]int64{}
	var inBuckets uint64
	for i, n := range buckets[h.off : h.off+h.n] {
		if n > 0 {
			positive[h.minKey+i] = int64(n) //nolint:gosec // G115: a count of requests is far below 2^63.
			inBuckets += n
		}
	}
	// The buckets never hold more than the count (the halves see to it);
	// were they to, the zero bucket stays empty and the disagreement shows.
	var zero uint64
	if inBuckets <= count {
		zero = count - inBuckets
	}
	native, err := prometheus.NewConstNativeHistogram(desc, zero+inBuckets, 0, positive, nil, zero, l.schema, h.zeroThreshold, time.Time{}, lvs...)
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
