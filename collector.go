package ginprom

import (
	"fmt"
	"hash/maphash"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	// after it; each size histogram's sum, then its counts.
	// bytesOff is the word of the response bytes counter, with kind.bytes.
	reqOff, respOff, bytesOff int
	stride                    int // words per shard, whole cache lines
	shards                    int
	native                    *nativeLayout // nil without WithNativeHistograms

	seed  maphash.Seed
	index sync.Map   // hash of label values -> *series, chained on collision
	mu    sync.Mutex // serialises the creation of series

	// slots remember which shard a gin.Context writes to: an entry packs
	// the context's address (shifted left by 8) and the shard number.
	slots [64]atomic.Uint64
	next  atomic.Uint32 // hands out shards in turn
}

// collectorDescs are the families a requestCollector exposes; the size
// descriptions are nil when the sizes are off.
type collectorDescs struct {
	duration, total, reqSize, respSize *prometheus.Desc
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
	bytes         bool // a counter of response bytes (descs.bytes)
}

func (k collectorKind) equal(o collectorKind) bool {
	return k.summary == o.summary && slices.Equal(k.bounds, o.bounds) &&
		slices.Equal(k.sizeBounds, o.sizeBounds) && k.reqSize == o.reqSize &&
		k.respSize == o.respSize && k.totalsByGroup == o.totalsByGroup &&
		k.nativeFactor == o.nativeFactor && k.exemplars == o.exemplars && k.bytes == o.bytes
}

// maxShards bounds the shards of a series, and with them its memory: 8
// shards of the default histogram take 1 KiB.
const maxShards = 8

func newRequestCollector(descs collectorDescs, kind collectorKind) *requestCollector {
	rc := &requestCollector{
		descs:  descs,
		kind:   kind,
		shards: min(runtime.GOMAXPROCS(0), maxShards),
		seed:   maphash.MakeSeed(),
	}
	// The duration's sum, then len(bounds)+1 counts (the last is +Inf, or
	// the only one for a summary); then, per size histogram, a sum and
	// len(sizeBounds)+1 counts; rounded up to whole 64-byte cache lines.
	words := 1 + len(kind.bounds) + 1
	if kind.reqSize {
		rc.reqOff = words
		words += 1 + len(kind.sizeBounds) + 1
	}
	if kind.respSize {
		rc.respOff = words
		words += 1 + len(kind.sizeBounds) + 1
	}
	if kind.bytes {
		rc.bytesOff = words
		words++
	}
	rc.stride = (words + 7) &^ 7
	if kind.nativeFactor > 0 {
		rc.native = newNativeLayout(kind)
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
	lvs      []string        // in the order of the duration's labels (see requestSchema)
	counts   []string        // the total's label values
	countKey uint64          // hash of counts
	words    []atomic.Uint64 // shards*stride words, laid out as described at stride
	native   []atomic.Uint64 // native buckets, unsharded; nil without them
	ex       []atomic.Pointer[exemplar]
	next     *series // another series whose label values hash alike
}

// lookup returns the series of the label values lvs, making it on first
// sight; counts are the label values of its request total, which lvs
// determine. Neither is retained.
func (rc *requestCollector) lookup(lvs, counts []string) *series {
	h := rc.hash(lvs)
	if v, ok := rc.index.Load(h); ok {
		for s := v.(*series); s != nil; s = s.next {
			if slices.Equal(s.lvs, lvs) {
				return s
			}
		}
	}
	return rc.add(h, lvs, counts)
}

func (rc *requestCollector) add(h uint64, lvs, counts []string) *series {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var head *series
	if v, ok := rc.index.Load(h); ok {
		head = v.(*series)
		for s := head; s != nil; s = s.next {
			if slices.Equal(s.lvs, lvs) {
				return s
			}
		}
	}
	s := &series{
		lvs:   make([]string, len(lvs)),
		words: make([]atomic.Uint64, rc.shards*rc.stride),
		next:  head,
	}
	for i, v := range lvs {
		s.lvs[i] = strings.Clone(v)
	}
	if rc.native != nil {
		s.native = make([]atomic.Uint64, rc.native.words)
	}
	if rc.kind.exemplars {
		s.ex = make([]atomic.Pointer[exemplar], len(rc.kind.bounds)+1)
	}
	s.counts = make([]string, len(counts))
	for i, v := range counts {
		s.counts[i] = strings.Clone(v)
	}
	s.countKey = rc.hash(s.counts)
	rc.index.Store(h, s)
	return s
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
	addr := uint64(uintptr(unsafe.Pointer(c)))
	slot := &rc.slots[(addr*0x9e3779b97f4a7c15)>>58]
	if entry := slot.Load(); entry>>8 == addr {
		return shardRef{int(entry & 0xff), slot, entry}
	}
	sh := int(rc.next.Add(1) % uint32(rc.shards))
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
	w := s.words[ref.sh*rc.stride : (ref.sh+1)*rc.stride]
	bounds := rc.kind.bounds
	i := len(bounds)
	for j, b := range bounds {
		if o.seconds <= b {
			i = j
			break
		}
	}
	w[1+i].Add(1)
	if rc.kind.reqSize {
		rc.observeSize(w[rc.reqOff:], o.reqSize)
	}
	if rc.kind.respSize {
		rc.observeSize(w[rc.respOff:], o.respSize)
	}
	if rc.kind.bytes {
		w[rc.bytesOff].Add(o.respSize)
	}
	if rc.native != nil {
		rc.native.observe(s.native, o)
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
			ref.slot.CompareAndSwap(ref.entry, ref.entry&^0xff|uint64((ref.sh+1)%rc.shards))
		}
	}
}

