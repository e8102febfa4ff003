package aggregate

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/prometheus/client_golang/prometheus"
)

// Requests stores the series of the request metrics (the duration, and the
// request and response sizes and the response bytes, which share its
// series) and exposes them, together with the request counter, which it
// derives: the count of <prefix>_http_request_total{method, status, ...} is
// the sum of the duration counts over the group-by label. A request thus
// costs one bucket increment and one addition to a sum per histogram, and
// nothing more.
//
// A series' label values are, in this order, the method, the status, the
// default labels and the group-by value, every one in its canonical form
// (internal/canon); an [Exposer] turns them into the labels each family is
// exposed with. Every series is split into shards of whole cache lines, and
// a request writes to its own shard (see [Ref]); the shards are summed at
// scrape time.
//
// The family's series budget is met only where a series is made (see
// [Requests.Lookup]); a request to a known series pays nothing for it.
type Requests struct {
	descs RequestDescs
	kind  RequestKind
	// Word offsets in a shard: the duration's sum at 0 and its counts
	// after it. With both sizes on and few size buckets, joint: one count
	// per pair of request and response size buckets at jointOff, so that
	// a request adds one to one word for both, then the two sums.
	// Otherwise each size histogram's sum at reqOff or respOff, then its
	// counts.
	reqOff, respOff int
	joint           bool
	jointOff        int
	stride          int // words per shard, whole cache lines
	// With native histograms, each shard is a block of a control word
	// and two halves of stride words, hot and cold (see hotcold.go).
	hotCold   bool
	block     int        // words per shard: stride, or the hot/cold block
	collectMu sync.Mutex // serialises the flips of Collect, with hotCold
	shards    *shards
	native    *nativeLayout // nil without WithNativeHistograms
	bytesOff  int           // the word of Big Brother's response bytes, with kind.Bytes
	sized     bool          // a size histogram or the response bytes are on

	// exposer turns a series' label values into those it is exposed
	// with; it holds Big Brother's error messages, shared by every
	// Metrics that shares the store.
	exposer Exposer
	budget  RequestBudget

	// The in-flight gauge (inflight.go): one group of started counters
	// per set of static default label values, at staticPos in a series'
	// label values.
	groups    atomic.Pointer[[]*InFlight]
	staticPos []int

	seed  maphash.Seed
	index sync.Map   // hash of label values -> *RequestSeries, chained on collision
	mu    sync.Mutex // serialises the creation of series
	// displayed are the series by their exposed label values, those of
	// the duration and the request counter, when the exposer's differ
	// from the internal ones; first are the first series made of each of
	// the duration's exposed label values. Both are guarded by mu.
	// anyShown says that a series is collected with another (see
	// RequestSeries.shown).
	displayed map[string]*RequestSeries
	first     map[string]*RequestSeries
	anyShown  atomic.Bool

	// sizeIdx is the size bucket of the sizes of each bit length, or -1
	// where sizes of that length fall in more than one (see sizeBucket).
	// It comes last, away from the words that every request reads.
	sizeIdx [65]int32
	// zeroCell is the joint cell of two sizes of 0 bytes. It is never
	// counted in its own word: with hotCold a scrape derives it from the
	// half's completed requests; otherwise a request in it counts its
	// duration bucket in a second row of duration counts at zeroOff, and
	// the cell is the sum of that row (see Observe).
	zeroCell int
	zeroOff  int // 0 unless joint without hotCold
}

// An Exposer says which label values each request family exposes for a
// series, given the series' internal label values lvs (method, status,
// default labels, group-by value), the index of its method and its
// variant. It is called only when a series is made, or at scrape time.
type Exposer interface {
	// Display returns the duration's label values (those of the sizes
	// and the response bytes too); nil means lvs as they are.
	Display(lvs []string, method int, variant uint32) []string
	// Counted returns the request counter's; nil means lvs without the
	// group-by value, or with it under RequestKind.TotalsByGroup.
	Counted(lvs []string, method int, variant uint32) []string
	// Exception returns the exceptions', given the counter's internal
	// values.
	Exception(lvs []string) []string
	// InFlight returns the in-flight gauge's values before the static
	// default labels, for a method and a variant.
	InFlight(method int, variant uint32) []string
}

