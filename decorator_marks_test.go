package ginprom_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecoratorDoNotTrack: DoNotTrack leaves the request out of the default
// metrics only; decorators before and after it still count it.
func TestDecoratorDoNotTrack(t *testing.T) {
	t.Parallel()
	positions := []string{"first", "between", "after handler"}
	for _, pos := range positions {
		t.Run(pos, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			before := []gin.HandlerFunc{a.m.Counter("before", "Before.", nil), a.m.Histogram("before_seconds", "Before.", nil)}
			after := []gin.HandlerFunc{a.m.Counter("after", "After.", nil), a.m.Summary("after_seconds", "After.", nil)}
			var gauge float64
			probe := func(c *gin.Context) { gauge, _ = decoValue(t, a.reg, "busy", "") }
			gaugeD := a.m.Gauge("busy", "Busy.", nil)
			var chain []gin.HandlerFunc
			switch pos {
			case "first":
				chain = append(append(append([]gin.HandlerFunc{a.m.DoNotTrack()}, before...), after...), gaugeD, probe, ok)
			case "between":
				chain = append(append(append(before, a.m.DoNotTrack()), after...), gaugeD, probe, ok)
			case "after handler":
				chain = append(append(before, after...), gaugeD, probe, ok, a.m.DoNotTrack())
			}
			a.r.GET("/untracked", chain...)
			a.r.GET("/tracked", ok)

			require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/untracked").Code)
			require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/tracked").Code)

			requireExposition(t, a.reg, `
# HELP after_total After.
# TYPE after_total counter
after_total 1
# HELP before_total Before.
# TYPE before_total counter
before_total 1
# HELP busy Busy.
# TYPE busy gauge
busy 0
# HELP gin_http_request_total Total number of HTTP requests served by Gin.
# TYPE gin_http_request_total counter
gin_http_request_total{method="GET",status="200"} 1
`, "after_total", "before_total", "busy", "gin_http_request_total")
			assert.InDelta(t, 1.0, gauge, 0, "gauge inside the handler")
			assert.Equal(t, map[string]uint64{"": 1}, samples(t, a.reg, "before_seconds"))
			assert.Equal(t, map[string]uint64{"": 1}, samples(t, a.reg, "after_seconds"))
			assert.Equal(t, map[string]uint64{`method="GET",path="/tracked",status="200"`: 1}, samples(t, a.reg, "gin_http_request_duration_seconds"))
		})
	}
}

// TestDecoratorExcludeAllMetrics: ExcludeAllMetrics leaves the request out of
// every metric, wherever it stands; the handler still runs and gauges are
// put back.
func TestDecoratorExcludeAllMetrics(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pos                  string
		gaugeBefore, gaugeAt float64 // the gauges before and after ExcludeAllMetrics, inside the handler
	}{
		{pos: "first", gaugeBefore: 0, gaugeAt: 0},
		{pos: "middle", gaugeBefore: 1, gaugeAt: 0},
		{pos: "after handler", gaugeBefore: 1, gaugeAt: 1},
		{pos: "engine middleware", gaugeBefore: 0, gaugeAt: 0},
		{pos: "group middleware", gaugeBefore: 0, gaugeAt: 0},
	}
	for _, tc := range cases {
		t.Run(tc.pos, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			if tc.pos == "engine middleware" {
				a.r.Use(a.m.ExcludeAllMetrics())
			}
			route := ginprom.Labels{"route": decoFullPath}
			a.m.RegisterDefault(a.m.Counter("every", "Every route.", route))
			first := []gin.HandlerFunc{
				a.m.Counter("first", "First.", nil), a.m.Counter("first_by_route", "First.", route),
				a.m.Gauge("first_busy", "First.", nil), a.m.Histogram("first_seconds", "First.", nil),
			}
			second := []gin.HandlerFunc{
				a.m.Counter("second", "Second.", nil), a.m.Summary("second_seconds", "Second.", route),
				a.m.Gauge("second_busy", "Second.", nil), a.m.Histogram("second_by_route_seconds", "Second.", route),
			}
			var during [2]float64
			ran := false
			handler := func(c *gin.Context) {
				ran = true
				during[0], _ = decoValue(t, a.reg, "first_busy", "")
				during[1], _ = decoValue(t, a.reg, "second_busy", "")
				c.String(http.StatusOK, "handled")
			}
			var chain []gin.HandlerFunc
			switch tc.pos {
			case "first":
				chain = append(append(append([]gin.HandlerFunc{a.m.ExcludeAllMetrics()}, first...), second...), handler)
			case "middle":
				chain = append(append(append(first, a.m.ExcludeAllMetrics()), second...), handler)
			case "after handler":
				chain = append(append(first, second...), handler, a.m.ExcludeAllMetrics())
			default:
				chain = append(append(first, second...), handler)
			}
			rg := gin.IRoutes(a.r)
			if tc.pos == "group middleware" {
				rg = a.r.Group("/", a.m.ExcludeAllMetrics())
			}
			rg.GET("/x", chain...)

			before := decoScrape(t, a)
			w := a.do(http.MethodGet, "/x")
			assert.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, "handled", w.Body.String())
			assert.True(t, ran)
			assert.Equal(t, before, decoScrape(t, a), "the exposition moved")
			assert.Equal(t, [2]float64{tc.gaugeBefore, tc.gaugeAt}, during, "gauges inside the handler")
		})
	}
}

