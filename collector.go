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

// requestCollector stores the series of the default duration metric and
// exposes them, together with the request counter, which it derives: the
// count of <prefix>_http_request_total{method, status, ...} is the sum of the
// duration counts over the group-by label. A request thus costs one bucket
// increment and one addition to a sum, and nothing more.
//
// Every series is split into shards of whole cache lines, and a request
// writes to the shard of its gin.Context. Gin keeps a pool of contexts per
// processor, so requests running at the same time on different cores run on
// different contexts; those that collide on one shard move apart (see
// observe), and then do not fight over one cache line as they would over a
// client_golang histogram. The shards are summed at scrape time.
type requestCollector struct {
	duration *prometheus.Desc
	total    *prometheus.Desc
	bytes    *prometheus.Desc // counter of response body bytes; nil for none
	summary  bool
	bounds   []float64 // bucket upper bounds without +Inf; none for a summary
	stride   int       // words per shard: the sum, a count per bucket, the bytes (if any), padding
	shards   int

	seed  maphash.Seed
	index sync.Map   // hash of label values -> *series, chained on collision
	mu    sync.Mutex // serialises the creation of series

	// slots remember which shard a gin.Context writes to: an entry packs
	// the context's address (shifted left by 8) and the shard number.
	slots [64]atomic.Uint64
	next  atomic.Uint32 // hands out shards in turn
}

// maxShards bounds the shards of a series, and with them its memory: 8
// shards of the default histogram take 1 KiB.
const maxShards = 8

// newRequestCollector returns a collector of the duration metric desc and
// the derived request counter total. bytes, if not nil, is a counter of the
// response body bytes, with the duration's labels (Big Brother's
// response_size_bytes).
func newRequestCollector(duration, total, bytes *prometheus.Desc, summary bool, buckets []float64) *requestCollector {
	rc := &requestCollector{
		duration: duration,
		total:    total,
		bytes:    bytes,
		summary:  summary,
		shards:   min(runtime.GOMAXPROCS(0), maxShards),
		seed:     maphash.MakeSeed(),
	}
	if !summary {
		rc.bounds = upperBounds(buckets)
	}
	// The sum, then len(bounds)+1 counts (the last is +Inf, or the only
	// one for a summary), then the bytes, rounded up to whole 64-byte cache
	// lines.
	rc.stride = (rc.bytesWord() + 1 + 7) &^ 7
	return rc
}

// bytesWord is the index, in a shard, of the word that counts response
// bytes, when rc.bytes is set.
func (rc *requestCollector) bytesWord() int {
	n := 1 + len(rc.bounds) + 1
	if rc.bytes == nil {
		n--
	}
	return n
}

// sameKind reports whether rc stores what a Metrics configured with summary
// and buckets expects; a collector is reused only then.
func (rc *requestCollector) sameKind(summary bool, buckets []float64) bool {
	if rc.summary || summary {
		return rc.summary == summary
	}
	return slices.Equal(rc.bounds, upperBounds(buckets))
}

// upperBounds returns the buckets without a final +Inf, which every
// histogram has anyway.
func upperBounds(buckets []float64) []float64 {
	if n := len(buckets); n > 0 && math.IsInf(buckets[n-1], +1) {
		return buckets[:n-1]
	}
	return buckets
}

// series is one combination of label values of the duration metric.
type series struct {
	lvs      []string        // in the order of the duration's labels (see requestSchema)
	counts   []string        // the request counter's: method, status, default labels
	countKey uint64          // hash of counts
	words    []atomic.Uint64 // shards*stride words, laid out as described at stride
	next     *series         // another series whose label values hash alike
}

// lookup returns the series of the label values lvs, making it on first
// sight; counts are the label values of its request counter, which lvs
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
		lvs:    make([]string, len(lvs)),
		counts: make([]string, len(counts)),
		words:  make([]atomic.Uint64, rc.shards*rc.stride),
		next:   head,
	}
	for i, v := range lvs {
		s.lvs[i] = strings.Clone(v)
	}
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

