package aggregate

import (
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"
	"time"

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
