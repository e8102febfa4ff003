package ginprom_test

import (
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Gap 1: a request passes the default metrics of one Metrics once, however
// many of its default middlewares it meets.
func TestSecondMiddlewareOnGroupCountsOnce(t *testing.T) {
	a := newApp(t, ginprom.WithInFlight())
	api := a.r.Group("/api", a.m.Middleware())
	var during map[string]float64
	api.GET("/in", func(c *gin.Context) {
		during = inflight(t, a.reg)
		c.Status(http.StatusOK)
	})
	a.r.GET("/out", ok)
	a.do(http.MethodGet, "/api/in")
	a.do(http.MethodGet, "/api/in")
	a.do(http.MethodGet, "/out")
	assert.Equal(t, map[string]uint64{
		`method="GET",path="/api/in",status="200"`: 2,
		`method="GET",path="/out",status="200"`:    1,
	}, samples(t, a.reg, coreDuration))
	assert.Equal(t, map[string]float64{`method="GET"`: 1}, during, "in flight once")
	assert.InDelta(t, 3.0, testutil.ToFloat64(collectorOf(t, a.reg, "gin_http_request_total")), 0)
}

// collectorOf returns a collector of the gathered family name, for
// testutil.ToFloat64 over its one or more series.
func collectorOf(t testing.TB, g prometheus.Gatherer, name string) prometheus.Collector {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	c := prometheus.NewGauge(prometheus.GaugeOpts{Name: "sum", Help: "sum"})
	c.Set(sum)
	return c
}

// Another Metrics' middleware in the same chain counts in its own metrics.
func TestTwoMetricsInOneChainEachCount(t *testing.T) {
	a := newApp(t)
	reg2 := prometheus.NewRegistry()
	m2 := ginprom.New(nil, ginprom.WithRegistry(reg2))
	a.r.GET("/x", m2.Middleware(), ok)
	a.do(http.MethodGet, "/x")
	assert.Equal(t, map[string]uint64{`method="GET",path="/x",status="200"`: 1}, samples(t, a.reg, coreDuration))
	assert.Equal(t, map[string]uint64{`method="GET",path="/x",status="200"`: 1}, samples(t, reg2, coreDuration))
}

// Gap 1: New twice on one engine is refused at setup with a message that
// says what to do, whatever the paths.
func TestNewTwiceOnOneEnginePanics(t *testing.T) {
	middleware := "ginprom: Instrument: the engine already has a ginprom default-metrics middleware, from another New or Instrument, and would count every request twice; " +
		"make one Metrics per engine and share it (New(nil, ...), then m.Instrument(engine)), or pass WithoutDefaults to the second"
	for _, path := range []string{"", "/metrics2"} {
		r := gin.New()
		ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))
		assert.PanicsWithValue(t, middleware, func() {
			ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithPath(path))
		}, "second New with WithPath(%q)", path)
	}
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithPath(""))
	assert.PanicsWithValue(t, middleware, func() {
		ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithPath(""))
	})

	r = gin.New()
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithoutDefaults())
	assert.PanicsWithValue(t, `ginprom: Instrument: the engine already has a route GET /metrics, maybe from another New or Instrument; pass WithPath to serve these metrics at another path, or WithPath("") to add no route`, func() {
		ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithoutDefaults())
	})

	// A second instance without default metrics, on another path, is fine.
	r = gin.New()
	reg := prometheus.NewRegistry()
	ginprom.New(r, ginprom.WithRegistry(reg))
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithoutDefaults(), ginprom.WithPath("/other"))
	r.GET("/", ok)
	serve(r, http.MethodGet, "/")
	assert.Equal(t, map[string]uint64{`method="GET",path="/",status="200"`: 1}, samples(t, reg, coreDuration))
}

