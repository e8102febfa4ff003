package aggregate

import (
	"math"
	"runtime"
	"sync/atomic"
)

// The hot and cold halves of a series with native histograms.
//
// A scrape must see a native histogram whose buckets hold exactly its count,
// the count of the classic buckets; Prometheus refuses one that disagrees,
// behind or ahead. The classic count is the sum of the classic buckets, read
// once each, but the native buckets are other words, which a request adds to
// at another instant. So each shard of such a series is a block: a control
// word, then two halves of the shard's words. The control word holds, in
// its top bit, which half is hot, and below it how many requests began on
// the shard. A request adds one to the control word, records into the half
// it names (the sizes, the same half of its shard's native chunks, the
// duration's sum), and last adds one to its duration bucket there: the
// duration counts of a half are its completions, and a request costs no
// other word to say that it is done.
//
// Collect flips the hot bit of every shard, then waits until each shard's
// now cold half has completed as many requests as began before the flip
// (those in flight finish their few atomic additions; nothing blocks on a
// lock). The cold halves then hold exactly those requests, classic and
// native alike, and nothing writes to them: Collect reads them, then folds
// them into the hot halves and clears them, so that the hot halves carry
// the running totals into the next scrape. This is client_golang's
// histogram scheme, per shard, so that requests still write to their own
// cache lines.

// hotBit is the top bit of a shard's control word: the index of its hot
// half.
const hotBit = 1 << 63

// shardWords returns the words of shard sh of s, in half (0 without
// hotCold).
func (rc *Requests) shardWords(s *RequestSeries, sh, half int) []atomic.Uint64 {
	b := sh * rc.block
	if rc.hotCold {
		b += 1 + half*rc.stride
	}
	return s.words[b : b+rc.stride]
}

// A request's control word, halves and duration bucket are written by
// Observe (request_observe.go), in that order.

// flip makes the hot halves of s cold, waits until the requests that began
// in them are complete, and returns the index of the cold half. Collect
// calls it with collectMu held.
func (rc *Requests) flip(s *RequestSeries) int {
	var began [maxShards]uint64
	cold := 0
	for sh := range rc.shards.n {
		n := s.words[sh*rc.block].Add(hotBit)
		cold = int(^n >> 63 & 1)
		began[sh] = n &^ hotBit
	}
	for sh := range rc.shards.n {
		w := rc.shardWords(s, sh, cold)
		for rc.completed(w) != began[sh] {
			// A request is between its two additions; it has a
			// few atomic additions left.
			runtime.Gosched()
		}
	}
	return cold
}

// completed returns the requests complete in the words w of a half: the
// sum of its duration counts.
func (rc *Requests) completed(w []atomic.Uint64) uint64 {
	var n uint64
	for i := range len(rc.kind.Bounds) + 1 {
		n += w[1+i].Load()
	}
	return n
}

// fold adds the cold halves of s into the hot ones, and clears them, once
// Collect has read them.
func (rc *Requests) fold(s *RequestSeries, cold int) {
	hot := 1 - cold
	for sh := range rc.shards.n {
		c, h := rc.shardWords(s, sh, cold), rc.shardWords(s, sh, hot)
		// The duration's sum is a float; every other word a count.
		if sum := math.Float64frombits(c[0].Swap(0)); sum != 0 {
			for {
				old := h[0].Load()
				if h[0].CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+sum)) {
					break
				}
			}
		}
		foldCounts(c[1:], h[1:])
	}
	rc.native.fold(s.extra.native, cold)
}

// foldCounts adds each count of cold to hot, and clears cold.
func foldCounts(cold, hot []atomic.Uint64) {
	for i := range cold {
		if v := cold[i].Swap(0); v != 0 {
			hot[i].Add(v)
		}
	}
}
