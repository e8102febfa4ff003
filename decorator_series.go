package ginprom

import (
	"slices"
	"sync/atomic"
	"unsafe"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/gin-gonic/gin"
)

// seriesCache is a decorator's memory of the series its label functions'
// values last led to, so that a known value costs one atomic load and one
// comparison instead of hashing the values and searching the family's
// index. It is direct-mapped by the addresses and lengths of the values'
// strings, as the middleware's recent routes are by their full path: a
// label function that answers from a table or a constant (a status text,
// c.FullPath()) hands over the same string every time. A slot is only a
// guess: a hit is a series whose label values equal the request's, whoever
// filled the slot; a miss asks the index and fills the slot.
//
// A slot holds only a series that the index gave for the values
// themselves, never an overflow series that the budget sent them to: each
// of those lookups is counted in the overflow counter, so each asks the
// index.
type seriesCache struct {
	slots [64]atomic.Pointer[aggregate.Series]
}

// cacheSlot returns the slot of the values lvs, from their strings'
// addresses and lengths; their bytes are not read.
func cacheSlot(lvs []string) int {
	var h uint64
	for _, v := range lvs {
		addr := uintptr(unsafe.Pointer(unsafe.StringData(v))) //nolint:gosec // G103: only the address is read, as a number; nothing is dereferenced.
		h = (h ^ uint64(addr) ^ uint64(len(v))) * 0x9e3779b97f4a7c15
	}
	return int(h >> 58)
}

// seriesOf returns the series of the request in d's family, one of the
// engine's, and the panic of the first label function that panicked.
func (d *decorator) seriesOf(c *gin.Context) (found, any) {
	if d.fixed {
		return d.find(d.values), nil
	}
	if d.oneFunc {
		return d.seriesOfOne(c)
	}
	// Few labels need a buffer of few words to clear.
	if len(d.labels) <= 4 {
		var buf [4]string
		return d.seriesIn(c, buf[:0])
	}
	var buf [maxInlineLabels]string
	return d.seriesIn(c, buf[:0])
}

// seriesIn is seriesOf for a decorator with label functions, which
// computes the values into buf, or a new slice if they do not fit.
func (d *decorator) seriesIn(c *gin.Context, lvs []string) (found, any) {
	if len(d.labels) > cap(lvs) {
		lvs = make([]string, 0, len(d.labels))
	}
	var rec any
	for _, l := range d.labels {
		if l.fn == nil {
			lvs = append(lvs, l.value)
			continue
		}
		v, r := labelValue(l.fn, c)
		if rec == nil {
			rec = r
		}
		lvs = append(lvs, v)
	}
	slot := &d.cache.slots[cacheSlot(lvs)]
	// A series' values are canonical: values equal to them are too, and
	// need no canon.Value.
	if s := slot.Load(); s != nil && slices.Equal(s.Labels(), lvs) {
		return found{s: s}, rec
	}
	for i, l := range d.labels {
		if l.fn != nil {
			lvs[i] = canon.Value(lvs[i])
		}
	}
	s, over := d.index.Lookup(lvs, d.fromRequest)
	if !over && slot.Load() != s {
		slot.Store(s)
	}
	return found{s, over}, rec
}

// seriesOfOne is seriesOf for a decorator whose only label is a label
// function.
func (d *decorator) seriesOfOne(c *gin.Context) (found, any) {
	v, rec := labelValue(d.labels[0].fn, c)
	return d.seriesOfValue(v), rec
}

// seriesOfValue returns the series of the value v of a decorator whose
// only label is a label function.
func (d *decorator) seriesOfValue(v string) found {
	if s := d.one.slot(v).get(v); s != nil {
		return found{s: s}
	}
	return d.lookupValue(v)
}

// lookupValue is seriesOfValue for a value whose own string d.one does
// not hold.
func (d *decorator) lookupValue(v string) found {
	if s := d.one.lookup(v); s != nil {
		return found{s: s}
	}
	lvs := [1]string{canon.Value(v)}
	s, over := d.index.Lookup(lvs[:], d.fromRequest)
	if !over {
		d.one.put(v, s)
	}
	return found{s, over}
}

