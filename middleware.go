package ginprom

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// defaultMetrics are the collectors of the default metrics.
type defaultMetrics struct {
	schema     *requestSchema
	messages   *messageSet // Big Brother's error messages, the collector's; nil under other schemas
	groupBy    GroupBy
	requests   *requestCollector // duration, sizes and total
	exceptions *prometheus.CounterVec
	inflight   *inflightGroup // nil without WithInFlight
	sessions   *sessionMetrics
	exemplars  func(*gin.Context) prometheus.Labels
	reqSize    bool
	respSize   bool // the response size is taken: WithResponseSize, or Big Brother's bytes
	// byGroup says that the exceptions carry the group-by label
	// (WithTotalsByGroup).
	byGroup bool
	// labels are those of WithDefaultLabels. When their values are fixed
	// and the group-by is fixed per route, every label value is known per
	// route, method and status, and the middleware caches the series
	// (cached).
	labels      labelSet
	cached      bool
	fixedLabels bool     // the labels' values are fixed
	values      []string // the labels' values, when fixed
}

func newDefaultMetrics(m *Metrics, cfg *config, schema *requestSchema) *defaultMetrics {
	sig := cfg.signals
	bytes := schema.kind == schemaBigBrother
	d := &defaultMetrics{
		schema:   schema,
		groupBy:  cfg.groupBy,
		labels:   m.labels,
		cached:   cfg.groupBy.perRoute() && m.labels.fixed(),
		reqSize:  sig.reqSize,
		respSize: sig.respSize || bytes,
		byGroup:  sig.totalsByGroup,
	}
	if !cfg.summary {
		d.exemplars = sig.exemplars
	}
	if d.fixedLabels = m.labels.fixed(); d.fixedLabels {
		d.values = m.labels.values()
	}
	// The middleware keeps a series' label values in the order of the
	// default duration's labels, the counters' being a prefix of them; the
	// schema names and orders the labels the duration is exposed with
	// (requestSchema.display). The exposition sorts labels by name anyway.
	countLabels := append([]string{"method", "status"}, m.labels.names()...)
	durationLabels := schema.labelNames(cfg.groupBy.label, m.labels.names())
	if sig.totalsByGroup {
		countLabels = slices.Concat(countLabels, []string{cfg.groupBy.label})
	}

	kind := collectorKind{
		summary:       cfg.summary,
		reqSize:       sig.reqSize,
		respSize:      sig.respSize,
		totalsByGroup: sig.totalsByGroup,
		nativeFactor:  sig.nativeFactor,
		exemplars:     d.exemplars != nil,
		schema:        schema.kind,
		isError:       schema.isError,
		bytes:         bytes,
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
	durationName := schema.durationName(cfg.prefix)
	totalName := prefixed(cfg.prefix, "http_request_total")
	descs := collectorDescs{
		duration: prometheus.NewDesc(durationName, schema.durationHelp(), durationLabels, nil),
		total:    prometheus.NewDesc(totalName, "Total number of HTTP requests served by Gin.", countLabels, nil),
	}
	// The families whose series names are claimed (see claimNames).
	durationType := typeHistogram
	if cfg.summary {
		durationType = typeSummary
	}
	families := []family{{durationName, durationType}, {totalName, typeCounter}}
	if sig.reqSize {
		name := schema.sizeName(cfg.prefix, "http_request_size_bytes")
		descs.reqSize = prometheus.NewDesc(name, "Size of HTTP request bodies served by Gin, in bytes.", durationLabels, nil)
		families = append(families, family{name, typeHistogram})
	}
	if sig.respSize {
		name := schema.sizeName(cfg.prefix, "http_response_size_bytes")
		descs.respSize = prometheus.NewDesc(name, "Size of HTTP response bodies sent by Gin, in bytes.", durationLabels, nil)
		families = append(families, family{name, typeHistogram})
	}
	if bytes {
		descs.bytes = prometheus.NewDesc(bbResponseBytes, "Bytes of HTTP response bodies sent by Gin (Big Brother protocol).", durationLabels, nil)
		families = append(families, family{bbResponseBytes, typeCounter})
	}
	var static, staticValues []string
	var staticPos []int
	if sig.inflight {
		kind.inflight = true
		name := prefixed(cfg.prefix, "http_requests_in_flight")
		inflightLabels := []string{"method"}
		if schema.kind == schemaSemconv {
			name, inflightLabels = semconvActive, []string{"http_request_method", "url_scheme"}
		}
		for i, l := range m.labels {
			if l.fn == nil {
				static = append(static, l.name)
				staticValues = append(staticValues, l.value)
				staticPos = append(staticPos, 2+i)
			}
		}
		descs.inflight = prometheus.NewDesc(name, "Number of HTTP requests being served by Gin now.", append(inflightLabels, static...), nil)
		families = append(families, family{name, typeGauge})
	}
	names := listNames(families)
	fix := defaultsFix(m.reg, schema.kind)
	d.requests = registerOr(m.reg, names, fix, newRequestCollector(descs, kind, staticPos, schema), families...)
	if !d.requests.kind.equal(kind) {
		panic(fmt.Sprintf("ginprom: metrics %s are already registered, and differ in %s; %s", names, kindDiff(d.requests.kind, kind), fix))
	}
	d.messages = d.requests.schema.messages
	if sig.inflight {
		d.inflight = d.requests.inflightGroup(staticValues)
	}
	name := prefixed(cfg.prefix, "http_request_exceptions_total")
	d.exceptions = registerOr(m.reg, name, fix, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: name, Help: "Total number of HTTP requests whose handler panicked.",
	}, countLabels))
	d.sessions = newSessionMetrics(m, cfg.prefix)
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
	// recent holds the entries last found, direct-mapped by the address
	// of the route's full path, its last handler and method: Gin hands
	// every request of a route the same full-path string, so a hit costs
	// no hashing of the path.
	recent [64]atomic.Pointer[handlerEntry]
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
	id := dispatchID{c.FullPath(), pc}
	he := t.route(c, id.path, methodIndex(c.Request.Method), pc)
	if he.shared {
		// Another default middleware may stand in this chain (one on
		// the engine, one on a group): the first of m's records the
		// dispatch, the others leave it alone.
		if m.marks(c, id)&(markCounted|markSkipped) != 0 {
			c.Next()
			return
		}
		m.mark(c, id, markCounted)
	}
	if m.skipper != nil && m.skipper(c) {
		// Marked, so that m's decorators leave it out too without
		// asking again.
		m.mark(c, id, markSkipped)
		c.Next()
		return
	}
	p := pending{id: id, ref: d.requests.shard(c)}
	if d.groupBy.kind == groupPath && he.matched {
		// The path Gin routed is the URL path, but for spellings
		// (RemoveExtraSlash, UseRawPath); the index holds only routed
		// paths, so a hit needs no work to find it.
		p.raw = c.Request.URL.Path
		if he.groups != nil {
			p.group = he.groups.lookup(p.raw)
		}
		if p.group == nil {
			p.path = routedPath(c)
		}
	}
	if d.reqSize {
		p.contentLength = c.Request.ContentLength
		p.body = countBody(c.Request)
	}
	if d.respSize {
		p.written = countResponse(c)
	}
	// The schema's per-request variant: the url_scheme under WithSemconv,
	// read now; the error message under WithBigBrother, which handlers set
	// through the writer wrapped here (see SetErrorMessage).
	switch {
	case d.messages != nil:
		p.mw = d.messages.wrap(c)
	case d.schema.kind == schemaSemconv:
		p.variant = requestScheme(c)
	}
	if d.inflight != nil {
		p.inflight = d.inflight.key(he.method, p.variant)
		d.inflight.start(p.ref.sh, p.inflight)
	}
	p.start = now()
	// A request that may become a session (see session.go) is watched;
	// any other is checked for an event stream once it returns.
	var sw *sessionWriter
	if ws := he.method == methodGet && websocketRequest(c.Request); ws || he.streams.Load() || announcesStream(c.Request) {
		sw = t.watchSession(c, he, &p, ws)
	}
	returned := false
	defer func() {
		if !returned {
			// c.Next is unwinding from a panic, or from runtime.Goexit.
			// Record it and let it go on: recovering here and panicking
			// again would cut the stack that gin.Recovery prints. A
			// label function's panic, raised again by ginprom after the
			// handler answered, is not the handler's.
			if sw != nil && sw.end(true) || t.lateSession(c, he, &p, sw != nil && sw.websocket, true) {
				return
			}
			t.record(c, he, &p, !goexiting() && !labelPanicking(c))
		}
		if p.mw != nil {
			d.messages.unwrap(c, p.mw)
		}
		p.written.remove(c)
	}()
	c.Next()
	returned = true
	if sw != nil && sw.end(false) || t.lateSession(c, he, &p, sw != nil && sw.websocket, false) {
		return
	}
	t.record(c, he, &p, false)
}

