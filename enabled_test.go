package ginprom_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestDisabledRegistersNothing: with WithEnabled(false), nothing reaches the
// registry, whatever is made from the Metrics and however many requests run.
func TestDisabledRegistersNothing(t *testing.T) {
	a := newApp(t, ginprom.WithEnabled(false))
	m := a.m
	counter := m.Counter("hits", "Hits.", ginprom.Labels{"kind": "x"})
	gauge := m.Gauge("busy", "Busy.", nil)
	hist := m.Histogram("lat_seconds", "Latency.", nil)
	summary := m.Summary("lat_summary_seconds", "Latency.", nil)
	m.RegisterDefault(m.Counter("all", "All.", nil))
	a.r.GET("/users/:id", counter, gauge, hist, summary, m.DoNotTrack(), m.ExcludeAllMetrics(), ok)
	info := m.Info("app_info", "App.", prometheus.Labels{"version": "1"})
	info.Set(3) // safe, and exposed nowhere
	m.ObserveMessage("request/read", 0, 10, 20, nil)

	for range 3 {
		w := a.do(http.MethodGet, "/users/1")
		assert.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, "ok", w.Body.String(), "the route's handlers all ran")
	}
	assert.Empty(t, families(t, a.reg), "families registered by a disabled Metrics")
	assert.False(t, m.Enabled())
}

// TestDisabledAttachesNothing: Instrument adds no route and no middleware,
// so a route's chain is what bare Gin would run.
func TestDisabledAttachesNothing(t *testing.T) {
	a := newApp(t, ginprom.WithEnabled(false))
	var names []string
	a.r.GET("/users/:id", func(c *gin.Context) { names = c.HandlerNames() })
	a.do(http.MethodGet, "/users/1")
	assert.Len(t, names, 1, "handlers of the route: only its own, no ginprom middleware")
	assert.Len(t, a.r.Routes(), 1, "routes: no metrics route")
	assert.Equal(t, http.StatusNotFound, a.do(http.MethodGet, "/metrics").Code)

	// Instrument on another engine, and Middleware, add nothing either.
	r := gin.New()
	a.m.Instrument(r)
	r.Use(a.m.Middleware())
	r.GET("/x", func(c *gin.Context) { names = c.HandlerNames() })
	serve(r, http.MethodGet, "/x")
	assert.Len(t, r.Routes(), 1)
	assert.Len(t, names, 2, "handlers: the pass-through Middleware and the route's own")
}

// TestDisabledServing: Handler answers 404, RegisterEndpoint adds no route,
// StartHTTPServer returns ErrDisabled and binds nothing.
func TestDisabledServing(t *testing.T) {
	a := newApp(t, ginprom.WithEnabled(false), ginprom.WithPath(""))
	a.r.GET("/manual", a.m.Handler())
	a.m.RegisterEndpoint("/metrics", a.r)

	w := a.do(http.MethodGet, "/manual")
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Contains(t, w.Body.String(), "metrics are disabled")
	assert.Equal(t, http.StatusNotFound, a.do(http.MethodGet, "/metrics").Code)
	assert.Len(t, a.r.Routes(), 1, "only the hand-made /manual route")

	srv, err := a.m.StartHTTPServer("127.0.0.1:0")
	assert.Nil(t, srv)
	require.ErrorIs(t, err, ginprom.ErrDisabled)
	assert.Contains(t, err.Error(), "metrics are disabled")
}

// TestDisabledDefaultRegistry: without WithRegistry, a disabled Metrics
// leaves client_golang's default registry as it was.
func TestDisabledDefaultRegistry(t *testing.T) {
	before := families(t, prometheus.DefaultGatherer)
	r := gin.New()
	m := ginprom.New(r, ginprom.WithEnabled(false))
	m.Counter("disabled_hits", "Hits.", nil)
	m.Info("disabled_info", "Info.", nil)
	r.GET("/", ok)
	serve(r, http.MethodGet, "/")
	assert.Equal(t, before, families(t, prometheus.DefaultGatherer))
}

