package aggregate

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// referenceKey is the native bucket of v > 0 by the book: math.Frexp, then
// a search of the bucket bounds within an octave (schema > 0) or a
// rounding up of the exponent (schema <= 0), as client_golang computes it.
func referenceKey(schema int32, v float64) int {
	frac, exp := math.Frexp(v)
	if schema > 0 {
		n := 1 << schema
		bounds := make([]float64, n)
		for j := range bounds {
			bounds[j] = math.Exp2(float64(j)/float64(n) - 1)
		}
		return sort.SearchFloat64s(bounds, frac) + (exp-1)*n
	}
	k := exp
	if frac == 0.5 {
		k--
	}
	shift := -schema
	return (k + 1<<shift - 1) >> shift
}

// nativeKeyValues returns values to check the bucket index on: powers of
// two and the floats next to them, every bucket bound of the finest schema
// and its neighbours, subnormals, the largest float, and random floats over
// the whole range.
func nativeKeyValues() []float64 {
	var vs []float64
	near := func(v float64) {
		vs = append(vs, v, math.Nextafter(v, 0), math.Nextafter(v, math.Inf(1)))
	}
	for e := -1074; e <= 1023; e++ {
		near(math.Ldexp(1, e))
	}
	for k := -200; k <= 300; k++ {
		near(math.Exp2(float64(k) / 8))
	}
	vs = append(vs, math.SmallestNonzeroFloat64, 3*math.SmallestNonzeroFloat64, 0x1p-1030*1.3, math.MaxFloat64)
	r := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // G404: test values, not secrets.
	for range 20000 {
		vs = append(vs, math.Float64frombits(r.Uint64()&^(1<<63)))
	}
	return vs
}

// TestNativeKey: the bucket index read from a float's bits is the one the
// reference math gives, for every schema, at the edges of buckets and
// octaves, for subnormals and random floats; 0, negatives and NaN are in
// the zero bucket, +Inf and the largest floats in the top bucket.
func TestNativeKey(t *testing.T) {
	values := nativeKeyValues()
	for schema := int32(-4); schema <= MaxNativeSchema; schema++ {
		factor := math.Exp2(math.Exp2(-float64(schema))) * (1 + 1e-9)
		l := newNativeLayout(RequestKind{NativeFactor: factor, Bounds: []float64{1}})
		require.Equal(t, schema, l.schema, "factor %v", factor)
		for _, v := range values {
			if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
				continue
			}
			if got, want := l.key(v), referenceKey(schema, v); got != want {
				t.Fatalf("schema %d: key(%g) = %d, want %d", schema, v, got, want)
			}
		}
		h := &l.hists[nativeDuration]
		for _, v := range []float64{0, math.Copysign(0, -1), -1, -math.MaxFloat64, math.Inf(-1), math.NaN(), math.SmallestNonzeroFloat64, h.zeroThreshold} {
			assert.Equal(t, -1, l.index(h, v), "schema %d: %g is in the zero bucket", schema, v)
		}
		assert.Equal(t, 0, l.index(h, math.Nextafter(h.zeroThreshold, 1)), "schema %d: just above the zero threshold", schema)
		for _, v := range []float64{math.Inf(1), math.MaxFloat64, 1e300, 0x1p12 * 1.01} {
			assert.Equal(t, h.n-1, l.index(h, v), "schema %d: %g is in the top bucket", schema, v)
		}
		assert.GreaterOrEqual(t, l.upperBound(h.minKey+h.n-1), math.Exp2(nativeDurationHigh), "schema %d: the top bucket reaches the range's top", schema)
		assert.Less(t, l.upperBound(h.minKey+h.n-2), math.Exp2(nativeDurationHigh), "schema %d: the bucket below the top ends within the range", schema)
	}
}

// nativeBuckets returns the native buckets of h by key.
func nativeBucketsOf(h *dto.Histogram) map[int]uint64 {
	out := map[int]uint64{}
	k, n := 0, int64(0)
	deltas := h.GetPositiveDelta()
	for _, s := range h.GetPositiveSpan() {
		k += int(s.GetOffset())
		for range s.GetLength() {
			n += deltas[0]
			deltas = deltas[1:]
			if n != 0 {
				out[k] = uint64(n) //nolint:gosec // G115: test counts are small.
			}
			k++
		}
	}
	return out
}

// TestNativeBucketsAcrossShards: requests on four shards add up in the
// native buckets of one series; values at or below the zero threshold
// land in the zero bucket, which is the count minus the other buckets; a
// shard makes only the chunks it uses; and scrapes carry the totals on.
func TestNativeBucketsAcrossShards(t *testing.T) {
	descs := RequestDescs{
		Duration: prometheus.NewDesc("d_seconds", "D.", []string{"method", "status", "path"}, nil),
		RespSize: prometheus.NewDesc("d_resp_bytes", "R.", []string{"method", "status", "path"}, nil),
	}
	kind := RequestKind{Bounds: []float64{0.1, 1}, SizeBounds: []float64{100}, RespSize: true, NativeFactor: 1.1}
	rc := NewRequests(descs, kind, RequestBudget{}, nil, plainExposer{})
	rc.shards = &shards{n: 4}
	s, _ := rc.Lookup([]string{"GET", "200", "/a"}, 0)
	// By shard: durations, and the response size of each.
	obs := [][]Observation{
		{{Seconds: 0.5, RespSize: 10}, {Seconds: 0, RespSize: 0}},
		{{Seconds: 0.5, RespSize: 10}, {Seconds: math.NaN(), RespSize: 1 << 40}},
		{{Seconds: 2}},
		{{Seconds: 1e-9, RespSize: 1}, {Seconds: 0.5, RespSize: 10}},
	}
	for sh, list := range obs {
		for i := range list {
			rc.Observe(Ref{sh: sh}, s, &list[i])
		}
	}
	l := rc.native
	key := func(which int, v float64) int { return l.index(&l.hists[which], v) + l.hists[which].minKey }
	want := map[string]struct {
		zero    uint64
		buckets map[int]uint64
	}{
		// 0, NaN and 1 ns are below 2^-20 s.
		"d_seconds":    {3, map[int]uint64{key(nativeDuration, 0.5): 3, key(nativeDuration, 2): 1}},
		"d_resp_bytes": {2, map[int]uint64{key(nativeResp, 10): 3, key(nativeResp, 1): 1, key(nativeResp, 1<<40): 1}},
	}
	for scrape := 1; scrape <= 2; scrape++ {
		ch := make(chan prometheus.Metric, 10)
		rc.Collect(ch)
		close(ch)
		seen := 0
		for m := range ch {
			var out dto.Metric
			require.NoError(t, m.Write(&out))
			h := out.GetHistogram()
			w := want["d_seconds"]
			if m.Desc() == descs.RespSize {
				w = want["d_resp_bytes"]
			}
			assert.Equal(t, uint64(7), h.GetSampleCount(), "scrape %d", scrape)
			assert.Equal(t, w.zero, h.GetZeroCount(), "scrape %d: %s zero bucket", scrape, m.Desc())
			assert.Equal(t, w.buckets, nativeBucketsOf(h), "scrape %d: %s", scrape, m.Desc())
			seen++
		}
		assert.Equal(t, 2, seen)
	}
	// Shard 2 saw one duration and no size: one chunk of its own.
	made := 0
	chunks := s.extra.native[2*l.chunks : 3*l.chunks]
	for i := range chunks {
		if chunks[i].Load() != nil {
			made++
		}
	}
	assert.Equal(t, 1, made, "shard 2 makes only the chunk it used")
}
