package aggregate

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// Under GroupByPath and GroupByFunc with fixed default labels, each route
// (handlerEntry) keeps an index from its group-by values to their series
// per status, so that a request finds its series with one hash of its
// value and a probe, without building or hashing its label values. The
// index is a table of open addressing read without locks: a reader loads
// the table and its slots atomically; a writer, under a mutex, fills an
// empty slot, or replaces the table by one twice as large.
//
// Only values that are series labels enter the index, and only when their
// series is made, so it holds no more entries than the route has series:
// a client cannot grow it with spellings of a path (only the path as Gin
// routed it enters) or with requests answered 404 (which have no series
// of their own under GroupByPath).

// GroupEntry is one group-by value of a route and its series per status.
type GroupEntry struct {
	hash  uint64
	value string
	list  atomic.Pointer[[]GroupSeries] // replaced, never modified
}

// GroupSeries is the series of a group-by value for a status and variant.
type GroupSeries struct {
	Status  int
	Variant uint32
	Series  *RequestSeries
}

// Value returns the group-by value of g.
func (g *GroupEntry) Value() string { return g.value }

// Series returns the series for status and variant, or nil.
func (g *GroupEntry) Series(status int, variant uint32) *RequestSeries {
	if list := g.list.Load(); list != nil {
		for _, e := range *list {
			if e.Status == status && e.Variant == variant {
				return e.Series
			}
		}
	}
	return nil
}

// groupSlots is one table of a GroupIndex.
type groupSlots struct {
	slots []atomic.Pointer[GroupEntry] // a power of two of them
	used  int                          // guarded by GroupIndex.mu
}

// GroupIndex maps the group-by values of a route to their entries.
type GroupIndex struct {
	seed  maphash.Seed
	table atomic.Pointer[groupSlots]
	mu    sync.Mutex // serialises writers
}

// NewGroupIndex returns an empty index.
func NewGroupIndex() *GroupIndex {
	gi := &GroupIndex{seed: maphash.MakeSeed()}
	gi.table.Store(&groupSlots{slots: make([]atomic.Pointer[GroupEntry], 8)})
	return gi
}

// Lookup returns the entry of value, or nil.
func (gi *GroupIndex) Lookup(value string) *GroupEntry {
	h := maphash.String(gi.seed, value)
	t := gi.table.Load()
	mask := uint64(len(t.slots) - 1) //nolint:gosec // G115: a table has at least 8 slots.
	for i := h & mask; ; i = (i + 1) & mask {
		e := t.slots[i].Load()
		if e == nil {
			return nil
		}
		if e.hash == h && e.value == value {
			return e
		}
	}
}

// Series returns the series of value, status and variant, or nil: Lookup
// and GroupEntry.Series in one call.
func (gi *GroupIndex) Series(value string, status int, variant uint32) *RequestSeries {
	if e := gi.Lookup(value); e != nil {
		return e.Series(status, variant)
	}
	return nil
}

// Find returns the entry of value, or nil, and its series as they are now:
// for a caller that looks the value up before it knows the status, and
// picks the status's series from the list once it does, without entering
// the index again. A series added in between is not in the list; the
// caller then finds it as if it were not indexed.
func (gi *GroupIndex) Find(value string) (*GroupEntry, []GroupSeries) {
	e := gi.Lookup(value)
	if e == nil {
		return nil, nil
	}
	if list := e.list.Load(); list != nil {
		return e, *list
	}
	return e, nil
}

// Add records s as the series of value and status, making the value's
// entry if there is none. value is retained: it is a series' own label
// value.
func (gi *GroupIndex) Add(value string, status int, variant uint32, s *RequestSeries) {
	gi.mu.Lock()
	defer gi.mu.Unlock()
	e := gi.Lookup(value)
	if e == nil {
		e = &GroupEntry{hash: maphash.String(gi.seed, value), value: value}
		t := gi.table.Load()
		if 2*(t.used+1) > len(t.slots) {
			t = gi.grow(t)
		}
		t.insert(e)
		t.used++
	}
	if e.Series(status, variant) != nil {
		return
	}
	var old []GroupSeries
	if list := e.list.Load(); list != nil {
		old = *list
	}
	list := append(append(make([]GroupSeries, 0, len(old)+1), old...), GroupSeries{Status: status, Variant: variant, Series: s})
	e.list.Store(&list)
}

// grow replaces t by a table twice as large with the same entries.
func (gi *GroupIndex) grow(t *groupSlots) *groupSlots {
	n := &groupSlots{slots: make([]atomic.Pointer[GroupEntry], 2*len(t.slots)), used: t.used}
	for i := range t.slots {
		if e := t.slots[i].Load(); e != nil {
			n.insert(e)
		}
	}
	gi.table.Store(n)
	return n
}

func (t *groupSlots) insert(e *GroupEntry) {
	mask := uint64(len(t.slots) - 1) //nolint:gosec // G115: a table has at least 8 slots.
	for i := e.hash & mask; ; i = (i + 1) & mask {
		if t.slots[i].Load() == nil {
			t.slots[i].Store(e)
			return
		}
	}
}