// TestDisabledStillChecks: what panics when on panics when off, so that
// turning metrics on in production finds no new setup error.
func TestDisabledStillChecks(t *testing.T) {
	off := ginprom.WithEnabled(false)
	assert.PanicsWithValue(t, `ginprom: WithPath("metrics"): the path must begin with "/"; give one such as "/metrics"`, func() {
		ginprom.New(nil, off, ginprom.WithPath("metrics"))
	})
	assert.Panics(t, func() { ginprom.New(nil, off, nil) })
	m := ginprom.New(nil, off, ginprom.WithRegistry(prometheus.NewRegistry()))
	assert.Panics(t, func() { m.Counter("bad name", "Help.", nil) })
	assert.Panics(t, func() { m.Histogram("h", "", nil) })
	assert.Panics(t, func() { m.Info("i", "Info.", prometheus.Labels{"bad-label": "x"}) })
	assert.Panics(t, func() { m.RegisterDefault(nil) })
	assert.Panics(t, func() { m.Instrument(nil) })
	r := gin.New()
	m.Instrument(r)
	assert.Panics(t, func() { m.Instrument(r) }, "an engine instrumented twice, as when on")
	assert.Panics(t, func() { m.RegisterEndpoint("x", gin.New()) })
}

// TestDisabledWatchDependencyTwice: off, a name watched twice at once panics
// as it does when on, and is free again after its stop or Close; no check
// runs.
func TestDisabledWatchDependencyTwice(t *testing.T) {
	m := ginprom.New(nil, ginprom.WithEnabled(false), ginprom.WithRegistry(prometheus.NewRegistry()))
	var checks atomic.Int64
	check := func(ctx context.Context) error { checks.Add(1); return ctx.Err() }
	stop := m.WatchDependency("db", check)
	assert.PanicsWithValue(t, `ginprom: WatchDependency("db"): this dependency is watched already; call the stop function of the first watcher, or give this one another name`,
		func() { m.WatchDependency("db", check) })
	other := m.WatchDependency("queue", check)
	stop()
	again := m.WatchDependency("db", check)
	stop() // a second call of the first stop leaves the new watcher's claim alone
	assert.Panics(t, func() { m.WatchDependency("db", check) })
	m.Close()
	m.WatchDependency("db", check)
	m.WatchDependency("queue", check)
	again()
	other()
	assert.Zero(t, checks.Load())
}

// TestEnabledLastWins: the last WithEnabled decides.
func TestEnabledLastWins(t *testing.T) {
	a := newApp(t, ginprom.WithEnabled(false), ginprom.WithEnabled(true))
	a.r.GET("/", ok)
	a.do(http.MethodGet, "/")
	assert.True(t, a.m.Enabled())
	assert.Contains(t, families(t, a.reg), "gin_http_request_total")

	b := newApp(t, ginprom.WithEnabled(true), ginprom.WithEnabled(false))
	assert.False(t, b.m.Enabled())
	assert.Empty(t, families(t, b.reg))
}

// TestDisabledPush: Push and StartPushing send nothing and say why; no
// goroutine starts.
func TestDisabledPush(t *testing.T) {
	var pushes atomic.Int64
	gw := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { pushes.Add(1) }))
	defer gw.Close()
	before := goleak.IgnoreCurrent()
	m := ginprom.New(nil, ginprom.WithEnabled(false), ginprom.WithRegistry(prometheus.NewRegistry()))
	require.ErrorIs(t, m.Push(t.Context(), gw.URL, "batch"), ginprom.ErrDisabled)
	stop := m.StartPushing(gw.URL, "batch", time.Millisecond)
	goleak.VerifyNone(t, before)
	require.ErrorIs(t, stop(t.Context()), ginprom.ErrDisabled)
	assert.Zero(t, pushes.Load())
	assert.Panics(t, func() { _ = m.Push(t.Context(), "", "batch") }, "arguments are checked as when on")
}
