package aggregate

import (
	"math"
	"math/bits"
	"sync/atomic"
)

// Observation is what one request records.
type Observation struct {
	Seconds           float64
	ReqSize, RespSize uint64 // when the sizes are on
}

// Observe records one request in s, on the shard of ref, and returns the
// index of the duration bucket it fell in, for [Requests.Exemplar].
func (rc *Requests) Observe(ref Ref, s *RequestSeries, o *Observation) int {
	if rc.hotCold {
		// The hot half of the request's shard (see hotcold.go), in
		// Observe itself: a call less for every request with native
		// histograms.
		b := ref.sh * rc.block // the shard's control word, then its halves
		half := int(s.words[b].Add(1) >> 63)
		b += 1 + half*rc.stride
		w := s.words[b : b+rc.stride]
		if rc.sized && (!rc.joint || o.ReqSize|o.RespSize != 0) {
			// Two empty bodies in the joint histogram cost nothing
			// here (see observeJoint), not even the call.
			rc.observeSizesIn(w, o, -1)
		}
		rc.observeNative(s.extra, ref.sh, half, o)
		rc.addSeconds(ref, &w[0], o.Seconds)
		i := rc.durationBucket(o.Seconds)
		w[1+i].Add(1) // last: the request is complete
		return i
	}
	w := s.words[ref.sh*rc.stride : (ref.sh+1)*rc.stride]
	i := rc.durationBucket(o.Seconds)
	if rc.zeroOff == 0 {
		w[1+i].Add(1)
		if rc.sized {
			rc.observeSizes(w, o)
		}
	} else {
		rc.observeWithSizes(w, i, o)
	}
	rc.addSeconds(ref, &w[0], o.Seconds)
	return i
}

// durationBucket returns the index of the duration bucket of v seconds;
// NaN is in the last, +Inf.
func (rc *Requests) durationBucket(v float64) int {
	bounds := rc.kind.Bounds
	for j, b := range bounds {
		if v <= b {
			return j
		}
	}
	return len(bounds)
}

// observeWithSizes adds o, in duration bucket i, to the words w of a
// shard with a joint size histogram and no hot/cold halves: a request in
// the joint cell of two empty bodies counts its duration in the row at
// zeroOff, one addition for both.
func (rc *Requests) observeWithSizes(w []atomic.Uint64, i int, o *Observation) {
	cell := rc.jointCell(o)
	if cell == rc.zeroCell {
		w[rc.zeroOff+i].Add(1)
	} else {
		w[1+i].Add(1)
	}
	rc.observeSizesIn(w, o, cell)
}

// observeSizes records the sizes and the response bytes of o in the words
// w of a shard.
func (rc *Requests) observeSizes(w []atomic.Uint64, o *Observation) {
	rc.observeSizesIn(w, o, -1)
}

// observeSizesIn is observeSizes given the joint cell of o, or -1 if it is
// yet to be found.
func (rc *Requests) observeSizesIn(w []atomic.Uint64, o *Observation, cell int) {
	if rc.joint {
		if cell < 0 {
			cell = rc.jointCell(o)
		}
		rc.observeJoint(w[rc.jointOff:], o, cell)
	} else {
		if rc.kind.ReqSize {
			rc.observeSize(w[rc.reqOff:], o.ReqSize)
		}
		if rc.kind.RespSize {
			rc.observeSize(w[rc.respOff:], o.RespSize)
		}
	}
	if rc.kind.Bytes && o.RespSize != 0 {
		w[rc.bytesOff].Add(o.RespSize)
	}
}

// addSeconds adds v to the duration's sum at sum, a float64's bits, after
// the request's counts, so that a scrape never sees the sum ahead of them.
func (rc *Requests) addSeconds(ref Ref, sum *atomic.Uint64, v float64) {
	for {
		old := sum.Load()
		if sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
		// Another request wrote to this shard at the same instant: two
		// contexts running side by side share it, as happens when shards
		// were handed to contexts that are gone. Move this context to the
		// next shard for its later requests, so that they spread out.
		ref.moveOn(rc.shards.n)
	}
}

// sizeBucket returns the index of the size bucket of n bytes: from the
// table of bit lengths, where every size of n's length falls in one
// bucket, as with a bucket per power of ten for all but a few lengths.
func (rc *Requests) sizeBucket(n uint64) int {
	if i := rc.sizeIdx[bits.Len64(n)]; i >= 0 {
		return int(i)
	}
	return searchBucket(rc.kind.SizeBounds, float64(n))
}

// searchBucket returns the index of the first of bounds that v is not
// above, or len(bounds), the +Inf bucket.
func searchBucket(bounds []float64, v float64) int {
	for j, b := range bounds {
		if v <= b {
			return j
		}
	}
	return len(bounds)
}

// sizeIndex returns the table of sizeBucket for bounds: for each bit
// length, the bucket of all the sizes of that length, or -1 if they
// span more than one. The bucket of a size only grows with it, and so
// does its conversion to float64, so the sizes of a length share a bucket
// exactly when the least and the greatest of them do.
func sizeIndex(bounds []float64) (t [65]int32) {
	for l := range t {
		var lo, hi uint64 // the sizes of bit length l
		if l > 0 {
			lo, hi = 1<<(l-1), math.MaxUint64>>(64-l)
		}
		t[l] = -1
		if i := searchBucket(bounds, float64(lo)); i == searchBucket(bounds, float64(hi)) {
			t[l] = int32(i) //nolint:gosec // G115: a bucket index is far below 2^31.
		}
	}
	return t
}

// observeSize adds n bytes to the size histogram whose words begin w: a
// sum, which is a whole number and needs no compare-and-swap, then counts.
// Adding 0 to the sum would change nothing, and is left out.
func (rc *Requests) observeSize(w []atomic.Uint64, n uint64) {
	w[1+rc.sizeBucket(n)].Add(1)
	if n != 0 {
		w[0].Add(n)
	}
}

// jointCell returns the cell of the joint size histogram of o's sizes.
func (rc *Requests) jointCell(o *Observation) int {
	return rc.sizeBucket(o.ReqSize)*(len(rc.kind.SizeBounds)+1) + rc.sizeBucket(o.RespSize)
}

// observeJoint adds both sizes, of the joint cell cell, to the joint
// histogram whose words begin w: one count for the pair of buckets, then
// the two sums. The cell of two empty bodies (a HEAD, a 204, a redirect,
// most health checks) costs no count of its own: with hotCold a half's
// requests are all complete when a scrape reads it, so that cell is the
// half's completed requests less the other cells; otherwise Observe counted
// it with the duration (see sumJoint).
func (rc *Requests) observeJoint(w []atomic.Uint64, o *Observation, cell int) {
	ns := len(rc.kind.SizeBounds) + 1
	if cell != rc.zeroCell {
		w[cell].Add(1)
	}
	if o.ReqSize != 0 {
		w[ns*ns].Add(o.ReqSize)
	}
	if o.RespSize != 0 {
		w[ns*ns+1].Add(o.RespSize)
	}
}
