package ginprom

import (
	"hash/maphash"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// requestCollector stores the series of the default request metrics (the
// duration, and the request and response sizes when they are on) and
// exposes them, together with the request counter, which it derives: the
// count of <prefix>_http_request_total{method, status, ...} is the sum of the
// duration counts over the group-by label. A request thus costs one bucket
// increment and one addition to a sum per histogram, and nothing more.
//
// Every series is split into shards of whole cache lines, and a request
// writes to the shard of its gin.Context. Gin keeps a pool of contexts per
// processor, so requests running at the same time on different cores run on
// different contexts; those that collide on one shard move apart (see
// observe), and then do not fight over one cache line as they would over a
// client_golang histogram. The shards are summed at scrape time.
type requestCollector struct {
	descs collectorDescs
	kind  collectorKind
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
	// and two halves of stride words, hot and cold (see hotcold.go); the
	// completions of a half are at doneOff in it.
	hotCold   bool
	block     int // words per shard: stride, or the hot/cold block
	doneOff   int
	collectMu sync.Mutex // serialises the flips of Collect, with hotCold
	shards    int
	native    *nativeLayout // nil without WithNativeHistograms
	bytesOff  int           // the word of Big Brother's response bytes, with kind.bytes

	// schema turns a series' label values into those it is exposed with
	// (see requestSchema.display); it holds Big Brother's error messages,
	// shared by every Metrics that shares the collector.
	schema *requestSchema

	// The in-flight gauge (inflight.go): one group of started counters
	// per set of static default label values, at staticPos in a series'
	// label values.
	groups    atomic.Pointer[[]*inflightGroup]
	staticPos []int

	seed  maphash.Seed
	index sync.Map   // hash of label values -> *series, chained on collision
	mu    sync.Mutex // serialises the creation of series
	// displayed are the series by their exposed label values, when the
	// schema's differ from the internal ones; guarded by mu.
	displayed map[string]*series

	// slots remember which shard a gin.Context writes to: an entry packs
	// the context's address (shifted left by 8) and the shard number.
	slots [64]atomic.Uint64
	next  atomic.Uint32 // hands out shards in turn
}

// collectorDescs are the families a requestCollector exposes; the size
// descriptions are nil when the sizes are off.
type collectorDescs struct {
	duration, total, reqSize, respSize, inflight *prometheus.Desc
	// bytes is Big Brother's response_size_bytes, a counter of response
	// body bytes with the duration's labels; nil under other schemas.
	bytes *prometheus.Desc
}

// collectorKind is what a requestCollector stores. Two Metrics on one
// registry share a collector only if they agree on it.
type collectorKind struct {
	summary       bool
	bounds        []float64 // duration bucket bounds without +Inf; none for a summary
	sizeBounds    []float64 // size bucket bounds without +Inf
	reqSize       bool
	respSize      bool
	totalsByGroup bool    // the total keeps the group-by label
	nativeFactor  float64 // 0: no native histograms
	exemplars     bool
	inflight      bool
	schema        string    // the compiled schema's key (requestSchema.key)
	isError       [900]bool // the schema's errors, by status code - 100
	bytes         bool      // Big Brother's response bytes counter
}

func (k collectorKind) equal(o collectorKind) bool {
	return k.summary == o.summary && slices.Equal(k.bounds, o.bounds) &&
		slices.Equal(k.sizeBounds, o.sizeBounds) && k.reqSize == o.reqSize &&
		k.respSize == o.respSize && k.totalsByGroup == o.totalsByGroup &&
		k.nativeFactor == o.nativeFactor && k.exemplars == o.exemplars &&
		k.inflight == o.inflight && k.schema == o.schema && k.isError == o.isError &&
		k.bytes == o.bytes
}

// maxJoint bounds the words of a joint size histogram, so that few size
// buckets (DefaultSizeBuckets has 8 with +Inf: 64 words) share one count
// per request, and many do not grow a series past reason.
const maxJoint = 128

// maxShards bounds the shards of a series, and with them its memory: 8
// shards of the default histogram take 1 KiB.
const maxShards = 8

// staticPos are the positions of the static default labels in a series'
// label values, for the in-flight gauge.
func newRequestCollector(descs collectorDescs, kind collectorKind, staticPos []int, schema *requestSchema) *requestCollector {
	rc := &requestCollector{
		descs:     descs,
		kind:      kind,
		shards:    min(runtime.GOMAXPROCS(0), maxShards),
		seed:      maphash.MakeSeed(),
		staticPos: staticPos,
		schema:    schema,
		displayed: map[string]*series{},
	}
	rc.groups.Store(&[]*inflightGroup{})
	// The duration's sum, then len(bounds)+1 counts (the last is +Inf, or
	// the only one for a summary); then, per size histogram, a sum and
	// len(sizeBounds)+1 counts; rounded up to whole 64-byte cache lines.
	words := 1 + len(kind.bounds) + 1
	ns := len(kind.sizeBounds) + 1
	if rc.joint = kind.reqSize && kind.respSize && ns*ns <= maxJoint; rc.joint {
		rc.jointOff = words
		words += ns*ns + 2
	} else {
		if kind.reqSize {
			rc.reqOff = words
			words += 1 + ns
		}
		if kind.respSize {
			rc.respOff = words
			words += 1 + ns
		}
	}
	if kind.bytes {
		rc.bytesOff = words
		words++
	}
	rc.block = (words + 7) &^ 7
	if kind.nativeFactor > 0 {
		rc.native = newNativeLayout(kind)
		rc.hotCold, rc.doneOff = true, words
		words++
	}
	rc.stride = (words + 7) &^ 7
	if rc.hotCold {
		rc.block = (1 + 2*rc.stride + 7) &^ 7
	}
	return rc
}

// upperBounds returns the buckets without a final +Inf, which every
// histogram has anyway.
func upperBounds(buckets []float64) []float64 {
	if n := len(buckets); n > 0 && math.IsInf(buckets[n-1], +1) {
		return buckets[:n-1]
	}
	return buckets
}

// series is one combination of label values of the duration metric, and of
// the size metrics, which share its labels.
type series struct {
	lvs      []string        // method, status, default labels, group-by value
	countKey uint64          // hash of the total's label values
	words    []atomic.Uint64 // shards*stride words, laid out as described at stride
	extra    *seriesExtra    // nil unless a schema, the in-flight gauge, native histograms or exemplars are on
	next     *series         // another series whose label values hash alike
	// alias is the series that s stands for, when a schema exposes both
	// with the same label values (one that omits the status, say): s then
	// has no words of its own and is not collected.
	alias *series
	// created is when the series was made: its created timestamp.
	created time.Time
}

// canonical returns the series that records s's requests.
func (s *series) canonical() *series {
	if s.alias != nil {
		return s.alias
	}
	return s
}

// seriesExtra is what a series keeps for the signals that need more than
// its words; apart, so that a series without them stays small.
type seriesExtra struct {
	variant uint32                     // the schema's variant (see seriesEntry)
	display []string                   // the label values a schema exposes; nil for lvs
	count   []string                   // the request counter's; nil for countLVs(lvs)
	method  int                        // index of lvs[0]
	group   *inflightGroup             // with the in-flight gauge
	native  []atomic.Uint64            // native buckets, unsharded, in two halves (see hotcold.go)
	ex      []atomic.Pointer[exemplar] // the latest exemplar of each duration bucket
}

// variant returns the schema's variant of s.
func (s *series) variant() uint32 {
	if s.extra == nil {
		return 0
	}
	return s.extra.variant
}

// labels returns the label values s is exposed with.
func (s *series) labels() []string {
	if s.extra == nil || s.extra.display == nil {
		return s.lvs
	}
	return s.extra.display
}

// lookup returns the series of the label values and variant, making it on
// first sight. lvs is not retained.
func (rc *requestCollector) lookup(lvs []string, variant uint32) *series {
	h := rc.hash(lvs) ^ variantHash(variant)
	if v, ok := rc.index.Load(h); ok {
		for s := v.(*series); s != nil; s = s.next {
			if s.variant() == variant && slices.Equal(s.lvs, lvs) {
				return s.canonical()
			}
		}
	}
	return rc.add(h, lvs, variant)
}

// lookupGroup returns the series of the label values p.lvs followed by
// group, and variant, hashing only group.
func (rc *requestCollector) lookupGroup(p *labelPrefix, group string, variant uint32) *series {
	h := (p.hash*0x100000001b3 ^ maphash.String(rc.seed, group)) ^ variantHash(variant)
	if v, ok := rc.index.Load(h); ok {
		for s := v.(*series); s != nil; s = s.next {
			if n := len(s.lvs) - 1; s.variant() == variant && s.lvs[n] == group && slices.Equal(s.lvs[:n], p.lvs) {
				return s.canonical()
			}
		}
	}
	return rc.add(h, append(slices.Clip(p.lvs), group), variant)
}

// variantHash mixes a variant into a series' hash; the variant 0 of the
// default names leaves it as it is.
func variantHash(variant uint32) uint64 { return uint64(variant) * 0x9e3779b97f4a7c15 }

func (rc *requestCollector) add(h uint64, lvs []string, variant uint32) *series {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var head *series
	if v, ok := rc.index.Load(h); ok {
		head = v.(*series)
		for s := head; s != nil; s = s.next {
			if s.variant() == variant && slices.Equal(s.lvs, lvs) {
				return s.canonical()
			}
		}
	}
	var key string
	if !rc.schema.identity {
		// Two series that the schema exposes alike are one.
		method := methodIndex(lvs[0])
		key = strings.Join(rc.schema.display(lvs, method, variant), "\xff")
		if same := rc.displayed[key]; same != nil {
			s := &series{lvs: slices.Clone(lvs), extra: &seriesExtra{variant: variant, method: method}, next: head, alias: same}
			rc.index.Store(h, s)
			return same
		}
	}
	s := &series{
		lvs:     make([]string, len(lvs)),
		words:   make([]atomic.Uint64, rc.shards*rc.block),
		next:    head,
		created: time.Now(),
	}
	for i, v := range lvs {
		s.lvs[i] = strings.Clone(v)
	}
	if !rc.schema.identity || !rc.schema.countIdentity || variant != 0 || rc.kind.inflight || rc.native != nil || rc.kind.exemplars {
		x := &seriesExtra{variant: variant, method: methodIndex(s.lvs[0])}
		x.display = rc.schema.display(s.lvs, x.method, variant)
		x.count = rc.schema.counted(s.lvs, x.method, variant)
		if rc.kind.inflight {
			x.group = rc.groupOf(s.lvs)
		}
		if rc.native != nil {
			x.native = make([]atomic.Uint64, 2*rc.native.words) // hot and cold
		}
		if rc.kind.exemplars {
			x.ex = make([]atomic.Pointer[exemplar], len(rc.kind.bounds)+1)
		}
		s.extra = x
	}
	s.countKey = rc.hash(rc.countOf(s))
	rc.index.Store(h, s)
	if key != "" {
		rc.displayed[key] = s
	}
	return s
}

// countOf returns the request counter's label values of s.
func (rc *requestCollector) countOf(s *series) []string {
	if s.extra != nil && s.extra.count != nil {
		return s.extra.count
	}
	return rc.countLVs(s.lvs)
}

// countLVs returns the label values of the total that counts the series of
// lvs: all of them with WithTotalsByGroup, all but the group-by value
// otherwise.
func (rc *requestCollector) countLVs(lvs []string) []string {
	if rc.kind.totalsByGroup {
		return lvs
	}
	return lvs[:len(lvs)-1]
}

func (rc *requestCollector) hash(lvs []string) uint64 {
	var h uint64
	for _, v := range lvs {
		h = h*0x100000001b3 ^ maphash.String(rc.seed, v)
	}
	return h
}

// shardRef is the shard a request writes to, and, when there is more than
// one, the slot that remembers it and the slot's entry.
type shardRef struct {
	sh    int
	slot  *atomic.Uint64
	entry uint64
}

// shard returns the shard that requests on c write to.
func (rc *requestCollector) shard(c *gin.Context) shardRef {
	if rc.shards == 1 {
		return shardRef{}
	}
	// The address only identifies the context; it is never turned back
	// into a pointer.
	addr := uint64(uintptr(unsafe.Pointer(c))) //nolint:gosec // G103: only the address is read, as a number; nothing is dereferenced.
	slot := &rc.slots[(addr*0x9e3779b97f4a7c15)>>58]
	if entry := slot.Load(); entry>>8 == addr {
		return shardRef{int(entry & 0xff), slot, entry}
	}
	sh := int(rc.next.Add(1) % uint32(rc.shards)) //nolint:gosec // G115: shards is between 1 and maxShards.
	entry := addr<<8 | uint64(sh)
	slot.Store(entry)
	return shardRef{sh, slot, entry}
}

// observation is what one request records.
type observation struct {
	seconds           float64
	reqSize, respSize uint64 // when the sizes are on
}

// observe records one request in s, on the shard of ref, and returns the
// index of the duration bucket it fell in.
func (rc *requestCollector) observe(ref shardRef, s *series, o *observation) int {
	if rc.hotCold {
		return rc.observeHot(ref, s, o)
	}
	return rc.observeWords(ref, s.words[ref.sh*rc.stride:(ref.sh+1)*rc.stride], nil, o)
}

// observeWords records one request in the words w of a shard, and in the
// native buckets native (nil without native histograms).
func (rc *requestCollector) observeWords(ref shardRef, w, native []atomic.Uint64, o *observation) int {
	bounds := rc.kind.bounds
	i := len(bounds)
	for j, b := range bounds {
		if o.seconds <= b {
			i = j
			break
		}
	}
	w[1+i].Add(1)
	if rc.joint {
		rc.observeJoint(w[rc.jointOff:], o)
	} else {
		if rc.kind.reqSize {
			rc.observeSize(w[rc.reqOff:], o.reqSize)
		}
		if rc.kind.respSize {
			rc.observeSize(w[rc.respOff:], o.respSize)
		}
	}
	if rc.kind.bytes && o.respSize != 0 {
		w[rc.bytesOff].Add(o.respSize)
	}
	if native != nil {
		rc.native.observe(native, o)
	}
	for {
		old := w[0].Load()
		if w[0].CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+o.seconds)) {
			return i
		}
		// Another request wrote to this shard at the same instant: two
		// contexts running side by side share it, as happens when shards
		// were handed to contexts that are gone. Move this context to the
		// next shard for its later requests, so that they spread out.
		if ref.slot != nil {
			ref.slot.CompareAndSwap(ref.entry, ref.entry&^0xff|uint64((ref.sh+1)%rc.shards)) //nolint:gosec // G115: a shard index is between 0 and maxShards-1.
		}
	}
}

// sizeBucket returns the index of the size bucket of n bytes.
func (rc *requestCollector) sizeBucket(n uint64) int {
	bounds := rc.kind.sizeBounds
	v := float64(n)
	for j, b := range bounds {
		if v <= b {
			return j
		}
	}
	return len(bounds)
}

// observeSize adds n bytes to the size histogram whose words begin w: a
// sum, which is a whole number and needs no compare-and-swap, then counts.
// Adding 0 to the sum would change nothing, and is left out.
func (rc *requestCollector) observeSize(w []atomic.Uint64, n uint64) {
	w[1+rc.sizeBucket(n)].Add(1)
	if n != 0 {
		w[0].Add(n)
	}
}

// observeJoint adds both sizes to the joint histogram whose words begin w:
// one count for the pair of buckets, then the two sums.
func (rc *requestCollector) observeJoint(w []atomic.Uint64, o *observation) {
	ns := len(rc.kind.sizeBounds) + 1
	w[rc.sizeBucket(o.reqSize)*ns+rc.sizeBucket(o.respSize)].Add(1)
	if o.reqSize != 0 {
		w[ns*ns].Add(o.reqSize)
	}
	if o.respSize != 0 {
		w[ns*ns+1].Add(o.respSize)
	}
}
