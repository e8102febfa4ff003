package aggregate

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-contrib/ginprom/internal/canon"
)

// Finding a request's series: the lookups on the request path, and, on
// first sight of label values, making the series within the budget.

// Prefix is the label values of a series but the last, and their hash, so
// that finding the series of a group-by value hashes only that value.
type Prefix struct {
	lvs  []string
	hash uint64
}

// Prefix returns the prefix of the label values lvs, which it keeps.
func (rc *Requests) Prefix(lvs []string) *Prefix { return &Prefix{lvs: lvs, hash: rc.hash(lvs)} }

// Labels returns the label values of p. The caller must not change them.
func (p *Prefix) Labels() []string { return p.lvs }

// Lookup returns the series of the label values lvs and variant, making it
// on first sight; lvs is not retained. Once the budget is spent, label
// values that would make a new series go to the overflow series instead:
// lvs with each value that came from the request (RequestBudget.FromRequest)
// replaced by canon.Overflow; redirected then reports it, and the caller
// counts the observation with [Requests.Overflowed]. Label values that
// read canon.Overflow already find the overflow series without being
// redirected. Series made before keep theirs, and a request that finds its
// series pays nothing for the budget.
func (rc *Requests) Lookup(lvs []string, variant uint32) (s *RequestSeries, redirected bool) {
	h := rc.hash(lvs) ^ variantHash(variant)
	if s := rc.find(h, lvs, variant); s != nil {
		return s, false
	}
	if s := rc.findOverflow(lvs, variant); s != nil {
		return s, true
	}
	return rc.add(h, lvs, variant)
}

// LookupGroup returns the series of the label values p's followed by
// group, and variant, as Lookup does, hashing only group.
func (rc *Requests) LookupGroup(p *Prefix, group string, variant uint32) (s *RequestSeries, redirected bool) {
	h := (p.hash*0x100000001b3 ^ maphash.String(rc.seed, group)) ^ variantHash(variant)
	if v, ok := rc.index.Load(h); ok {
		for s := v.(*RequestSeries); s != nil; s = s.next {
			if n := len(s.lvs) - 1; s.variant() == variant && s.lvs[n] == group && slices.Equal(s.lvs[:n], p.lvs) {
				return s.canonical(), false
			}
		}
	}
	var buf [maxInline]string
	lvs := append(append(buf[:0], p.lvs...), group)
	if s := rc.findOverflow(lvs, variant); s != nil {
		return s, true
	}
	return rc.add(h, append(slices.Clip(p.lvs), group), variant)
}

// variantHash mixes a variant into a series' hash; the variant 0 of the
// default names leaves it as it is.
func variantHash(variant uint32) uint64 { return uint64(variant) * 0x9e3779b97f4a7c15 }

// find returns the series of lvs and variant, whose hash is h, or nil.
func (rc *Requests) find(h uint64, lvs []string, variant uint32) *RequestSeries {
	if v, ok := rc.index.Load(h); ok {
		for s := v.(*RequestSeries); s != nil; s = s.next {
			if s.variant() == variant && slices.Equal(s.lvs, lvs) {
				return s.canonical()
			}
		}
	}
	return nil
}

// findOverflow returns, once the budget is spent, the overflow series that
// the new label values lvs go to, if it exists; without taking a lock, so
// that the requests that overflow do not queue.
func (rc *Requests) findOverflow(lvs []string, variant uint32) *RequestSeries {
	if !rc.budget.Duration.full() {
		return nil
	}
	var buf [maxInline]string
	o, changed := rc.overflowed(append(buf[:0], lvs...), canon.Overflow)
	if !changed {
		return nil
	}
	return rc.find(rc.hash(o)^variantHash(variant), o, variant)
}

// overflowed replaces, in lvs, each value that came from the request by
// with, and reports whether that changed lvs.
func (rc *Requests) overflowed(lvs []string, with string) ([]string, bool) {
	changed := false
	for i := range lvs {
		if (i >= 64 || rc.budget.FromRequest&(1<<i) != 0) && lvs[i] != with {
			lvs[i], changed = with, true
		}
	}
	return lvs, changed
}

// add makes the series of the label values given and variant, whose hash
// is h, unless another caller made it first; past the budget, it returns
// the overflow series, and reports that it redirected the values there.
func (rc *Requests) add(h uint64, given []string, variant uint32) (*RequestSeries, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if s := rc.find(h, given, variant); s != nil {
		return s, false
	}
	// A copy, so that the caller's values, which the exposer sees, stay
	// on the caller's stack.
	lvs := slices.Clone(given)
	shown, same := rc.displayedAs(lvs, variant)
	// Values that read Overflow already (a client's own) make the
	// overflow series itself, which counts what the budget redirects to
	// it later.
	var own *overflowSeries
	if rc.isOverflow(lvs) {
		own = rc.overflowOf(lvs, variant)
	}
	// Two series that the exposer shows alike are one: the later stands
	// for the first (an alias), and takes one series of the budget for
	// the memory it holds; past the budget, the request is recorded in
	// the first without an alias, so that values a request chooses and
	// the exposer leaves out (a path, under a duration without it) do not
	// hold memory without bound.
	if rc.admit(lvs, variant) {
		if same != nil {
			rc.insert(h, &RequestSeries{lvs: lvs, extra: &seriesExtra{variant: variant, method: canon.Method(lvs[0])}, alias: same})
			return same, false
		}
		return rc.make(h, lvs, variant, shown, own), false
	}
	o, changed := rc.overflowed(slices.Clone(lvs), canon.Overflow)
	switch {
	case !changed && same != nil:
		rc.insert(h, &RequestSeries{lvs: lvs, extra: &seriesExtra{variant: variant, method: canon.Method(lvs[0])}, alias: same})
		return same, false
	case !changed:
		// No value came from the request, or each reads Overflow
		// already: the application's routes, methods and statuses
		// bound these series.
		return rc.make(h, lvs, variant, shown, own), false
	case same != nil:
		return same, false
	}
	h = rc.hash(o) ^ variantHash(variant)
	if s := rc.find(h, o, variant); s != nil {
		return s, true
	}
	if shown, same = rc.displayedAs(o, variant); same != nil {
		rc.insert(h, &RequestSeries{lvs: o, extra: &seriesExtra{variant: variant, method: canon.Method(o[0])}, alias: same})
		return same, true
	}
	return rc.make(h, o, variant, shown, rc.overflowOf(lvs, variant)), true
}

