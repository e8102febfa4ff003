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
	schema     *requestSchema
	groupBy    GroupBy
	requests   *requestCollector // duration, sizes and total
	exceptions *prometheus.CounterVec
	inflight   *inflightCollector // nil without WithInFlight
	exemplars  func(*gin.Context) prometheus.Labels
	reqSize    bool
	respSize   bool // the response size is recorded: WithResponseSize or Big Brother's bytes
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
	if d.cached {
		d.values = m.labels.values()
	}
	// The schema orders the duration's labels; the exposition sorts them
	// by name anyway. The counters' are method, status, the default labels
	// and, with WithTotalsByGroup, the group-by label, under every schema.
	countLabels := append([]string{"method", "status"}, m.labels.names()...)
	durationLabels := schema.labelNames(cfg.groupBy.label, m.labels.names())
	if sig.totalsByGroup {
		countLabels = append(countLabels, cfg.groupBy.label)
	}

	kind := collectorKind{
		summary:       cfg.summary,
		reqSize:       sig.reqSize,
		respSize:      sig.respSize,
		totalsByGroup: sig.totalsByGroup,
		nativeFactor:  sig.nativeFactor,
		exemplars:     d.exemplars != nil,
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
	names := durationName + " and " + totalName
	if sig.reqSize {
		name := schema.sizeName(cfg.prefix, "http_request_size_bytes")
		descs.reqSize = prometheus.NewDesc(name, "Size of HTTP request bodies served by Gin, in bytes.", durationLabels, nil)
		names += ", " + name
	}
	if sig.respSize {
		name := schema.sizeName(cfg.prefix, "http_response_size_bytes")
		descs.respSize = prometheus.NewDesc(name, "Size of HTTP response bodies sent by Gin, in bytes.", durationLabels, nil)
		names += ", " + name
	}
	if bytes {
		descs.bytes = prometheus.NewDesc(bbResponseBytes, "Bytes of HTTP response bodies sent by Gin (Big Brother protocol).", durationLabels, nil)
		names += ", " + bbResponseBytes
	}
	d.requests = register(m.reg, names, newRequestCollector(descs, kind))
	if !d.requests.kind.equal(kind) {
		panic(fmt.Sprintf("ginprom: metrics %s are already registered with another duration type, other buckets or other signals; build every Metrics on one registry with the same options, or give them different prefixes", names))
	}
	name := prefixed(cfg.prefix, "http_request_exceptions_total")
	d.exceptions = register(m.reg, name, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: name, Help: "Total number of HTTP requests whose handler panicked.",
	}, countLabels))
	if sig.inflight {
		name := prefixed(cfg.prefix, "http_requests_in_flight")
		labels, methods := []string{"method"}, &methodNames
		semconv := schema.kind == schemaSemconv
		if semconv {
			name, labels, methods = semconvActive, []string{"http_request_method", "url_scheme"}, &semconvMethods
		}
		var staticValues []string
		for _, l := range m.labels {
			if l.fn == nil {
				labels = append(labels, l.name)
				staticValues = append(staticValues, l.value)
			}
		}
		desc := prometheus.NewDesc(name, "Number of HTTP requests being served by Gin now.", labels, nil)
		d.inflight = register(m.reg, name, newInflightCollector(desc, staticValues, methods, semconv))
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
	// The schema's per-request variant: the url_scheme under WithSemconv,
	// read now; the error message under WithBigBrother, which handlers set
	// through the writer wrapped here.
	switch msgs := d.schema.messages; {
	case msgs != nil:
		p.mw = msgs.wrap(c)
	case d.schema.kind == schemaSemconv:
		p.variant = requestScheme(c)
	}
	inflight := 0
	if d.inflight != nil {
		inflight = d.inflight.key(he.method, p.variant)
		d.inflight.add(p.ref.sh, inflight, 1)
	}
	p.start = now()
	returned := false
	defer func() {
		if !returned {
			// c.Next is unwinding from a panic. Record it and let it go
			// on: recovering here and panicking again would cut the
			// stack that gin.Recovery prints.
			if d.inflight != nil {
				d.inflight.add(p.ref.sh, inflight, -1)
			}
			t.record(c, he, &p, true)
		}
		if p.mw != nil {
			p.mw.set.unwrap(c, p.mw)
		}
	}()
	c.Next()
	returned = true
	if d.inflight != nil {
		d.inflight.add(p.ref.sh, inflight, -1)
	}
	t.record(c, he, &p, false)
}

// pending is what the middleware knows of a request before its chain
// runs.
type pending struct {
	start         time.Duration
	ref           shardRef
	contentLength int64
	body          *countingBody  // counts a body of unknown length
	path          string         // the path Gin routed, under GroupByPath
	variant       uint32         // the schema's variant (see seriesEntry)
	mw            *messageWriter // c.Writer under WithBigBrother
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
	variant := p.variant
	if p.mw != nil {
		variant = p.mw.id
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
		s := he.series(status, variant)
		if s == nil {
			s = t.addSeries(he, status, variant)
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
	var buf, cbuf, dbuf [maxInlineLabels]string
	lvs, counts, defaults := buf[:0], cbuf[:0], dbuf[:0]
	if n := maxSchemaLabels + 1 + len(d.labels); n > len(buf) {
		lvs, counts, defaults = make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	}
	defaults, rec := appendValues(defaults, d.labels, c)
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
	lvs = d.schema.appendSeries(lvs, method, status, group, he.matched, variant, defaults)
	counts = appendCounts(counts, method, status, defaults)
	if d.byGroup {
		counts = append(counts, group)
	}
	s := d.requests.lookup(lvs, counts)
	i := d.requests.observe(p.ref, s, &o)
	if d.exemplars != nil {
		if r := recordExemplar(d.exemplars, c, s, i, o.seconds); rec == nil {
			rec = r
		}
	}
	if panicked {
		d.exceptions.WithLabelValues(counts...).Inc()
	} else if rec != nil {
		panic(rec)
	}
}