// TestDecoratorExcludeAllMetricsOfItsInstance: ExcludeAllMetrics of one
// Metrics leaves the decorators of another alone.
func TestDecoratorExcludeAllMetricsOfItsInstance(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	reg2 := prometheus.NewRegistry()
	m2 := ginprom.New(nil, ginprom.WithRegistry(reg2), ginprom.WithoutDefaults())
	a.r.GET("/x", m2.Counter("other", "Other.", nil), a.m.Counter("mine", "Mine.", nil), a.m.ExcludeAllMetrics(), ok)
	a.r.GET("/y", m2.ExcludeAllMetrics(), m2.DoNotTrack(), ok) // m2 looks for its own marks
	a.do(http.MethodGet, "/x")
	requireExposition(t, a.reg, "# HELP mine_total Mine.\n# TYPE mine_total counter\nmine_total 0\n", "mine_total")
	requireExposition(t, reg2, "# HELP other_total Other.\n# TYPE other_total counter\nother_total 1\n", "other_total")
}

// TestDecoratorExcludedPaths: WithExcludedPaths leaves matching requests out
// of the decorator metrics; their handlers still run.
func TestDecoratorExcludedPaths(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithExcludedPaths("/exc", "^/hea?lth$"))
	var ds []gin.HandlerFunc
	for _, k := range decoKinds {
		ds = append(ds, k.make(a.m, "seen_"+strings.ToLower(k.name), "Seen.", nil))
	}
	ds = append(ds, a.m.Counter("seen_by_route", "Seen.", ginprom.Labels{"route": decoFullPath}))
	gauges := map[string]float64{}
	handler := func(c *gin.Context) {
		gauges[c.Request.URL.Path], _ = decoValue(t, a.reg, "seen_gauge", "")
		c.String(http.StatusOK, "handled")
	}
	paths := []struct {
		path     string
		excluded bool
	}{
		{"/excluded", true}, {"/exc/1", true}, {"/health", true}, {"/x/exc", false}, {"/included", false}, {"/health/deep", false},
	}
	for _, p := range paths {
		a.r.GET(p.path, append(ds, handler)...)
	}
	for _, p := range paths {
		w := a.do(http.MethodGet, p.path)
		assert.Equal(t, "handled", w.Body.String(), p.path)
		want := 1.0
		if p.excluded {
			want = 0
		}
		assert.InDelta(t, want, gauges[p.path], 0, "gauge inside %s", p.path)
	}
	for _, k := range decoKinds {
		decoRequireSeries(t, a.reg, k, "seen_"+strings.ToLower(k.name)+k.suffix, "Seen.", map[string]float64{"": 3 * k.perRequest()})
	}
	requireExposition(t, a.reg, `
# HELP seen_by_route_total Seen.
# TYPE seen_by_route_total counter
seen_by_route_total{route="/health/deep"} 1
seen_by_route_total{route="/included"} 1
seen_by_route_total{route="/x/exc"} 1
`, "seen_by_route_total")
}

