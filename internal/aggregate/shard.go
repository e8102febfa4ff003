package aggregate

import (
	"runtime"
	"sync/atomic"
)

// maxShards bounds the shards of a series, and with them its memory.
const maxShards = 8

// lineWords is the number of 64-bit words in a cache line.
const lineWords = 8

// shards hands out the shard a caller writes to. Callers name themselves
// by a key, the address of something that one goroutine holds at a time
// (for a request, its *gin.Context): Gin keeps a pool of contexts per
// processor, so requests running at the same time on different cores run
// on different contexts and write to different shards. Those that collide
// on one shard move apart (see Ref.moveOn).
type shards struct {
	n int
	// slots remember which shard a key writes to: an entry packs the key
	// (shifted left by 8) and the shard number.
	slots [64]atomic.Uint64
	next  atomic.Uint32 // hands out shards in turn
}

func newShards() *shards {
	return &shards{n: min(runtime.GOMAXPROCS(0), maxShards)}
}

// A Ref is the shard a caller writes to; get one with Shard on the
// aggregation, per request, and pass it to Add or Observe.
type Ref struct {
	sh    int
	slot  *atomic.Uint64
	entry uint64
}

// pick returns the shard of key.
func (s *shards) pick(key uintptr) Ref {
	if s.n == 1 {
		return Ref{}
	}
	if r, ok := s.known(key); ok {
		return r
	}
	k := uint64(key)
	slot := &s.slots[(k*0x9e3779b97f4a7c15)>>58]
	sh := int(s.next.Add(1) % uint32(s.n)) //nolint:gosec // G115: n is between 1 and maxShards.
	entry := k<<8 | uint64(sh)
	slot.Store(entry)
	return Ref{sh, slot, entry}
}

// known returns the shard of key if its slot remembers it, which it never
// does with one shard. It inlines, for callers that pick on every write.
func (s *shards) known(key uintptr) (Ref, bool) {
	k := uint64(key)
	slot := &s.slots[(k*0x9e3779b97f4a7c15)>>58]
	if entry := slot.Load(); entry>>8 == k {
		return Ref{int(entry & 0xff), slot, entry}, true
	}
	return Ref{}, false
}

// moveOn sends the key of r to the next shard for its later writes: another
// writer used r's shard at the same instant.
func (r Ref) moveOn(n int) {
	if r.slot != nil {
		r.slot.CompareAndSwap(r.entry, r.entry&^0xff|uint64((r.sh+1)%n)) //nolint:gosec // G115: a shard index is between 0 and maxShards-1.
	}
}

// Shard returns the index of r's shard.
func (r Ref) Shard() int { return r.sh }

// Shard returns the shard that the request named key writes to; key is
// the address of its *gin.Context (see [Ref]).
func (rc *Requests) Shard(key uintptr) Ref { return rc.shards.pick(key) }
