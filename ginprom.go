package ginprom

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Version is the version of ginprom. The default metrics expose it as the
// version label of <prefix>_exporter_info.
const Version = "0.1.0"

// Metrics is one set of metrics: the default request metrics, the decorator
// and info metrics made from it, and the route that serves them. Make it with
// [New]; it is safe for concurrent use. One Metrics may instrument several
// engines, which then share its collectors.
type Metrics struct {
	reg        Registry
	path       string
	metricsMW  []gin.HandlerFunc
	exclude    pathMatcher
	skipper    func(*gin.Context) bool // from WithSkipper; nil for none
	labels     labelSet                // from WithDefaultLabels
	defaults   *defaultMetrics
	exposition http.Handler

	// deps are the metrics and watchers of WatchDependency and
	// InstrumentClient; nil when New makes no metrics, and then they do
	// nothing.
	deps *dependencies

	// key is this instance's key in gin.Context.Keys, where DoNotTrack and
	// ExcludeAllMetrics leave their marks. marksUsed turns true when the
	// first such handler is made; until then no request looks for marks.
	key       string
	marksUsed atomic.Bool

	// metricsPC is the code address of the handler that serves the
	// metrics, the last handler of every metrics route. Requests whose
	// route ends in it are left alone, whatever the route's path.
	metricsPC uintptr

	mu                sync.Mutex // guards engines and defaultDecorators
	engines           []*gin.Engine
	defaultDecorators []gin.HandlerFunc
}

// New makes a Metrics and registers its collectors in the registry (see
// [WithRegistry]). With a non-nil engine, it then calls
// [Metrics.Instrument](engine): New(engine, opts...) is New(nil, opts...)
// followed by m.Instrument(engine). Call it before registering routes: Gin
// copies middleware into a route when the route is registered, so routes
// registered earlier are not measured.
//
// New panics, with a message that says what to fix, on a nil option, an
// invalid option value (a path, a prefix, buckets, a label, a regular
// expression) or a metric already registered in the registry with the same
// name but another type, other labels or another help text. A metric already
// registered with the same definition, as when an app is built twice on one
// registry in tests, is reused.
func New(engine *gin.Engine, opts ...Option) *Metrics {
	cfg := newConfig(opts)
	cfg.check()
	m := &Metrics{
		reg:       cfg.registry,
		path:      cfg.path,
		metricsMW: cfg.metricsMiddleware,
		exclude:   compileExcluded(cfg.excluded),
		skipper:   cfg.skipper,
	}
	m.key = fmt.Sprintf("github.com/gin-contrib/ginprom/%p", m)
	m.metricsPC = funcPC(m.serveMetrics)
	schema := newRequestSchema(cfg)
	m.labels = parseLabels("WithDefaultLabels", cfg.defaultLabels, schema.reserved(cfg.groupBy.label)...)
	registerSchemaInfo(m.reg, cfg)
	m.deps = newDependencies(m.reg, cfg, schema)
	if !cfg.noDefaults {
		m.defaults = newDefaultMetrics(m, cfg, schema)
		info := register(m.reg, prefixed(cfg.prefix, "exporter_info"), prometheus.NewGauge(prometheus.GaugeOpts{
			Name:        prefixed(cfg.prefix, "exporter_info"),
			Help:        "Information about the ginprom exporter; always 1.",
			ConstLabels: prometheus.Labels{"version": Version},
		}))
		info.Set(1)
	}
	m.exposition = newExposition(m.reg, promhttp.HandlerOpts{
		ErrorLog:          log.New(gin.DefaultErrorWriter, "ginprom: ", log.LstdFlags),
		EnableOpenMetrics: true,
	}, cfg.schema == schemaBigBrother && !cfg.noDefaults)
	if engine != nil {
		m.Instrument(engine)
	}
	return m
}

