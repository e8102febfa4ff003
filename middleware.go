package ginprom

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// defaultMetrics are the collectors of the default metrics.
type defaultMetrics struct {
	groupBy    GroupBy
	requests   *requestCollector // duration, sizes and total
	exceptions *prometheus.CounterVec
	inflight   *inflightCollector // nil without WithInFlight
	exemplars  func(*gin.Context) prometheus.Labels
	reqSize    bool
	respSize   bool
	// byGroup says that the exceptions carry the group-by label
	// (WithTotalsByGroup).
	byGroup bool
	// labels are those of WithDefaultLabels. When their values are fixed
	// and the group-by is fixed per route, every label value is known per
	// route, method and status, and the middleware caches the series
	// (cached).
	labels labelSet
	cached bool
	values []string // the labels' values, when cached
}

func newDefaultMetrics(m *Metrics, cfg *config) *defaultMetrics {
	sig := cfg.signals
	d := &defaultMetrics{
		groupBy:  cfg.groupBy,
		labels:   m.labels,
		cached:   cfg.groupBy.perRoute() && m.labels.fixed(),
		reqSize:  sig.reqSize,
		respSize: sig.respSize,
		byGroup:  sig.totalsByGroup,
	}
	if !cfg.summary {
		d.exemplars = sig.exemplars
	}
	if d.cached {
		d.values = m.labels.values()
	}
	// The counters' labels are a prefix of the duration's, which the
	// middleware relies on; the exposition sorts labels by name anyway.
	countLabels := append([]string{"method", "status"}, m.labels.names()...)
	durationLabels := append(countLabels[:len(countLabels):len(countLabels)], cfg.groupBy.label)
	if sig.totalsByGroup {
		countLabels = durationLabels
	}

	kind := collectorKind{
		summary:       cfg.summary,
		reqSize:       sig.reqSize,
		respSize:      sig.respSize,
		totalsByGroup: sig.totalsByGroup,
		nativeFactor:  sig.nativeFactor,
		exemplars:     d.exemplars != nil,
	}
	if !cfg.summary {
		kind.bounds = upperBounds(cfg.buckets)
	}
	if sig.reqSize || sig.respSize {
		kind.sizeBounds = upperBounds(sig.sizeBuckets)
	}
	if cfg.summary && !sig.reqSize && !sig.respSize {
		kind.nativeFactor = 0 // nothing to make native
	}
	durationName := prefixed(cfg.prefix, "http_request_duration_seconds")
	totalName := prefixed(cfg.prefix, "http_request_total")
	descs := collectorDescs{
		duration: prometheus.NewDesc(durationName, "Duration of HTTP requests served by Gin, in seconds.", durationLabels, nil),
		total:    prometheus.NewDesc(totalName, "Total number of HTTP requests served by Gin.", countLabels, nil),
	}
	names := durationName + " and " + totalName
	// The families whose series names are claimed (see claimNames).
	durationType := typeHistogram
	if cfg.summary {
		durationType = typeSummary
	}
	families := []family{{durationName, durationType}, {totalName, typeCounter}}
	if sig.reqSize {
		name := prefixed(cfg.prefix, "http_request_size_bytes")
		descs.reqSize = prometheus.NewDesc(name, "Size of HTTP request bodies served by Gin, in bytes.", durationLabels, nil)
		names += ", " + name
		families = append(families, family{name, typeHistogram})
	}
	if sig.respSize {
		name := prefixed(cfg.prefix, "http_response_size_bytes")
		descs.respSize = prometheus.NewDesc(name, "Size of HTTP response bodies sent by Gin, in bytes.", durationLabels, nil)
		names += ", " + name
		families = append(families, family{name, typeHistogram})
	}
	fix := defaultsFix(m.reg)
	d.requests = registerOr(m.reg, names, fix, newRequestCollector(descs, kind), families...)
	if !d.requests.kind.equal(kind) {
		panic(fmt.Sprintf("ginprom: metrics %s are already registered with another duration type, other buckets or other signals: %s", names, fix))
	}
	name := prefixed(cfg.prefix, "http_request_exceptions_total")
	d.exceptions = registerOr(m.reg, name, fix, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: name, Help: "Total number of HTTP requests whose handler panicked.",
	}, countLabels))
	if sig.inflight {
		name := prefixed(cfg.prefix, "http_requests_in_flight")
		var static []string
		var staticValues []string
		for _, l := range m.labels {
			if l.fn == nil {
				static = append(static, l.name)
				staticValues = append(staticValues, l.value)
			}
		}
		desc := prometheus.NewDesc(name, "Number of HTTP requests being served by Gin now.", append([]string{"method"}, static...), nil)
		d.inflight = registerOr(m.reg, name, fix, newInflightCollector(desc, staticValues), family{name, typeGauge})
	}
	return d
}

// epoch is the origin of the monotonic readings of now.
var epoch = time.Now()

// now reads the monotonic clock: one clock read, where time.Now makes two.
func now() time.Duration { return time.Since(epoch) }

// seconds converts d with one multiplication; time.Duration.Seconds splits
// it into whole seconds and nanoseconds first, which costs more on the
// request path than the difference in rounding is worth.
func seconds(d time.Duration) float64 { return float64(d) * 1e-9 }