// pending is what the middleware knows of a request before its chain
// runs.
type pending struct {
	id            dispatchID
	start         time.Duration
	ref           shardRef
	contentLength int64
	body          *countingBody // counts a body of unknown length
	written       *bodyCounter  // counts the body behind another's writer
	// Under GroupByPath: the URL path, and its entry in the route's index
	// or else the path Gin routed.
	raw   string
	group *groupEntry
	path  string
	// The schema's variant (see seriesEntry), the writer that carries
	// Big Brother's error message, and the in-flight gauge's key.
	variant  uint32
	mw       *messageWriter
	inflight int
	// observed says that the request is in its series: a runtime.Goexit
	// after that point (in the exemplar function) must not record it
	// again.
	observed bool
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
	if p.mw != nil {
		p.variant = p.mw.id
	}
	if m.marksUsed.Load() && m.marks(c, p.id)&(markNoDefaults|markNoMetrics) != 0 {
		if d.inflight != nil {
			d.inflight.abandon(p.ref.sh, p.inflight)
		}
		return
	}
	status := http.StatusInternalServerError
	if !panicked {
		status = clientStatus(c)
	}
	if d.reqSize {
		o.reqSize = requestSize(p.contentLength, p.body)
	}
	if d.respSize {
		if panicked {
			o.respSize = panicResponseSize(c, p.written)
		} else {
			o.respSize = responseSize(c, he.method, he.matched, p.written)
		}
	}
	if !d.cached {
		if he.groups != nil {
			switch {
			case d.groupBy.kind == groupPath && status != http.StatusNotFound:
				// No label function runs: the series is at hand.
				t.recordPath(c, he, p, status, panicked, &o)
				return
			case d.groupBy.kind == groupFunc && !panicked:
				t.recordFunc(c, he, p, status, &o)
				return
			}
		}
		t.recordVarying(c, he, p, status, panicked, &o)
		return
	}
	s := he.series(status, p.variant)
	if s == nil {
		s = t.addSeries(he, status, p.variant)
	}
	i := d.requests.observe(p.ref, s, &o)
	var rec any
	if d.exemplars != nil {
		rec = recordExemplar(d.exemplars, c, s, i, o.seconds)
	}
	if panicked {
		if t.firstException(c) {
			lvs := append([]string{methodNames[he.method], statusLabel(status)}, d.values...)
			if d.byGroup {
				lvs = append(lvs, he.label)
			}
			d.exceptions.WithLabelValues(lvs...).Inc()
		}
	} else if rec != nil {
		raiseLabelPanic(c, rec)
	}
}

// firstException reports whether the panic unwinding through c has not
// been counted by an inner dispatch (engine.HandleContext), and notes that
// it now is.
func (t *tracker) firstException(c *gin.Context) bool {
	rm := t.m.requestMarks(c)
	if rm != nil && rm.exception {
		return false
	}
	if rm == nil {
		rm = t.m.marksOrAdd(c)
	}
	rm.exception = true
	return true
}
