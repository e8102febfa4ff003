// Package aggregate is ginprom's series store: the series of a metric
// family, found by their label values without locks, written to in shards
// of whole cache lines, and summed at scrape time.
//
// One file per aggregation: [Sum] (counters), [Gauge] and [Histogram]
// (histograms, and summaries without quantiles) for the decorators, each
// finding its series through an [Index]; and [Requests] (request.go and
// the request_*.go files, with hotcold.go, native.go, exemplar.go,
// inflight.go and group_index.go) for the request metrics, whose series
// the duration, the sizes and the response bytes share. Each family keeps
// a series budget, a [Limit]: past it, a new set of label values goes to
// the family's overflow series, and an [OverflowCounter] counts what went
// there. Requests write to shards of their own ([Ref]).
//
// A request's label values must arrive in their exposed form (clamped,
// repaired, cut): the index compares them as they are, so two values that
// expose alike must be one string. Then no two series of a family can
// expose the same label values, and a scrape cannot fail.
package aggregate

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A Series is one set of label values of a family, and its words: shards
// of stride words each, laid out by the aggregation.
type Series struct {
	lvs     []string
	hash    uint64
	created time.Time
	words   []atomic.Uint64
}

// Labels returns the label values of s. The caller must not change them.
func (s *Series) Labels() []string { return s.lvs }

// Created returns when s was made.
func (s *Series) Created() time.Time { return s.created }

// Index holds the series of one family. Lookups of a series that exists
// take no lock and allocate nothing; making one takes the index's lock.
type Index struct {
	stride   int // words per shard, whole cache lines
	shards   *shards
	limit    *Limit
	overflow string // the value that replaces the request's values in an overflow series
	seed     maphash.Seed
	table    atomic.Pointer[table] // read without locks
	mu       sync.Mutex            // serialises the creation of series
	count    int                   // series made, under mu
}

// table is a hash table of series that readers use without locks: a
// power of two of buckets, each a chain of immutable nodes that a writer
// replaces by a longer one, under the index's lock. Growing builds a new
// table of new nodes, and readers of the old one still find every series
// it had.
type table struct {
	mask    uint64
	buckets []atomic.Pointer[node]
}

type node struct {
	s    *Series
	next *node
}

func newTable(size int) *table {
	return &table{mask: uint64(size - 1), buckets: make([]atomic.Pointer[node], size)} //nolint:gosec // G115: size is a positive power of two.
}

// insert adds s to t; the caller holds the index's lock.
func (t *table) insert(s *Series) {
	b := &t.buckets[s.hash&t.mask]
	b.Store(&node{s: s, next: b.Load()})
}

// newIndex returns an index of series of words words per shard, within
// limit (nil: none), whose overflow series read overflow in place of the
// values that came from the request.
func newIndex(words int, limit *Limit, overflow string) *Index {
	x := &Index{
		stride:   (words + lineWords - 1) &^ (lineWords - 1),
		shards:   newShards(),
		limit:    limit,
		overflow: overflow,
		seed:     maphash.MakeSeed(),
	}
	x.table.Store(newTable(16))
	return x
}

// Shard returns the shard that the caller named key writes to (see
// [Ref]); key is typically the address of the request's *gin.Context.
func (x *Index) Shard(key uintptr) Ref { return x.shards.pick(key) }

// maxInline is the number of label values an overflow lookup handles
// without allocating.
const maxInline = 16

// Lookup returns the series of the label values lvs, making it on first
// sight; lvs is not retained. If the family's budget is spent, a new set of
// values goes to the overflow series instead: lvs with each value whose bit
// is set in fromRequest (bit i for lvs[i]; every value past the 64th)
// replaced by the overflow value; overflowed then reports it, and the
// caller records each observation there with [Limit.Overflowed] as well.
// Values that read the overflow value already find the overflow series
// without being redirected, and overflowed is false.
// Series made before the budget was spent keep theirs; overflow series
// take none of it.
func (x *Index) Lookup(lvs []string, fromRequest uint64) (s *Series, overflowed bool) {
	h := x.hash(lvs)
	if s := x.find(h, lvs); s != nil {
		return s, false
	}
	if !x.limit.full() {
		if s, ok := x.add(h, lvs, true); ok {
			return s, false
		}
	}
	var buf [maxInline]string
	o := append(buf[:0], lvs...)
	redirected := false // values that read the overflow value already are not redirected
	for i := range o {
		if (i >= 64 || fromRequest&(1<<i) != 0) && o[i] != x.overflow {
			o[i], redirected = x.overflow, true
		}
	}
	h = x.hash(o)
	if s := x.find(h, o); s != nil {
		return s, redirected
	}
	s, _ = x.add(h, o, false)
	return s, redirected
}

// find returns the series of lvs, whose hash is h, or nil.
func (x *Index) find(h uint64, lvs []string) *Series {
	t := x.table.Load()
	for n := t.buckets[h&t.mask].Load(); n != nil; n = n.next {
		if n.s.hash == h && slices.Equal(n.s.lvs, lvs) {
			return n.s
		}
	}
	return nil
}

// add makes the series of lvs, whose hash is h, unless another caller made
// it first; with budget, only if the budget admits it.
func (x *Index) add(h uint64, lvs []string, budget bool) (*Series, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if s := x.find(h, lvs); s != nil {
		return s, true
	}
	if budget && !x.limit.admit() {
		return nil, false
	}
	s := &Series{
		lvs:     make([]string, len(lvs)),
		hash:    h,
		created: time.Now(),
		words:   make([]atomic.Uint64, x.shards.n*x.stride),
	}
	for i, v := range lvs {
		s.lvs[i] = strings.Clone(v)
	}
	t := x.table.Load()
	if x.count++; x.count > len(t.buckets) {
		// Grow to keep chains short: a new table, then publish it.
		t = newTable(2 * len(t.buckets))
		x.each(func(s *Series) { t.insert(s) })
	}
	t.insert(s)
	x.table.Store(t)
	return s, true
}

func (x *Index) hash(lvs []string) uint64 { return hashValues(x.seed, lvs) }

// hashValues hashes label values in order: the hash of their prefix, times
// a prime, mixed with the hash of the next.
func hashValues(seed maphash.Seed, lvs []string) uint64 {
	var h uint64
	for _, v := range lvs {
		h = h*0x100000001b3 ^ maphash.String(seed, v)
	}
	return h
}

// each calls f for every series.
func (x *Index) each(f func(*Series)) {
	t := x.table.Load()
	for i := range t.buckets {
		for n := t.buckets[i].Load(); n != nil; n = n.next {
			f(n.s)
		}
	}
}

// Len returns the number of series, overflow series included.
func (x *Index) Len() int {
	n := 0
	x.each(func(*Series) { n++ })
	return n
}

// shard returns the words of s in the shard of r.
func (x *Index) shard(s *Series, r Ref) []atomic.Uint64 {
	return s.words[r.sh*x.stride : (r.sh+1)*x.stride]
}

// NewIndex returns an index of series that hold no words, for a family
// whose values live elsewhere (a client_golang summary, whose quantiles need
// its own algorithm): it keeps the family's budget and the values of its
// series.
func NewIndex(limit *Limit, overflow string) *Index { return newIndex(0, limit, overflow) }

// Limit returns the budget of the family; nil for none.
func (x *Index) Limit() *Limit { return x.limit }