// tracker is one default-metrics middleware: the collectors, and a cache of
// their children per route, method and status.
type tracker struct {
	m      *Metrics
	d      *defaultMetrics
	routes atomic.Pointer[map[string]*routeEntry] // replaced, never modified
	mu     sync.Mutex                             // serialises additions to routes
}

func (t *tracker) handle(c *gin.Context) {
	m, d := t.m, t.d
	// What identifies the route is read before the chain runs: a handler
	// may hand the context to engine.HandleContext, which resets it for
	// another route.
	pc := funcPC(c.Handler())
	if pc == m.metricsPC || m.excluded(c) {
		c.Next()
		return
	}
	he := t.route(c, c.FullPath(), methodIndex(c.Request.Method), pc)
	p := pending{ref: d.requests.shard(c)}
	if d.groupBy.kind == groupPath && he.matched {
		p.path = routedPath(c)
	}
	if d.reqSize {
		p.contentLength = c.Request.ContentLength
		p.body = countBody(c.Request)
	}
	if d.inflight != nil {
		d.inflight.add(p.ref.sh, he.method, 1)
	}
	p.start = now()
	returned := false
	defer func() {
		if !returned {
			// c.Next is unwinding from a panic. Record it and let it go
			// on: recovering here and panicking again would cut the
			// stack that gin.Recovery prints.
			if d.inflight != nil {
				d.inflight.add(p.ref.sh, he.method, -1)
			}
			t.record(c, he, &p, true)
		}
	}()
	c.Next()
	returned = true
	if d.inflight != nil {
		d.inflight.add(p.ref.sh, he.method, -1)
	}
	t.record(c, he, &p, false)
}

// pending is what the middleware knows of a request before its chain
// runs.
type pending struct {
	start         time.Duration
	ref           shardRef
	contentLength int64
	body          *countingBody // counts a body of unknown length
	path          string        // the path Gin routed, under GroupByPath
}

// maxInlineLabels bounds the label values the middleware gathers in an
// array on the stack; more spill to the heap.
const maxInlineLabels = 16

// finalStatus returns the status code the client got, as far as the
// middleware can tell: an informational 1xx code that a handler wrote
// (other than 101 Switching Protocols, which ends the exchange) is
// followed by the final response, which net/http sends as 200 since Gin
// writes no other code after it.
func finalStatus(code int) int {
	code = clampStatus(code)
	if code < 200 && code != http.StatusSwitchingProtocols {
		return http.StatusOK
	}
	return code
}

// record records one request of the route, method and handler of he.
// panicked says that the handler panicked; a panic of a label function is
// then dropped in favour of the handler's.
func (t *tracker) record(c *gin.Context, he *handlerEntry, p *pending, panicked bool) {
	o := observation{seconds: seconds(now() - p.start)}
	m, d := t.m, t.d
	if m.marks(c) != 0 {
		return
	}
	status := http.StatusInternalServerError
	if !panicked {
		status = finalStatus(c.Writer.Status())
	}
	if d.reqSize {
		o.reqSize = requestSize(p.contentLength, p.body)
	}
	if d.respSize {
		if panicked {
			o.respSize = uint64(max(c.Writer.Size(), 0))
		} else {
			o.respSize = responseSize(c, he.matched)
		}
	}
	method := he.method
	if d.cached {
		s := he.series(status)
		if s == nil {
			s = t.addSeries(he, status)
		}
		i := d.requests.observe(p.ref, s, &o)
		var rec any
		if d.exemplars != nil {
			rec = recordExemplar(d.exemplars, c, s, i, o.seconds)
		}
		if panicked {
			lvs := append([]string{methodNames[method], statusLabel(status)}, d.values...)
			if d.byGroup {
				lvs = append(lvs, he.label)
			}
			d.exceptions.WithLabelValues(lvs...).Inc()
		} else if rec != nil {
			panic(rec)
		}
		return
	}

	// Some label values vary per request: gather them on the stack in the
	// order of the duration's labels, whose prefix is the counters'.
	if panicked {
		defer showPanicStatus(c)()
	}
	var buf [maxInlineLabels]string
	lvs := buf[:0]
	if n := 3 + len(d.labels); n > len(buf) {
		lvs = make([]string, 0, n)
	}
	lvs, rec := appendValues(append(lvs, methodNames[method], statusLabel(status)), d.labels, c)
	group := he.label
	if he.matched {
		var r any
		switch d.groupBy.kind {
		case groupPath:
			// A 404 found no resource, whatever route took it (a
			// wildcard, r.Static): its path is the client's choice.
			if status != http.StatusNotFound {
				group = clientValue(p.path)
			}
		case groupFunc:
			group, r = callLabel(d.groupBy.fn, c)
		}
		if rec == nil {
			rec = r
		}
	}
	lvs = append(lvs, group)
	s := d.requests.lookup(lvs)
	i := d.requests.observe(p.ref, s, &o)
	if d.exemplars != nil {
		if r := recordExemplar(d.exemplars, c, s, i, o.seconds); rec == nil {
			rec = r
		}
	}
	if panicked {
		if !d.byGroup {
			lvs = lvs[:len(lvs)-1]
		}
		d.exceptions.WithLabelValues(lvs...).Inc()
	} else if rec != nil {
		panic(rec)
	}
}