// valueCache is the seriesCache of a decorator whose only label is a label
// function, which remembers the very string the function returned beside
// its series, so that a hit compares a pointer and a length instead of
// bytes. A slot holds a string and its series under a sequence word, as a
// seqlock: a writer marks the word as being written (a length of 0),
// stores both, then writes the next sequence number with the string's
// length, and a reader trusts the pair only if the word had the length of
// its string and did not change across its reads. (The sequence number
// would have to wrap around, 2^31 writes, between two loads of one reader
// to fool it.) Otherwise the reader compares the series' own value with
// its string byte by byte, as seriesCache does, which is right whatever
// the slot holds. Like seriesCache, a slot never holds an overflow series.
//
// Why a pointer and a length suffice: the slot keeps a reference to the
// string's bytes, so they cannot be freed and reused while it holds them,
// and Go strings do not change; equal address and length are then the
// same bytes, whose canonical value the slot's series has. (Code that
// changes a string's bytes through unsafe breaks that, as it breaks map
// keys.) The reference keeps alive at most one string per slot, such as
// the URL that a c.Param value points into, until the slot is filled again.
type valueCache struct {
	slots [64]valueSlot
}

type valueSlot struct {
	// seq is a sequence number in the high 32 bits, and in the low 32
	// the length of the string plus one, or 0 while a writer fills the
	// slot: no string matches a slot being filled, nor, being too long
	// to note, one the slot could not hold.
	seq atomic.Uint64
	raw atomic.Pointer[byte] // the string's first byte
	s   atomic.Pointer[aggregate.Series]
}

const (
	seqOne  = 1 << 32    // one step of valueSlot.seq's sequence number
	lenMask = seqOne - 1 // valueSlot.seq's length plus one
)

// slot returns the slot of v, from its address and length.
func (vc *valueCache) slot(v string) *valueSlot {
	addr := uintptr(unsafe.Pointer(unsafe.StringData(v))) //nolint:gosec // G103: only the address is read, as a number; nothing is dereferenced.
	return &vc.slots[(uint64(addr)^uint64(len(v)))*0x9e3779b97f4a7c15>>58]
}

// get returns the series of v if sl, v's slot, holds v itself, the same
// address and length, or nil. It is small enough to inline; see lookup.
func (sl *valueSlot) get(v string) *aggregate.Series {
	seq := sl.seq.Load()
	s := sl.s.Load()
	if seq&lenMask == uint64(len(v))+1 && sl.raw.Load() == unsafe.StringData(v) && sl.seq.Load() == seq { //nolint:gosec // G103: addresses are compared; nothing is read through them.
		return s
	}
	return nil
}

// lookup returns the series of v if its slot holds a series whose value is
// v, compared byte by byte, whatever string the slot holds, or nil. A
// series' values are canonical: values equal to them are too, and need no
// canon.Value.
func (vc *valueCache) lookup(v string) *aggregate.Series {
	if s := vc.slot(v).s.Load(); s != nil && s.Labels()[0] == v {
		return s
	}
	return nil
}

// put remembers s as the series of v, unless another writer is filling the
// slot, or v is longer than a label value.
func (vc *valueCache) put(v string, s *aggregate.Series) {
	if len(v) > canon.MaxValueLen {
		// A value longer than any label value is cut anyway; the
		// slot would keep all of its bytes alive (a body, a header).
		return
	}
	sl := vc.slot(v)
	seq := sl.seq.Load()
	next := seq&^lenMask + seqOne
	if next == 0 {
		// The sequence number wrapped: 0 would read as a slot never
		// written, which another writer may take at the same time.
		next = seqOne
	}
	if seq != 0 && seq&lenMask == 0 || !sl.seq.CompareAndSwap(seq, next) {
		return // another writer
	}
	sl.s.Store(s)
	sl.raw.Store(unsafe.StringData(v)) //nolint:gosec // G103: kept to hold the bytes alive and to compare the address; never read through.
	sl.seq.Store(next + seqOne | (uint64(len(v)) + 1))
}

// labelValue runs the label function fn, as canon.Call does, but leaves
// the value as fn gave it: the caller makes it canonical if it must.
func labelValue(fn func(*gin.Context) string, c *gin.Context) (v string, rec any) {
	defer func() {
		if r := recover(); r != nil {
			v, rec = canon.PanicValue, r
		}
	}()
	return fn(c), nil
}
