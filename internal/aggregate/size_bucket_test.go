package aggregate

import (
	"math"
	"testing"
)

// TestSizeBucket: the table of bit lengths finds the bucket that a search
// of the bounds finds, for sizes on and around every power of two and
// every bound, with bounds of powers of ten, of powers of two, fractions,
// one bound and none.
func TestSizeBucket(t *testing.T) {
	for _, bounds := range [][]float64{
		{100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8},
		{1, 2, 4, 8, 16, 1024, 1 << 20},
		{0, 0.5, 99.5, 100, 1e19},
		{7},
		nil,
	} {
		rc := &Requests{kind: RequestKind{SizeBounds: bounds}}
		rc.sizeIdx = sizeIndex(bounds)
		var sizes []uint64
		for l := range 64 {
			p := uint64(1) << l
			sizes = append(sizes, p-1, p, p+1)
		}
		for _, b := range bounds {
			if b >= 0 && b < 1<<63 {
				n := uint64(b)
				sizes = append(sizes, n-1, n, n+1)
			}
		}
		sizes = append(sizes, math.MaxUint64)
		for _, n := range sizes {
			if got, want := rc.sizeBucket(n), searchBucket(bounds, float64(n)); got != want {
				t.Errorf("bounds %v: size %d in bucket %d, want %d", bounds, n, got, want)
			}
		}
	}
}