// RequestDescs are the families a Requests exposes; a description is nil
// when its family is not exposed (the duration's never is).
type RequestDescs struct {
	Duration, Total, ReqSize, RespSize, InFlight *prometheus.Desc
	// Bytes is Big Brother's response_size_bytes, a counter of response
	// body bytes with the duration's labels.
	Bytes *prometheus.Desc
}

// RequestKind is what a Requests stores. Two Metrics on one registry share
// a store only if they agree on it.
type RequestKind struct {
	Summary         bool
	Bounds          []float64 // duration bucket bounds without +Inf; none for a summary
	SizeBounds      []float64 // size bucket bounds without +Inf
	ReqSize         bool
	RespSize        bool
	TotalsByGroup   bool    // the total and the exceptions keep the group-by value
	NativeFactor    float64 // 0: no native histograms
	Exemplars       bool
	InFlight        bool
	InFlightSchemes bool      // the in-flight gauge has the url scheme
	Schema          string    // the compiled schema's key
	IsError         [900]bool // the schema's errors, by status code - 100
	Bytes           bool      // Big Brother's response bytes counter
}

// Equal reports whether k and o store alike.
func (k RequestKind) Equal(o RequestKind) bool {
	return k.Summary == o.Summary && slices.Equal(k.Bounds, o.Bounds) &&
		slices.Equal(k.SizeBounds, o.SizeBounds) && k.ReqSize == o.ReqSize &&
		k.RespSize == o.RespSize && k.TotalsByGroup == o.TotalsByGroup &&
		k.NativeFactor == o.NativeFactor && k.Exemplars == o.Exemplars &&
		k.InFlight == o.InFlight && k.InFlightSchemes == o.InFlightSchemes &&
		k.Schema == o.Schema && k.IsError == o.IsError && k.Bytes == o.Bytes
}

// RequestBudget is the series budget of the request families. Duration
// admits series; a family's Limit (nil for a family not exposed) counts the
// observations that went to its overflow series. FromRequest has bit i set
// when a series' label value i came from the request (the group-by value of
// GroupByPath and GroupByFunc, a default label function's value): an
// overflow series reads canon.Overflow there, and keeps the others.
type RequestBudget struct {
	Duration, Total, ReqSize, RespSize, Bytes, Exceptions *Limit
	FromRequest                                           uint64
}

// maxJoint bounds the words of a joint size histogram, so that few size
// buckets (DefaultSizeBuckets has 8 with +Inf: 64 words) share one count
// per request, and many do not grow a series past reason.
const maxJoint = 128

// NewRequests returns the store of the families descs of kind, exposed as
// exposer says, within budget. staticPos are the positions of the static
// default labels in a series' label values, for the in-flight gauge.
func NewRequests(descs RequestDescs, kind RequestKind, budget RequestBudget, staticPos []int, exposer Exposer) *Requests {
	rc := &Requests{
		descs:     descs,
		kind:      kind,
		shards:    newShards(),
		seed:      maphash.MakeSeed(),
		staticPos: staticPos,
		exposer:   exposer,
		budget:    budget,
		displayed: map[string]*RequestSeries{},
		first:     map[string]*RequestSeries{},
	}
	rc.groups.Store(&[]*InFlight{})
	rc.sized = kind.ReqSize || kind.RespSize || kind.Bytes
	// The duration's sum, then len(bounds)+1 counts (the last is +Inf, or
	// the only one for a summary); then, per size histogram, a sum and
	// len(sizeBounds)+1 counts; rounded up to whole 64-byte cache lines.
	words := 1 + len(kind.Bounds) + 1
	ns := len(kind.SizeBounds) + 1
	if rc.joint = kind.ReqSize && kind.RespSize && ns*ns <= maxJoint; rc.joint {
		rc.jointOff = words
		words += ns*ns + 2
	} else {
		if kind.ReqSize {
			rc.reqOff = words
			words += 1 + ns
		}
		if kind.RespSize {
			rc.respOff = words
			words += 1 + ns
		}
	}
	rc.sizeIdx = sizeIndex(kind.SizeBounds)
	rc.zeroCell = rc.sizeBucket(0)*ns + rc.sizeBucket(0)
	if kind.Bytes {
		rc.bytesOff = words
		words++
	}
	if rc.joint && kind.NativeFactor == 0 {
		rc.zeroOff = words
		words += len(kind.Bounds) + 1
	}
	rc.block = (words + lineWords - 1) &^ (lineWords - 1)
	if kind.NativeFactor > 0 {
		rc.native = newNativeLayout(kind)
		rc.hotCold = true
	}
	rc.stride = (words + lineWords - 1) &^ (lineWords - 1)
	if rc.hotCold {
		rc.block = (1 + 2*rc.stride + lineWords - 1) &^ (lineWords - 1)
	}
	return rc
}