// exposedAs is how a series is exposed: the keys of the duration's label
// values and of those and the request counter's ("" when they are the
// internal ones), and the series first made with the duration's.
type exposedAs struct {
	duration, both string
	first          *RequestSeries
}

// displayedAs returns how the series of lvs and variant is exposed, and
// the series already exposed so in every family, if any; rc.mu is held.
func (rc *Requests) displayedAs(lvs []string, variant uint32) (exposedAs, *RequestSeries) {
	method := canon.Method(lvs[0])
	display := rc.exposer.Display(lvs, method, variant)
	if display == nil {
		return exposedAs{}, nil
	}
	// The leading \xfd keeps the key of a duration without labels from
	// being "", which means the internal values.
	e := exposedAs{duration: "\xfd" + strings.Join(display, "\xff")}
	e.both = e.duration
	if rc.descs.Total != nil {
		counted := rc.exposer.Counted(lvs, method, variant)
		if counted == nil {
			counted = rc.countLVs(lvs)
		}
		e.both += "\xfe" + strings.Join(counted, "\xff")
	}
	e.first = rc.first[e.duration]
	return e, rc.displayed[e.both]
}

// make makes the series of lvs and variant, whose hash is h and which is
// exposed as e, an overflow series when overflow is not nil; rc.mu is held.
func (rc *Requests) make(h uint64, lvs []string, variant uint32, e exposedAs, overflow *overflowSeries) *RequestSeries {
	s := &RequestSeries{
		lvs:      make([]string, len(lvs)),
		created:  time.Now(),
		words:    make([]atomic.Uint64, rc.shards.n*rc.block),
		overflow: overflow,
		shown:    e.first,
	}
	key := e.both
	for i, v := range lvs {
		s.lvs[i] = strings.Clone(v)
	}
	if key != "" || variant != 0 || rc.kind.InFlight || rc.native != nil || rc.kind.Exemplars || rc.exposer.Counted(s.lvs, canon.Method(s.lvs[0]), variant) != nil {
		x := &seriesExtra{variant: variant, method: canon.Method(s.lvs[0])}
		x.display = rc.exposer.Display(s.lvs, x.method, variant)
		x.count = rc.exposer.Counted(s.lvs, x.method, variant)
		if rc.kind.InFlight {
			x.group = rc.groupOf(s.lvs)
		}
		if rc.native != nil {
			x.native = make([]atomic.Pointer[nativeChunk], rc.shards.n*rc.native.chunks)
		}
		if rc.kind.Exemplars {
			x.ex = make([]atomic.Pointer[exemplarSlot], len(rc.kind.Bounds)+1)
		}
		s.extra = x
	}
	s.countKey = rc.hash(rc.countOf(s))
	rc.insert(h, s)
	if key != "" {
		rc.displayed[key] = s
		if e.first == nil {
			rc.first[e.duration] = s
		} else {
			rc.anyShown.Store(true)
		}
	}
	return s
}

// insert adds s, whose hash is h, to the index; rc.mu is held.
func (rc *Requests) insert(h uint64, s *RequestSeries) {
	if v, ok := rc.index.Load(h); ok {
		s.next = v.(*RequestSeries)
	}
	rc.index.Store(h, s)
}

// countOf returns the request counter's label values of s.
func (rc *Requests) countOf(s *RequestSeries) []string {
	if s.extra != nil && s.extra.count != nil {
		return s.extra.count
	}
	return rc.countLVs(s.lvs)
}

// countLVs returns the label values of the total that counts the series of
// lvs: all of them with TotalsByGroup, all but the group-by value
// otherwise.
func (rc *Requests) countLVs(lvs []string) []string {
	if rc.kind.TotalsByGroup {
		return lvs
	}
	return lvs[:len(lvs)-1]
}

func (rc *Requests) hash(lvs []string) uint64 { return hashValues(rc.seed, lvs) }

// Held returns the series rc holds, aliases included.
func (rc *Requests) Held() int {
	n := 0
	rc.index.Range(func(_, v any) bool {
		for s := v.(*RequestSeries); s != nil; s = s.next {
			n++
		}
		return true
	})
	return n
}