// TestDecoratorRegisterDefault: RegisterDefault decorates the routes
// registered after it, like engine.Use, except the metrics routes and
// unmatched requests.
func TestDecoratorRegisterDefault(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.r.HandleMethodNotAllowed = true
	a.r.GET("/before", ok)
	early := a.r.Group("/early")
	route := ginprom.Labels{"route": decoFullPath}
	a.m.RegisterDefault(a.m.Counter("routed", "Routed.", route), a.m.Histogram("routed_seconds", "Routed.", route))
	a.r.GET("/after/:id", ok)
	early.GET("/x", ok)
	a.r.Group("/late").GET("/y", ok)
	a.m.RegisterEndpoint("/metrics2", a.r)
	a.m.RegisterEndpoint("/metrics", a.r.Group("/admin"))

	requests := []struct {
		method, path string
		code         int
	}{
		{"GET", "/before", 200},
		{"GET", "/after/1", 200},
		{"GET", "/after/2", 200},
		{"GET", "/early/x", 200},
		{"GET", "/late/y", 200},
		{"GET", "/metrics", 200},
		{"GET", "/metrics2", 200},
		{"GET", "/admin/metrics", 200},
		{"GET", "/nowhere", 404},
		{"POST", "/after/1", 405},
	}
	for _, r := range requests {
		assert.Equal(t, r.code, a.do(r.method, r.path).Code, "%s %s", r.method, r.path)
	}
	requireExposition(t, a.reg, `
# HELP routed_total Routed.
# TYPE routed_total counter
routed_total{route="/after/:id"} 2
routed_total{route="/late/y"} 1
`, "routed_total")
	assert.Equal(t, map[string]uint64{`route="/after/:id"`: 2, `route="/late/y"`: 1}, samples(t, a.reg, "routed_seconds"))
}

// TestDecoratorRegisterDefaultEveryEngine: RegisterDefault applies to every
// engine the Metrics instruments, including those instrumented later.
func TestDecoratorRegisterDefaultEveryEngine(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := ginprom.New(nil, ginprom.WithRegistry(reg))
	e1 := gin.New()
	m.Instrument(e1)
	e1.GET("/e1/before", ok)
	m.RegisterDefault(m.Counter("routed", "Routed.", ginprom.Labels{"route": decoFullPath}), m.Gauge("busy", "Busy.", nil))
	e1.GET("/e1/after", ok)
	e2 := gin.New()
	m.Instrument(e2)
	var inside float64
	e2.GET("/e2/after", func(c *gin.Context) { inside, _ = decoValue(t, reg, "busy", "") }, ok)

	for _, r := range []struct {
		e    *gin.Engine
		path string
	}{{e1, "/e1/before"}, {e1, "/e1/after"}, {e1, "/metrics"}, {e2, "/e2/after"}, {e2, "/metrics"}, {e2, "/nowhere"}} {
		serve(r.e, http.MethodGet, r.path)
	}
	assert.InDelta(t, 1.0, inside, 0, "gauge inside the second engine's handler")
	requireExposition(t, reg, `
# HELP busy Busy.
# TYPE busy gauge
busy 0
# HELP routed_total Routed.
# TYPE routed_total counter
routed_total{route="/e1/after"} 1
routed_total{route="/e2/after"} 1
`, "routed_total", "busy")
}

func TestDecoratorRegisterDefaultNilPanics(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		ds   func(m *ginprom.Metrics) []gin.HandlerFunc
	}{
		{"nil alone", func(*ginprom.Metrics) []gin.HandlerFunc { return []gin.HandlerFunc{nil} }},
		{"nil after a decorator", func(m *ginprom.Metrics) []gin.HandlerFunc {
			return []gin.HandlerFunc{m.Counter("c", "C.", nil), nil}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			ds := tc.ds(a.m)
			msg := decoPanic(t, func() { a.m.RegisterDefault(ds...) })
			assert.True(t, strings.HasPrefix(msg, "ginprom: "), "message %q", msg)
			assert.Contains(t, msg, "RegisterDefault")
			assert.Contains(t, msg, "nil")
		})
	}
}