// Instrument attaches m to engine, as Flask's init_app does: it adds the
// metrics route (see [WithPath]) with its middleware (see
// [WithMetricsMiddleware]), then the default-metrics middleware (unless
// [WithoutDefaults]), then the decorators given to [Metrics.RegisterDefault]
// so far. Routes registered on engine before Instrument are not measured,
// because Gin copies middleware into a route when the route is registered; in
// Gin's debug mode Instrument prints a warning when it finds such routes.
//
// Instrument panics if engine is nil or m already instruments it, and Gin
// panics if engine already has a route at the metrics path.
func (m *Metrics) Instrument(engine *gin.Engine) {
	if engine == nil {
		panic("ginprom: Instrument(nil): pass the *gin.Engine to instrument")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.engines {
		if e == engine {
			panic("ginprom: Instrument: this engine is already instrumented by this Metrics; instrument it once, or pass it to New or to Instrument, not both")
		}
	}
	if n := len(engine.Routes()); n > 0 && gin.IsDebugging() {
		fmt.Fprintf(gin.DefaultWriter, "[GIN-debug] [WARNING] ginprom: %d route(s) were registered before Instrument and are not measured; "+
			"create the Metrics (or call Instrument) before registering routes.\n", n)
	}
	if m.path != "" {
		m.RegisterEndpoint(m.path, engine)
	}
	if m.defaults != nil {
		engine.Use(m.Middleware())
	}
	if len(m.defaultDecorators) > 0 {
		engine.Use(m.defaultDecorators...)
	}
	m.engines = append(m.engines, engine)
}

// Middleware returns the default-metrics middleware alone, for placing by
// hand: on a group, on single routes, or on an engine that [Metrics.Instrument]
// does not manage. Each call returns a new middleware with its own route
// cache; the metrics are shared. With [WithoutDefaults] it only calls
// c.Next.
//
// The middleware measures the time spent in c.Next, and records the method
// (clamped to the standard methods or OTHER), the group-by label and the
// status the client got. A panic below it is recorded as status 500 and
// counted in the exceptions metric, and goes on unchanged to whatever
// recovers it, such as gin.Recovery placed before it. A gin.Recovery placed
// after it turns the panic into an ordinary 500 response before the
// middleware sees it; that request counts as a 500, not as an exception, and
// in Gin's debug mode the middleware warns of such a route. A
// request a handler passes on with engine.HandleContext is recorded once per
// dispatch, each under its own route.
func (m *Metrics) Middleware() gin.HandlerFunc {
	if m.defaults == nil {
		return func(c *gin.Context) { c.Next() }
	}
	t := &tracker{m: m, d: m.defaults}
	t.routes.Store(&map[string]*routeEntry{})
	return t.handle
}

func prefixed(prefix, name string) string {
	if prefix == NoPrefix {
		return name
	}
	return prefix + "_" + name
}

// register registers c in reg, or returns the identical collector already
// there. It panics, naming the metric, when the registry holds a conflicting
// one.
func register[C prometheus.Collector](reg prometheus.Registerer, name string, c C) C {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		existing, ok := are.ExistingCollector.(C)
		if !ok {
			panic(fmt.Sprintf("ginprom: metric %q is already registered by a %T, another kind of metric or one ginprom did not make; choose another name", name, are.ExistingCollector))
		}
		// The registry compares label names as a set; the values ginprom
		// passes follow the order of its own descriptors.
		if !slices.Equal(describe(existing), describe(c)) {
			panic(fmt.Sprintf("ginprom: metric %q is already registered with its labels in another order; choose another name", name))
		}
		return existing
	}
	panic(fmt.Sprintf("ginprom: cannot register metric %q: %v; another metric of that name, with other labels or another help text, is registered: choose another name or make the definitions identical", name, err))
}

// describe returns the descriptions of what c describes, in order.
func describe(c prometheus.Collector) []string {
	ch := make(chan *prometheus.Desc)
	go func() {
		c.Describe(ch)
		close(ch)
	}()
	var descs []string
	for d := range ch {
		descs = append(descs, d.String())
	}
	return descs
}

// Request marks, kept in gin.Context.Keys under Metrics.key.
const (
	markNoDefaults = 1 << iota // DoNotTrack
	markNoMetrics              // ExcludeAllMetrics
)

// marks returns the marks DoNotTrack and ExcludeAllMetrics left on the
// request, looking only if such a handler exists.
func (m *Metrics) marks(c *gin.Context) int {
	if !m.marksUsed.Load() {
		return 0
	}
	v, _ := c.Get(m.key)
	f, _ := v.(int)
	return f
}

func (m *Metrics) mark(c *gin.Context, f int) {
	c.Set(m.key, m.marks(c)|f)
}

// funcPC returns the code address of h. Closures made by one function
// literal, and method values of one method, share it.
func funcPC(h gin.HandlerFunc) uintptr {
	return reflect.ValueOf(h).Pointer()
}

// isMetricsRoute reports whether the request's route is one that serves
// the metrics of any Metrics: its last handler is serveMetrics.
func (m *Metrics) isMetricsRoute(c *gin.Context) bool {
	return funcPC(c.Handler()) == m.metricsPC
}

// excluded reports whether WithExcludedPaths or WithSkipper leaves the
// request out. The expressions match the path Gin routed (see routedPath).
func (m *Metrics) excluded(c *gin.Context) bool {
	return m.exclude.active() && m.exclude.match(routedPath(c)) ||
		m.skipper != nil && m.skipper(c)
}