// Kind returns what rc stores.
func (rc *Requests) Kind() RequestKind { return rc.kind }

// Exposer returns the exposer rc was made with.
func (rc *Requests) Exposer() Exposer { return rc.exposer }

// RequestSeries is one combination of label values of the duration metric,
// and of the size metrics, which share its labels.
type RequestSeries struct {
	lvs      []string        // method, status, default labels, group-by value
	countKey uint64          // hash of the total's label values
	created  time.Time       // when the series was made
	words    []atomic.Uint64 // shards*stride words, laid out as described at stride
	extra    *seriesExtra    // nil unless a schema, the in-flight gauge, native histograms or exemplars are on
	overflow *overflowSeries // nil unless this is an overflow series of the budget
	next     *RequestSeries  // another series whose label values hash alike
	// alias is the series that s stands for, when a schema exposes both
	// with the same label values (one that omits the status, say): s then
	// has no words of its own and is not collected.
	alias *RequestSeries
	// shown is the series whose exposed duration s is part of, when the
	// duration shows both with the same label values but the request
	// counter does not (a counter by status over a duration without
	// one): s keeps its own words, for the counter, and the duration
	// shows their sum.
	shown *RequestSeries
}

// Labels returns the internal label values of s. The caller must not
// change them.
func (s *RequestSeries) Labels() []string { return s.lvs }

// Group returns the group-by value of s, its last label value.
func (s *RequestSeries) Group() string { return s.lvs[len(s.lvs)-1] }

// Created returns when s was made.
func (s *RequestSeries) Created() time.Time { return s.created }

// Overflowed reports whether s is an overflow series of the budget.
func (s *RequestSeries) Overflowed() bool { return s.overflow != nil }

// canonical returns the series that records s's requests.
func (s *RequestSeries) canonical() *RequestSeries {
	if s.alias != nil {
		return s.alias
	}
	return s
}

// seriesExtra is what a series keeps for the signals that need more than
// its words; apart, so that a series without them stays small.
type seriesExtra struct {
	variant uint32                         // the schema's variant
	display []string                       // the label values the exposer gives; nil for lvs
	count   []string                       // the request counter's; nil for countLVs(lvs)
	method  int                            // index of lvs[0]
	group   *InFlight                      // with the in-flight gauge
	native  []atomic.Pointer[nativeChunk]  // native buckets, by shard then chunk, each made on first use (see native.go)
	ex      []atomic.Pointer[exemplarSlot] // the latest exemplar of each duration bucket, made on its first
}

// variant returns the schema's variant of s.
func (s *RequestSeries) variant() uint32 {
	if s.extra == nil {
		return 0
	}
	return s.extra.variant
}

// labels returns the label values s is exposed with.
func (s *RequestSeries) labels() []string {
	if s.extra == nil || s.extra.display == nil {
		return s.lvs
	}
	return s.extra.display
}

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