// Gap 10: each HandleContext dispatch has its own marks. Forwarding to a
// DoNotTrack route leaves the outer dispatch recorded; a DoNotTrack on the
// outer route leaves the inner one recorded.
func TestHandleContextMarksPerDispatch(t *testing.T) {
	a := newApp(t)
	// c.FullPath() is the inner route's after HandleContext, so each
	// route's counter names its route statically.
	counted := func(route string) gin.HandlerFunc {
		return a.m.Counter("calls", "Calls.", ginprom.Labels{"route": route}, ginprom.WithoutInitialSeries())
	}
	a.r.GET("/quiet", a.m.DoNotTrack(), counted("/quiet"), ok)
	a.r.GET("/hidden", a.m.ExcludeAllMetrics(), counted("/hidden"), ok)
	a.r.GET("/loud", counted("/loud"), ok)
	forward := func(to string) gin.HandlerFunc {
		return func(c *gin.Context) {
			c.Request.URL.Path = to
			a.r.HandleContext(c)
		}
	}
	a.r.GET("/to-quiet", counted("/to-quiet"), forward("/quiet"))
	a.r.GET("/to-hidden", counted("/to-hidden"), forward("/hidden"))
	a.r.GET("/quiet-to-loud", a.m.DoNotTrack(), forward("/loud"))
	a.r.GET("/hidden-to-loud", a.m.ExcludeAllMetrics(), counted("/hidden-to-loud"), forward("/loud"))

	for _, p := range []string{"/to-quiet", "/to-hidden", "/quiet-to-loud", "/hidden-to-loud"} {
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, p).Code, p)
	}
	assert.Equal(t, map[string]uint64{
		`method="GET",path="/to-quiet",status="200"`:  1,
		`method="GET",path="/to-hidden",status="200"`: 1,
		`method="GET",path="/loud",status="200"`:      2,
	}, samples(t, a.reg, coreDuration))
	requireExposition(t, a.reg, `
# HELP calls_total Calls.
# TYPE calls_total counter
calls_total{route="/loud"} 2
calls_total{route="/quiet"} 1
calls_total{route="/to-hidden"} 1
calls_total{route="/to-quiet"} 1
`, "calls_total")
}

// Gap 10: a panic in an inner dispatch counts one exception, though it
// unwinds through both; each dispatch is recorded once, as a 500.
func TestHandleContextPanicCountsOnce(t *testing.T) {
	a := newRecoveringApp(t)
	a.r.GET("/boom", func(*gin.Context) { panic("boom") })
	a.r.GET("/to-boom", func(c *gin.Context) {
		c.Request.URL.Path = "/boom"
		a.r.HandleContext(c)
	})
	require.Equal(t, http.StatusInternalServerError, a.do(http.MethodGet, "/to-boom").Code)
	require.Equal(t, http.StatusInternalServerError, a.do(http.MethodGet, "/to-boom").Code)
	assert.Equal(t, map[string]uint64{
		`method="GET",path="/to-boom",status="500"`: 2,
		`method="GET",path="/boom",status="500"`:    2,
	}, samples(t, a.reg, coreDuration))
	requireExposition(t, a.reg, `
# HELP gin_http_request_exceptions_total Total number of HTTP requests whose handler panicked.
# TYPE gin_http_request_exceptions_total counter
gin_http_request_exceptions_total{method="GET",status="500"} 2
`, "gin_http_request_exceptions_total")
}

// WithSkipper runs once per request, before the chain, and leaves the
// request out of every metric of the instance: defaults, in-flight and
// decorators.
func TestSkipperOncePerRequest(t *testing.T) {
	calls := 0
	a := newApp(t, ginprom.WithInFlight(), ginprom.WithSkipper(func(c *gin.Context) bool {
		calls++
		return c.GetHeader("X-Probe") == "yes"
	}))
	var during map[string]float64
	a.r.GET("/",
		a.m.Counter("hits", "Hits.", nil),
		a.m.Histogram("hit_seconds", "Hit time.", nil),
		a.m.Gauge("hits_now", "Hits now.", nil),
		func(c *gin.Context) {
			during = inflight(t, a.reg)
			c.Status(http.StatusOK)
		})
	serve(a.r, http.MethodGet, "/")
	assert.Equal(t, 1, calls, "one call for a recorded request")
	serve(a.r, http.MethodGet, "/", "X-Probe", "yes")
	assert.Equal(t, 2, calls, "one call for a skipped request")
	assert.Equal(t, map[string]float64{`method="GET"`: 0}, during, "a skipped request is not in flight")
	assert.Equal(t, map[string]uint64{`method="GET",path="/",status="200"`: 1}, samples(t, a.reg, coreDuration))
	assert.Equal(t, map[string]uint64{``: 1}, samples(t, a.reg, "hit_seconds"))
	requireExposition(t, a.reg, `
# HELP hits_total Hits.
# TYPE hits_total counter
hits_total 1
`, "hits_total")
}

// Without default metrics, the decorators ask the skipper.
func TestSkipperWithoutDefaults(t *testing.T) {
	a := newApp(t, ginprom.WithoutDefaults(), ginprom.WithSkipper(func(c *gin.Context) bool { return c.GetHeader("X-Probe") == "yes" }))
	a.r.GET("/", a.m.Counter("hits", "Hits.", nil), a.m.Counter("more_hits", "More hits.", nil), ok)
	serve(a.r, http.MethodGet, "/")
	serve(a.r, http.MethodGet, "/", "X-Probe", "yes")
	requireExposition(t, a.reg, `
# HELP hits_total Hits.
# TYPE hits_total counter
hits_total 1
# HELP more_hits_total More hits.
# TYPE more_hits_total counter
more_hits_total 1
`, "hits_total", "more_hits_total")
}