// observeSize adds n bytes to the size histogram whose words begin w: a
// sum, which is a whole number and needs no compare-and-swap, then counts.
func (rc *requestCollector) observeSize(w []atomic.Uint64, n uint64) {
	bounds := rc.kind.sizeBounds
	i := len(bounds)
	v := float64(n)
	for j, b := range bounds {
		if v <= b {
			i = j
			break
		}
	}
	w[1+i].Add(1)
	w[0].Add(n)
}

// Describe implements prometheus.Collector.
func (rc *requestCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- rc.descs.duration
	ch <- rc.descs.total
	if rc.descs.reqSize != nil {
		ch <- rc.descs.reqSize
	}
	if rc.descs.respSize != nil {
		ch <- rc.descs.respSize
	}
	if rc.descs.bytes != nil {
		ch <- rc.descs.bytes
	}
}

// Collect implements prometheus.Collector. A series' count is the sum of
// its bucket counts, read once each, so count and buckets always agree; the
// sum may miss the requests being recorded at that instant.
func (rc *requestCollector) Collect(ch chan<- prometheus.Metric) {
	type total struct {
		lvs   []string
		count uint64
		next  *total // another total whose label values hash alike
	}
	totals := map[uint64]*total{}
	var order []*total
	dur := make([]uint64, len(rc.kind.bounds)+1)
	size := make([]uint64, len(rc.kind.sizeBounds)+1)
	rc.index.Range(func(_, v any) bool {
		for s := v.(*series); s != nil; s = s.next {
			count, sum := rc.sumShards(s, 0, dur, true)
			ch <- rc.durationMetric(s, count, sum, dur)
			if rc.kind.reqSize {
				n, sum := rc.sumShards(s, rc.reqOff, size, false)
				ch <- rc.sizeMetric(rc.descs.reqSize, s, nativeReq, n, sum, size)
			}
			if rc.kind.respSize {
				n, sum := rc.sumShards(s, rc.respOff, size, false)
				ch <- rc.sizeMetric(rc.descs.respSize, s, nativeResp, n, sum, size)
			}

			if rc.kind.bytes {
				ch <- rc.bytesMetric(s)
			}

			countLVs := s.counts
			t := totals[s.countKey]
			for t != nil && !slices.Equal(t.lvs, countLVs) {
				t = t.next
			}
			if t == nil {
				t = &total{lvs: countLVs, next: totals[s.countKey]}
				totals[s.countKey] = t
				order = append(order, t)
			}
			t.count += count
		}
		return true
	})
	for _, t := range order {
		ch <- constMetric(rc.descs.total)(prometheus.NewConstMetric(rc.descs.total, prometheus.CounterValue, float64(t.count), t.lvs...))
	}
}

// sumShards adds up, over the shards of s, the histogram whose words begin
// at off, into cumulative bucket counts; it returns the count and the sum.
// The duration's sum is a float, the sizes' a whole number.
func (rc *requestCollector) sumShards(s *series, off int, cumulative []uint64, float bool) (uint64, float64) {
	clear(cumulative)
	var sum float64
	var whole uint64
	for sh := 0; sh < rc.shards; sh++ {
		w := s.words[sh*rc.stride+off : (sh+1)*rc.stride]
		if float {
			sum += math.Float64frombits(w[0].Load())
		} else {
			whole += w[0].Load()
		}
		for i := range cumulative {
			cumulative[i] += w[1+i].Load()
		}
	}
	for i := 1; i < len(cumulative); i++ {
		cumulative[i] += cumulative[i-1]
	}
	if !float {
		sum = float64(whole)
	}
	return cumulative[len(cumulative)-1], sum
}

// bytesMetric returns the response bytes counter of s.
func (rc *requestCollector) bytesMetric(s *series) prometheus.Metric {
	var n uint64
	for sh := 0; sh < rc.shards; sh++ {
		n += s.words[sh*rc.stride+rc.bytesOff].Load()
	}
	return constMetric(rc.descs.bytes)(prometheus.NewConstMetric(rc.descs.bytes, prometheus.CounterValue, float64(n), s.lvs...))
}

func (rc *requestCollector) durationMetric(s *series, count uint64, sum float64, cumulative []uint64) prometheus.Metric {
	desc := rc.descs.duration
	if rc.kind.summary {
		return constMetric(desc)(prometheus.NewConstSummary(desc, count, sum, nil, s.lvs...))
	}
	m := constMetric(desc)(prometheus.NewConstHistogram(desc, count, sum, bucketMap(rc.kind.bounds, cumulative), s.lvs...))
	if rc.native != nil {
		m = rc.native.attach(desc, m, s, nativeDuration)
	}
	if s.ex != nil {
		m = withExemplars(desc, m, s.ex)
	}
	return m
}

func (rc *requestCollector) sizeMetric(desc *prometheus.Desc, s *series, which int, count uint64, sum float64, cumulative []uint64) prometheus.Metric {
	m := constMetric(desc)(prometheus.NewConstHistogram(desc, count, sum, bucketMap(rc.kind.sizeBounds, cumulative), s.lvs...))
	if rc.native != nil {
		m = rc.native.attach(desc, m, s, which)
	}
	return m
}

func bucketMap(bounds []float64, cumulative []uint64) map[float64]uint64 {
	buckets := make(map[float64]uint64, len(bounds))
	for i, b := range bounds {
		buckets[b] = cumulative[i]
	}
	return buckets
}

// constMetric turns a failure to build a metric of desc, which the checks
// at setup rule out, into an error of the scrape rather than a panic.
func constMetric(desc *prometheus.Desc) func(prometheus.Metric, error) prometheus.Metric {
	return func(m prometheus.Metric, err error) prometheus.Metric {
		if err != nil {
			return prometheus.NewInvalidMetric(desc, fmt.Errorf("ginprom: %w", err))
		}
		return m
	}
}
