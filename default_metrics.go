package ginprom

import (
	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// defaultMetrics are the collectors of the default metrics.
type defaultMetrics struct {
	schema     *requestSchema
	messages   *messageSet // Big Brother's error messages, the collector's; nil under other schemas
	groupBy    GroupBy
	requests   *aggregate.Requests // duration, sizes and total
	exceptions *exceptions
	inflight   *aggregate.InFlight // nil without WithInFlight
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
	plans := &schema.plans
	bytes := plans[famResponseBytes].named()
	d := &defaultMetrics{
		schema:   schema,
		groupBy:  cfg.groupBy,
		labels:   m.labels,
		cached:   cfg.groupBy.perRoute() && m.labels.fixed(),
		reqSize:  sig.reqSize && plans[famRequestSize].named(),
		respSize: sig.respSize && plans[famResponseSize].named() || bytes,
		byGroup:  schema.byGroup,
	}
	if !cfg.summary {
		d.exemplars = sig.exemplars
	}
	if d.fixedLabels = m.labels.fixed(); d.fixedLabels {
		d.values = m.labels.values()
	}
	// The middleware keeps a series' label values as method, status,
	// default labels and group-by value, the counters' being a prefix of
	// them; the schema names and orders the labels each family is exposed
	// with (requestSchema.display). The exposition sorts labels by name
	// anyway.
	defaults := m.labels.names()
	kind := aggregate.RequestKind{
		Summary:       cfg.summary,
		ReqSize:       d.reqSize,
		RespSize:      sig.respSize && plans[famResponseSize].named(),
		TotalsByGroup: schema.byGroup,
		NativeFactor:  sig.nativeFactor,
		Exemplars:     d.exemplars != nil,
		Schema:        schema.key,
		IsError:       schema.isError,
		Bytes:         bytes,
	}
	if !cfg.summary {
		kind.Bounds = aggregate.UpperBounds(cfg.buckets)
	}
	if kind.ReqSize || kind.RespSize {
		kind.SizeBounds = aggregate.UpperBounds(sig.sizeBuckets)
	}
	if cfg.summary && !kind.ReqSize && !kind.RespSize {
		kind.NativeFactor = 0 // nothing to make native
	}
	durationLabels := schema.durationLabels(defaults)
	dur := &plans[famDuration]
	var descs aggregate.RequestDescs
	descs.Duration = prometheus.NewDesc(dur.name, dur.help, durationLabels, nil)
	// The families whose series names are claimed (see claimNames).
	durationType := typeHistogram
	if cfg.summary {
		durationType = typeSummary
	}
	families := []family{{dur.name, durationType}}
	if p := &plans[famRequests]; p.named() {
		descs.Total = prometheus.NewDesc(p.name, p.help, schema.countLabels(famRequests, defaults), nil)
		families = append(families, family{p.name, typeCounter})
	}
	if p := &plans[famRequestSize]; kind.ReqSize {
		descs.ReqSize = prometheus.NewDesc(p.name, p.help, durationLabels, nil)
		families = append(families, family{p.name, typeHistogram})
	}
	if p := &plans[famResponseSize]; kind.RespSize {
		descs.RespSize = prometheus.NewDesc(p.name, p.help, durationLabels, nil)
		families = append(families, family{p.name, typeHistogram})
	}
	if p := &plans[famResponseBytes]; bytes {
		descs.Bytes = prometheus.NewDesc(p.name, p.help, durationLabels, nil)
		families = append(families, family{p.name, typeCounter})
	}
	var static, staticValues []string
	var staticPos []int
	if p := &plans[famInFlight]; sig.inflight && p.named() {
		kind.InFlight, kind.InFlightSchemes = true, p.uses(srcScheme)
		for i, l := range m.labels {
			if l.fn == nil {
				static = append(static, l.name)
				staticValues = append(staticValues, l.value)
				staticPos = append(staticPos, 2+i)
			}
		}
		descs.InFlight = prometheus.NewDesc(p.name, p.help, p.names(static...), nil)
		families = append(families, family{p.name, typeGauge})
	}
	names := listNames(families)
	fix := defaultsFix(m.reg, schema.prefixed)
	budget := requestBudget(m.budget, schema, &descs, cfg, m.labels)
	d.requests = registerOr(m.reg, names, fix, aggregate.NewRequests(descs, kind, budget, staticPos, schema), families...)
	if !d.requests.Kind().Equal(kind) {
		panic(kindConflict(families, d.requests.Kind(), kind, fix))
	}
	d.schema = d.requests.Exposer().(*requestSchema)
	d.messages = d.schema.messages
	if kind.InFlight {
		d.inflight = d.requests.InFlightGroup(staticValues)
	}
	d.exceptions = newExceptions(m.reg, schema, defaults, fix)
	d.sessions = newSessionMetrics(m, schema)
	return d
}

// exceptions are the exceptions counter, whose values are given as the
// middleware keeps them (method, status, default labels, and the group-by
// value with byGroup) and exposed as the schema says.
type exceptions struct {
	vec    *prometheus.CounterVec // nil when the schema does not name it
	schema *requestSchema
}

func newExceptions(reg prometheus.Registerer, schema *requestSchema, defaults []string, fix setupFix) *exceptions {
	e := &exceptions{schema: schema}
	if p := &schema.plans[famExceptions]; p.named() {
		e.vec = registerOr(reg, p.name, fix, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: p.name, Help: p.help,
		}, schema.countLabels(famExceptions, defaults)))
	}
	return e
}

// WithLabelValues returns the counter of the internal values lvs, or one
// that no registry exposes when the schema has no exceptions.
func (e *exceptions) WithLabelValues(lvs ...string) prometheus.Counter {
	if e.vec == nil {
		return noExceptions
	}
	return e.vec.WithLabelValues(e.schema.exception(lvs)...)
}

// noExceptions counts the exceptions of a schema without them; no registry
// has it, and sharing it keeps a panic from allocating one.
var noExceptions = prometheus.NewCounter(prometheus.CounterOpts{Name: "unexposed"})
