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
	messages   *messageMetrics // nil when disabled
	exposition http.Handler
	pushCfg    pushConfig // for Push and StartPushing
	budget     *budget    // the series budget of each family

	// deps are the metrics and watchers of WatchDependency and
	// InstrumentClient; nil when New makes no metrics, and then they do
	// nothing.
	deps *dependencies

	// marking holds three flags, read in one load on every request, that
	// say which marks requests may carry (see marks.go): until one is on,
	// no request looks for marks. defaultMarksMade turns on when the
	// first DoNotTrack handler is made or a default middleware marks a
	// request it counts; allMarksMade when the first ExcludeAllMetrics
	// handler is made; skipsMade when a request that WithSkipper leaves
	// out is first marked. The default middleware heeds the first two,
	// the decorators the last two.
	marking atomic.Uint32

	// metricsPC is the code address of the handler that serves the
	// metrics, the last handler of every metrics route. Requests whose
	// route ends in it are left alone, whatever the route's path.
	metricsPC uintptr

	// off is set by WithEnabled(false): nothing is registered, attached
	// or served.
	off bool
	// offWatches are the names a disabled m is watching: no check runs,
	// but a name watched twice panics as it does when on.
	offWatches offWatches

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
// expression), a metric already registered in the registry with the same
// name but another type, other labels or another help text, or a default
// metric named like a series of another family in the registry, or exposing
// a series named like one (gin_http_request_duration_seconds_count beside a
// gauge of that name; see [Metrics.Counter]). A metric already registered
// with the same definition, as when an app is built twice on one registry in
// tests, is reused.
func New(engine *gin.Engine, opts ...Option) *Metrics {
	cfg := newConfig(opts)
	cfg.check()
	m := &Metrics{
		reg:       cfg.registry,
		path:      cfg.path,
		metricsMW: cfg.metricsMiddleware,
		exclude:   compileExcluded(cfg.excluded),
		skipper:   cfg.skipper,
		pushCfg:   cfg.push,
	}
	m.metricsPC = funcPC(m.serveMetrics)
	if _, ok := cfg.defaultLabels[cfg.groupBy.label]; ok {
		panic(fmt.Sprintf("ginprom: WithDefaultLabels: label %q is also the label of %s, which the default metrics carry; rename one of them", cfg.groupBy.label, cfg.groupBy.name()))
	}
	schema := newRequestSchema(cfg)
	m.labels = parseLabels("WithDefaultLabels", cfg.defaultLabels, schema.reserved(cfg.groupBy.label)...)
	m.budget = newBudget(m.reg, cfg)
	if cfg.disabled {
		m.off = true
		if engine != nil {
			m.Instrument(engine)
		}
		return m
	}
	m.deps = newDependencies(m.reg, m.budget, schema, cfg.buckets)
	if !cfg.noDefaults {
		m.defaults = newDefaultMetrics(m, cfg, schema)
	}
	if !cfg.noDefaults || schema.appInfo {
		registerSchemaInfo(m.reg, schema, defaultsFix(m.reg, schema.prefixed))
	}
	m.messages = newMessageMetrics(m, schema)
	m.exposition = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:          log.New(gin.DefaultErrorWriter, "ginprom: ", log.LstdFlags),
		EnableOpenMetrics: true,
	})
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
// Instrument panics if engine is nil or m already instruments it; if m has
// default metrics and engine already has a ginprom default middleware (from
// another New or Instrument), which would count every request twice; and if
// engine already has a GET route at the metrics path. Each message says
// what to do instead. With WithEnabled(false) it adds nothing (see
// [WithEnabled]).
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
	if m.disabled() {
		// Remembered all the same, so that instrumenting it twice
		// panics when off as it does when on.
		m.engines = append(m.engines, engine)
		return
	}
	if n := len(engine.Routes()); n > 0 && gin.IsDebugging() {
		_, _ = fmt.Fprintf(gin.DefaultWriter, "[GIN-debug] [WARNING] ginprom: %d route(s) were registered before Instrument and are not measured; "+
			"create the Metrics (or call Instrument) before registering routes.\n", n)
	}
	if m.defaults != nil {
		for _, h := range engine.Handlers {
			if funcPC(h) == middlewarePC {
				panic("ginprom: Instrument: the engine already has a ginprom default-metrics middleware, from another New or Instrument, and would count every request twice; " +
					"make one Metrics per engine and share it (New(nil, ...), then m.Instrument(engine)), or pass WithoutDefaults to the second")
			}
		}
	}
	if m.path != "" {
		for _, r := range engine.Routes() {
			if r.Method == http.MethodGet && r.Path == m.path {
				panic(fmt.Sprintf("ginprom: Instrument: the engine already has a route GET %s, maybe from another New or Instrument; "+
					"pass WithPath to serve these metrics at another path, or WithPath(\"\") to add no route", m.path))
			}
		}
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
// cache; the metrics are shared. With [WithoutDefaults] or
// WithEnabled(false) it only calls c.Next.
//
// The middleware measures the time spent in c.Next, and records the method
// (clamped to the standard methods or OTHER), the group-by label and the
// status the client got: the status the handlers wrote, except that a panic
// is recorded as 500, what gin.Recovery answers (a recovery of your own may
// answer otherwise; with none, the client gets no response), an
// informational 1xx status other than 101 as the 200 that net/http sends
// after it, a request whose client hung up before the handler returned as
// 499 ([StatusClientClosedRequest]), and, under http.TimeoutHandler, a
// request answered after the deadline as the timeout handler's 503. A
// panic below the middleware is counted in the exceptions metric, and goes
// on unchanged to whatever recovers it, such as gin.Recovery placed before
// it. A gin.Recovery placed after it turns the
// panic into an ordinary 500 response before the middleware sees it; that
// request counts as a 500, not as an exception, and in Gin's debug mode the
// middleware warns of such a route. A handler's runtime.Goexit, which leaves
// the client without an answer, is recorded as a panic is: status 500 and
// one exception; so is a skipper ([WithSkipper]) that panics or calls
// runtime.Goexit. The panic of a label function raised again after the
// handler answered leaves the request recorded as usual.
//
// A request passes the default metrics of m once, however many of m's
// default middlewares its chain holds (one on the engine, one on a group).
// A request a handler passes on with engine.HandleContext is recorded once
// per dispatch, each under its own route and with its own marks (see
// [Metrics.DoNotTrack]); a panic that unwinds through several dispatches is
// one exception.
//
// A request that becomes a WebSocket or Server-Sent Events session is not
// recorded as a request: it is a session, counted in the session metrics
// (see [DefaultSessionBuckets]) and left out of the request duration, total,
// sizes and in-flight gauge. A panic of its handler is an exception all the
// same, with the status the client got when the session began: 101 for a
// WebSocket, the stream's (200) for an event stream.
func (m *Metrics) Middleware() gin.HandlerFunc {
	if m.defaults == nil {
		return passThrough
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
//
// The families are those c exposes, to claim the names of their series
// (see claimNames); none given, they are found from the type of c.
func register[C prometheus.Collector](reg prometheus.Registerer, name string, c C, families ...family) C {
	return registerOr(reg, name, registerFix, c, families...)
}

// registerFix is what register's panic tells the user to do.
var registerFix = setupFix{say: "choose another name"}

// registerOr is register, whose panic for a conflicting collector ends in
// fix, what the user should do.
func registerOr[C prometheus.Collector](reg prometheus.Registerer, name string, fix setupFix, c C, families ...family) C {
	if len(families) == 0 {
		families = familiesOf(name, c)
	}
	claimNames(reg, families...)
	err := reg.Register(c)
	if err == nil {
		noteFamilies(reg, c)
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		existing, ok := are.ExistingCollector.(C)
		if !ok {
			// Another collector than one like c: not the default metrics,
			// or session, message or dependency family, of another
			// Metrics, which are like them.
			panic(fmt.Sprintf("ginprom: metric %q is already registered %s; %s", name, heldIn(reg, are.ExistingCollector), heldFixFor(fix)))
		}
		// The registry compares label names as a set; the values ginprom
		// passes follow the order of its own descriptors.
		if !slices.Equal(describe(existing), describe(c)) {
			panic(fmt.Sprintf("ginprom: metric %q is already registered with its labels in another order; %s", name, fix))
		}
		return existing
	}
	explainClaimed(reg, families)
	panic(conflict(reg, name, families, c, fix))
}

// defaultsFix says what to do when the default metrics conflict with those
// of another Metrics on the same registry, made with other options. A
// schema's names take no prefix, so under one the fix is another registry.
func defaultsFix(reg prometheus.Registerer, prefixed bool) setupFix {
	prefix := ", or other names with WithDefaultsPrefix"
	if !prefixed {
		prefix = " (a schema's names take no WithDefaultsPrefix)"
	}
	fix := setupFix{defaults: true, schema: !prefixed}
	if _, ok := reg.(defaultRegistry); ok {
		fix.say = "another Metrics on client_golang's default registry made them with other options. Give this Metrics a registry of its own with WithRegistry(prometheus.NewRegistry())" + prefix + ", or build both with the same options"
		return fix
	}
	fix.say = "another Metrics on this registry made them with other options. Give this Metrics another registry with WithRegistry" + prefix + ", or build both with the same options"
	return fix
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

// middlewarePC is the code address of every default middleware.
var middlewarePC = funcPC((*tracker)(nil).handle)

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

// excluded reports whether WithExcludedPaths leaves the request out. The expressions match the path Gin routed (see routedPath).
func (m *Metrics) excluded(c *gin.Context) bool {
	return m.exclude.active() && m.exclude.match(routedPath(c))
}
