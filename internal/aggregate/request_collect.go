package aggregate

import (
	"math"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collecting the request series: the shards of each series are summed at
// scrape time, and the totals and the in-flight gauge derived from them.

// Describe implements prometheus.Collector.
func (rc *Requests) Describe(ch chan<- *prometheus.Desc) {
	ch <- rc.descs.Duration
	if rc.descs.Total != nil {
		ch <- rc.descs.Total
	}
	if rc.descs.ReqSize != nil {
		ch <- rc.descs.ReqSize
	}
	if rc.descs.RespSize != nil {
		ch <- rc.descs.RespSize
	}
	if rc.descs.InFlight != nil {
		ch <- rc.descs.InFlight
	}
	if rc.descs.Bytes != nil {
		ch <- rc.descs.Bytes
	}
}

// Collect implements prometheus.Collector. A series' count is the sum of
// its bucket counts, read once each, so count and buckets always agree; the
// sum may miss the requests being recorded at that instant, never count one
// the count does not. With native histograms, a series is read from its
// cold halves (hotcold.go), whose classic and native buckets hold exactly
// the same requests.
func (rc *Requests) Collect(ch chan<- prometheus.Metric) {
	if rc.hotCold {
		rc.collectMu.Lock()
		defer rc.collectMu.Unlock()
	}
	type total struct {
		lvs     []string
		count   uint64
		created time.Time // of its oldest series
		next    *total    // another total whose label values hash alike
	}
	totals := map[uint64]*total{}
	var order []*total
	finished := map[*InFlight]*[inflightKeys]uint64{}
	ns := len(rc.kind.SizeBounds) + 1
	var sh shown
	sh.init(len(rc.kind.Bounds)+1, ns)
	members := rc.members()
	group := []*RequestSeries{}
	rc.index.Range(func(_, v any) bool {
		for s := v.(*RequestSeries); s != nil; s = s.next {
			if s.alias != nil || s.shown != nil {
				continue // collected as, or with, the series it stands for
			}
			sh.reset()
			group = append(append(group[:0], s), members[s]...)
			for _, m := range group {
				count := rc.read(m, &sh)
				if x := m.extra; x != nil && x.group != nil {
					f := finished[x.group]
					if f == nil {
						f = new([inflightKeys]uint64)
						finished[x.group] = f
					}
					f[x.group.Key(x.method, x.variant)] += count
				}
				if rc.descs.Total == nil {
					continue
				}
				countLVs := rc.countOf(m)
				t := totals[m.countKey]
				for t != nil && !slices.Equal(t.lvs, countLVs) {
					t = t.next
				}
				if t == nil {
					t = &total{lvs: countLVs, created: m.created, next: totals[m.countKey]}
					totals[m.countKey] = t
					order = append(order, t)
				}
				t.count += count
				if m.created.Before(t.created) {
					t.created = m.created
				}
			}
			rc.emit(ch, s, &sh)
		}
		return true
	})
	for _, t := range order {
		ch <- ConstMetric(rc.descs.Total)(prometheus.NewConstMetricWithCreatedTimestamp(rc.descs.Total, prometheus.CounterValue, float64(t.count), t.created, t.lvs...))
	}
	if rc.kind.InFlight {
		rc.collectInflight(ch, finished)
	}
}

// shown is what one exposed series has recorded: the sum of the series
// that are exposed with its label values (see RequestSeries.shown).
type shown struct {
	count, reqN, respN          uint64
	sum, reqSum, respSum, bytes float64
	dur, req, resp              []uint64 // cumulative bucket counts
	native                      []uint64
	// scratch, for one series
	dur1, req1, resp1, native1 []uint64
}

func (sh *shown) init(nd, ns int) {
	sh.dur, sh.dur1 = make([]uint64, nd), make([]uint64, nd)
	sh.req, sh.resp, sh.req1, sh.resp1 = make([]uint64, ns), make([]uint64, ns), make([]uint64, ns), make([]uint64, ns)
}

func (sh *shown) reset() {
	sh.count, sh.reqN, sh.respN = 0, 0, 0
	sh.sum, sh.reqSum, sh.respSum, sh.bytes = 0, 0, 0, 0
	clear(sh.dur)
	clear(sh.req)
	clear(sh.resp)
	sh.native = sh.native[:0]
}

func addTo(to, from []uint64) {
	for i, n := range from {
		to[i] += n
	}
}

// members returns, for each series, the others exposed with its label
// values; nil when there are none.
func (rc *Requests) members() map[*RequestSeries][]*RequestSeries {
	if !rc.anyShown.Load() {
		return nil
	}
	out := map[*RequestSeries][]*RequestSeries{}
	rc.index.Range(func(_, v any) bool {
		for s := v.(*RequestSeries); s != nil; s = s.next {
			if s.alias == nil && s.shown != nil {
				out[s.shown] = append(out[s.shown], s)
			}
		}
		return true
	})
	return out
}

// read adds what s has recorded to sh, from a consistent half with native
// histograms, and returns the count of s.
func (rc *Requests) read(s *RequestSeries, sh *shown) uint64 {
	half := 0
	if rc.hotCold {
		half = rc.flip(s)
	}
	if rc.native != nil {
		sh.native1 = rc.native.read(s.extra.native, half, sh.native1)
		if len(sh.native) == 0 {
			sh.native = append(sh.native, sh.native1...)
		} else {
			addTo(sh.native, sh.native1)
		}
	}
	count, sum := rc.sumShards(s, half, 0, sh.dur1, true)
	sh.count += count
	sh.sum += sum
	addTo(sh.dur, sh.dur1)
	switch {
	case rc.joint:
		n, reqSum, respSum := rc.sumJoint(s, half, sh.req1, sh.resp1)
		sh.reqN += n
		sh.respN += n
		sh.reqSum += reqSum
		sh.respSum += respSum
		addTo(sh.req, sh.req1)
		addTo(sh.resp, sh.resp1)
	default:
		if rc.kind.ReqSize {
			n, sum := rc.sumShards(s, half, rc.reqOff, sh.req1, false)
			sh.reqN += n
			sh.reqSum += sum
			addTo(sh.req, sh.req1)
		}
		if rc.kind.RespSize {
			n, sum := rc.sumShards(s, half, rc.respOff, sh.resp1, false)
			sh.respN += n
			sh.respSum += sum
			addTo(sh.resp, sh.resp1)
		}
	}
	if rc.kind.Bytes {
		for i := 0; i < rc.shards.n; i++ {
			sh.bytes += float64(rc.shardWords(s, i, half)[rc.bytesOff].Load())
		}
	}
	if rc.hotCold {
		rc.fold(s, half)
	}
	return count
}

// emit sends the duration, sizes and response bytes of the exposed series
// s, which recorded sh.
func (rc *Requests) emit(ch chan<- prometheus.Metric, s *RequestSeries, sh *shown) {
	ch <- rc.durationMetric(s, sh.count, sh.sum, sh.dur, sh.native)
	if rc.kind.ReqSize {
		ch <- rc.sizeMetric(rc.descs.ReqSize, s, nativeReq, sh.reqN, sh.reqSum, sh.req, sh.native)
	}
	if rc.kind.RespSize {
		ch <- rc.sizeMetric(rc.descs.RespSize, s, nativeResp, sh.respN, sh.respSum, sh.resp, sh.native)
	}
	if rc.kind.Bytes {
		ch <- ConstMetric(rc.descs.Bytes)(prometheus.NewConstMetricWithCreatedTimestamp(rc.descs.Bytes, prometheus.CounterValue, sh.bytes, s.created, s.labels()...))
	}
}

// sumJoint adds up, over the shards of s, the joint size histogram into
// the cumulative counts of each size; it returns the count and both sums.
func (rc *Requests) sumJoint(s *RequestSeries, half int, req, resp []uint64) (count uint64, reqSum, respSum float64) {
	clear(req)
	clear(resp)
	ns := len(req)
	var rs, ps uint64
	for sh := 0; sh < rc.shards.n; sh++ {
		words := rc.shardWords(s, sh, half)
		w := words[rc.jointOff:]
		// The sums first: a request adds to them after its count, so
		// a sum never runs ahead of the count.
		rs += w[ns*ns].Load()
		ps += w[ns*ns+1].Load()
		var counted uint64
		for i := range ns {
			for j := range ns {
				n := w[i*ns+j].Load()
				req[i] += n
				resp[j] += n
				counted += n
			}
		}
		// The cell that requests do not count (observeJoint).
		var n uint64
		if rc.hotCold {
			// The half is quiescent, so its completed requests are
			// exactly those of every cell.
			n = rc.completed(words) - counted
		} else {
			for i := range len(rc.kind.Bounds) + 1 {
				n += words[rc.zeroOff+i].Load()
			}
		}
		req[rc.zeroCell/ns] += n
		resp[rc.zeroCell%ns] += n
	}
	for i := 1; i < ns; i++ {
		req[i] += req[i-1]
		resp[i] += resp[i-1]
	}
	return req[ns-1], float64(rs), float64(ps)
}

// sumShards adds up, over the shards of s, the histogram whose words begin
// at off, into cumulative bucket counts; it returns the count and the sum.
// The duration's sum is a float, the sizes' a whole number.
func (rc *Requests) sumShards(s *RequestSeries, half, off int, cumulative []uint64, float bool) (uint64, float64) {
	clear(cumulative)
	var sum float64
	var whole uint64
	for sh := 0; sh < rc.shards.n; sh++ {
		w := rc.shardWords(s, sh, half)[off:]
		if float {
			sum += math.Float64frombits(w[0].Load())
		} else {
			whole += w[0].Load()
		}
		for i := range cumulative {
			cumulative[i] += w[1+i].Load()
		}
		if off == 0 && rc.zeroOff != 0 {
			// The durations of the requests of two empty bodies.
			for i := range cumulative {
				cumulative[i] += w[rc.zeroOff+i].Load()
			}
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

func (rc *Requests) durationMetric(s *RequestSeries, count uint64, sum float64, cumulative, native []uint64) prometheus.Metric {
	desc := rc.descs.Duration
	if rc.kind.Summary {
		return ConstMetric(desc)(prometheus.NewConstSummaryWithCreatedTimestamp(desc, count, sum, nil, s.created, s.labels()...))
	}
	m := ConstMetric(desc)(prometheus.NewConstHistogramWithCreatedTimestamp(desc, count, sum, bucketMap(rc.kind.Bounds, cumulative), s.created, s.labels()...))
	if rc.native != nil {
		m = rc.native.attach(desc, m, native, count, s.labels(), nativeDuration)
	}
	if s.extra != nil && s.extra.ex != nil {
		m = withExemplars(desc, m, s.extra.ex)
	}
	return m
}

func (rc *Requests) sizeMetric(desc *prometheus.Desc, s *RequestSeries, which int, count uint64, sum float64, cumulative, native []uint64) prometheus.Metric {
	m := ConstMetric(desc)(prometheus.NewConstHistogramWithCreatedTimestamp(desc, count, sum, bucketMap(rc.kind.SizeBounds, cumulative), s.created, s.labels()...))
	if rc.native != nil {
		m = rc.native.attach(desc, m, native, count, s.labels(), which)
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