// shard returns the shard that requests on c write to, and, when there is
// more than one, the slot that remembers it and the slot's entry.
func (rc *requestCollector) shard(c *gin.Context) (sh int, slot *atomic.Uint64, entry uint64) {
	if rc.shards == 1 {
		return 0, nil, 0
	}
	// The address only identifies the context; it is never turned back
	// into a pointer.
	addr := uint64(uintptr(unsafe.Pointer(c)))
	slot = &rc.slots[(addr*0x9e3779b97f4a7c15)>>58]
	if entry = slot.Load(); entry>>8 == addr {
		return int(entry & 0xff), slot, entry
	}
	sh = int(rc.next.Add(1) % uint32(rc.shards))
	entry = addr<<8 | uint64(sh)
	slot.Store(entry)
	return sh, slot, entry
}

// observe records one request on c of v seconds in s, whose response body
// was size bytes; the size is kept only if rc.bytes is set.
func (rc *requestCollector) observe(c *gin.Context, s *series, v float64, size int) {
	sh, slot, entry := rc.shard(c)
	w := s.words[sh*rc.stride : (sh+1)*rc.stride]
	i := len(rc.bounds)
	for j, b := range rc.bounds {
		if v <= b {
			i = j
			break
		}
	}
	w[1+i].Add(1)
	if rc.bytes != nil && size > 0 {
		w[rc.bytesWord()].Add(uint64(size))
	}
	for {
		old := w[0].Load()
		if w[0].CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
		// Another request wrote to this shard at the same instant: two
		// contexts running side by side share it, as happens when shards
		// were handed to contexts that are gone. Move this context to the
		// next shard for its later requests, so that they spread out.
		if slot != nil {
			slot.CompareAndSwap(entry, entry&^0xff|uint64((sh+1)%rc.shards))
		}
	}
}

// Describe implements prometheus.Collector.
func (rc *requestCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- rc.duration
	ch <- rc.total
	if rc.bytes != nil {
		ch <- rc.bytes
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
	cumulative := make([]uint64, len(rc.bounds)+1)
	rc.index.Range(func(_, v any) bool {
		for s := v.(*series); s != nil; s = s.next {
			clear(cumulative)
			var sum float64
			var bytes uint64
			for sh := 0; sh < rc.shards; sh++ {
				w := s.words[sh*rc.stride : (sh+1)*rc.stride]
				sum += math.Float64frombits(w[0].Load())
				for i := range cumulative {
					cumulative[i] += w[1+i].Load()
				}
				if rc.bytes != nil {
					bytes += w[rc.bytesWord()].Load()
				}
			}
			for i := 1; i < len(cumulative); i++ {
				cumulative[i] += cumulative[i-1]
			}
			count := cumulative[len(cumulative)-1]
			ch <- rc.durationMetric(s.lvs, count, sum, cumulative)
			if rc.bytes != nil {
				ch <- constMetric(rc.bytes)(prometheus.NewConstMetric(rc.bytes, prometheus.CounterValue, float64(bytes), s.lvs...))
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
		ch <- constMetric(rc.total)(prometheus.NewConstMetric(rc.total, prometheus.CounterValue, float64(t.count), t.lvs...))
	}
}

func (rc *requestCollector) durationMetric(lvs []string, count uint64, sum float64, cumulative []uint64) prometheus.Metric {
	if rc.summary {
		return constMetric(rc.duration)(prometheus.NewConstSummary(rc.duration, count, sum, nil, lvs...))
	}
	buckets := make(map[float64]uint64, len(rc.bounds))
	for i, b := range rc.bounds {
		buckets[b] = cumulative[i]
	}
	return constMetric(rc.duration)(prometheus.NewConstHistogram(rc.duration, count, sum, buckets, lvs...))
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
