package ginprom_test

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decoTier is a string kind, accepted as a static label value.
type decoTier string

// TestDecoratorStaticLabels: static values are formatted once and exposed as
// constant labels, repaired when they are not valid UTF-8.
func TestDecoratorStaticLabels(t *testing.T) {
	t.Parallel()
	labels := ginprom.Labels{
		"s": "core", "tier": decoTier("gold"), "i": 3, "neg": int64(-7), "u": uint8(8),
		"f": 2.5, "g": float32(0.1), "yes": true, "no": false, "bad": "a\xffb",
	}
	const key = "bad=\"a\uFFFDb\"," + `f="2.5",g="0.1",i="3",neg="-7",no="false",s="core",tier="gold",u="8",yes="true"`
	for _, k := range decoKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			a.r.GET("/", k.make(a.m, "static", "Static.", labels), ok)
			name := "static" + k.suffix
			decoRequireSeries(t, a.reg, k, name, "Static.", map[string]float64{key: 0})
			a.do(http.MethodGet, "/")
			decoRequireSeries(t, a.reg, k, name, "Static.", map[string]float64{key: k.perRequest()})
			requireLint(t, a.reg)
		})
	}
}

// TestDecoratorLabelFunctions: label functions of counters, summaries and
// histograms run after the rest of the chain and see the final status.
func TestDecoratorLabelFunctions(t *testing.T) {
	t.Parallel()
	seen := func(c *gin.Context) string { return c.GetString("seen") }
	setSeen := func(c *gin.Context) { c.Set("seen", "yes") }
	routes := []struct {
		path   string
		chain  func(d gin.HandlerFunc) []gin.HandlerFunc
		panics bool
		code   int
		key    string
	}{
		{
			path:  "/ok",
			chain: func(d gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{d, setSeen, ok} },
			code:  http.StatusOK, key: `code="200",route="/ok",seen="yes"`,
		},
		{
			path: "/created",
			chain: func(d gin.HandlerFunc) []gin.HandlerFunc {
				return []gin.HandlerFunc{d, setSeen, func(c *gin.Context) { c.Status(http.StatusCreated) }}
			},
			code: http.StatusCreated, key: `code="201",route="/created",seen="yes"`,
		},
		{
			path:  "/abort",
			chain: func(d gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{d, setSeen, abort503} },
			code:  http.StatusServiceUnavailable, key: `code="503",route="/abort",seen="yes"`,
		},
		{
			path:  "/abort-before-handler",
			chain: func(d gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{d, abort503, setSeen, ok} },
			code:  http.StatusServiceUnavailable, key: `code="503",route="/abort-before-handler",seen=""`,
		},
		{
			path:   "/panic",
			chain:  func(d gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{d, setSeen, decoBoom} },
			panics: true, key: `code="500",route="/panic",seen="yes"`,
		},
		{
			path:  "/panic-recovery-outside",
			chain: func(d gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{decoQuiet(), d, setSeen, decoBoom} },
			code:  http.StatusInternalServerError, key: `code="500",route="/panic-recovery-outside",seen="yes"`,
		},
		{
			path:  "/panic-recovery-inside",
			chain: func(d gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{d, decoQuiet(), setSeen, decoBoom} },
			code:  http.StatusInternalServerError, key: `code="500",route="/panic-recovery-inside",seen="yes"`,
		},
	}
	for _, k := range decoAfterKinds {
		for _, defaults := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/defaults=%t", k.name, defaults), func(t *testing.T) {
				t.Parallel()
				var a *app
				if defaults {
					a = newApp(t)
				} else {
					a = newApp(t, ginprom.WithoutDefaults())
				}
				d := k.make(a.m, "by_code", "By code.", ginprom.Labels{"code": decoStatus, "route": decoFullPath, "seen": seen})
				name := "by_code" + k.suffix
				want := map[string]float64{}
				for _, rt := range routes {
					a.r.GET(rt.path, rt.chain(d)...)
					want[rt.key] = 1
				}
				decoRequireSeries(t, a.reg, k, name, "By code.", map[string]float64{})
				for _, rt := range routes {
					if rt.panics {
						assert.PanicsWithValue(t, "boom", func() { a.do(http.MethodGet, rt.path) }, rt.path)
					} else {
						assert.Equal(t, rt.code, a.do(http.MethodGet, rt.path).Code, rt.path)
					}
				}
				decoRequireSeries(t, a.reg, k, name, "By code.", want)
			})
		}
	}
}

// TestDecoratorGaugeLabelFunctionsRunBefore: a gauge's label functions run
// before the rest of the chain, and the gauge goes down on the series it went
// up on.
func TestDecoratorGaugeLabelFunctionsRunBefore(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var order []string
	labels := ginprom.Labels{
		"code": func(c *gin.Context) string { order = append(order, "label"); return decoStatus(c) },
		"seen": func(c *gin.Context) string { return c.GetString("seen") },
	}
	const key = `code="200",seen=""`
	var inside float64
	a.r.GET("/", a.m.Gauge("busy", "Busy.", labels), func(c *gin.Context) {
		order = append(order, "handler")
		c.Set("seen", "yes")
		inside, _ = decoValue(t, a.reg, "busy", key)
		c.AbortWithStatus(http.StatusServiceUnavailable)
	})
	assert.Equal(t, http.StatusServiceUnavailable, a.do(http.MethodGet, "/").Code)
	assert.Equal(t, []string{"label", "handler"}, order)
	assert.InDelta(t, 1.0, inside, 0)
	decoRequireSeries(t, a.reg, decoGauge, "busy", "Busy.", map[string]float64{key: 0})
}

// TestDecoratorLabelFunctionPanics: a panicking label function records the
// request with PanicValue, then the panic goes on.
func TestDecoratorLabelFunctionPanics(t *testing.T) {
	t.Parallel()
	labels := ginprom.Labels{
		"who":   func(*gin.Context) string { panic("label boom") },
		"route": decoFullPath,
		"app":   "shop",
	}
	key := `app="shop",route="/",who="` + ginprom.PanicValue + `"`
	for _, k := range decoKinds {
		for _, recovery := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/recovery=%t", k.name, recovery), func(t *testing.T) {
				t.Parallel()
				a := newApp(t)
				if recovery {
					a.r.Use(decoQuiet())
				}
				// The handler does not write, so that Recovery can still
				// answer 500.
				a.r.GET("/", k.make(a.m, "fragile", "Fragile.", labels), func(c *gin.Context) { c.Status(http.StatusOK) })
				if recovery {
					assert.Equal(t, http.StatusInternalServerError, a.do(http.MethodGet, "/").Code)
				} else {
					assert.PanicsWithValue(t, "label boom", func() { a.do(http.MethodGet, "/") })
				}
				decoRequireSeries(t, a.reg, k, "fragile"+k.suffix, "Fragile.", map[string]float64{key: k.perRequest()})
			})
		}
	}
	assert.Equal(t, "<panic>", ginprom.PanicValue)
}

// TestDecoratorInvalidUTF8: values of label functions that are not valid
// UTF-8 are repaired.
func TestDecoratorInvalidUTF8(t *testing.T) {
	t.Parallel()
	for _, k := range decoKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			a.r.GET("/:name", k.make(a.m, "names", "Names.", ginprom.Labels{"name": func(c *gin.Context) string { return c.Param("name") }}), ok)
			a.do(http.MethodGet, "/caf%E9")
			decoRequireSeries(t, a.reg, k, "names"+k.suffix, "Names.", map[string]float64{"name=\"caf\uFFFD\"": k.perRequest()})
			requireLint(t, a.reg)
		})
	}
}

// TestDecoratorManyLabelFunctions: more label functions than fit inline
// still give each label its own value.
func TestDecoratorManyLabelFunctions(t *testing.T) {
	t.Parallel()
	labels := ginprom.Labels{}
	var pairs []string
	for i := 0; i < 20; i++ {
		v := fmt.Sprintf("v%02d", i)
		labels[fmt.Sprintf("l%02d", i)] = func(*gin.Context) string { return v }
		pairs = append(pairs, fmt.Sprintf("l%02d=%q", i, v))
	}
	key := strings.Join(pairs, ",")
	for _, k := range decoKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			a.r.GET("/", k.make(a.m, "wide", "Wide.", labels), ok)
			a.do(http.MethodGet, "/")
			a.do(http.MethodGet, "/")
			decoRequireSeries(t, a.reg, k, "wide"+k.suffix, "Wide.", map[string]float64{key: 2 * k.perRequest()})
		})
	}
}

// TestDecoratorHistogramBuckets: decorator histograms use DefaultBuckets,
// whatever WithBuckets says, unless WithMetricBuckets is given.
func TestDecoratorHistogramBuckets(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts []ginprom.MetricOption
		want []float64
	}{
		{name: "default", want: ginprom.DefaultBuckets},
		{name: "WithMetricBuckets", opts: []ginprom.MetricOption{ginprom.WithMetricBuckets(0.1, 1, 10)}, want: []float64{0.1, 1, 10}},
		{name: "last WithMetricBuckets wins", opts: []ginprom.MetricOption{ginprom.WithMetricBuckets(1, 2), ginprom.WithMetricBuckets(3, 4)}, want: []float64{3, 4}},
		{name: "WithMetricBuckets without bounds", opts: []ginprom.MetricOption{ginprom.WithMetricBuckets()}, want: ginprom.DefaultBuckets},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, ginprom.WithBuckets(0.3, 3, 30))
			a.r.GET("/", a.m.Histogram("took_seconds", "Took.", nil, tc.opts...), ok)
			a.do(http.MethodGet, "/")
			var bounds []float64
			for b := range buckets(t, a.reg, "took_seconds", "") {
				bounds = append(bounds, b)
			}
			sort.Float64s(bounds)
			assert.Equal(t, tc.want, bounds)
			assert.Equal(t, map[string]uint64{"": 1}, samples(t, a.reg, "took_seconds"))
		})
	}
}

// TestDecoratorSummaryObjectives: a summary has no quantiles unless
// WithMetricObjectives gives some.
func TestDecoratorSummaryObjectives(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts []ginprom.MetricOption
		want []float64
	}{
		{name: "default", want: nil},
		{name: "WithMetricObjectives", opts: []ginprom.MetricOption{ginprom.WithMetricObjectives(map[float64]float64{0.5: 0.05, 0.99: 0.001})}, want: []float64{0.5, 0.99}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			a.r.GET("/", a.m.Summary("took_seconds", "Took.", nil, tc.opts...), ok)
			a.do(http.MethodGet, "/")
			mfs, err := a.reg.Gather()
			require.NoError(t, err)
			var quantiles []float64
			found := false
			for _, mf := range mfs {
				if mf.GetName() != "took_seconds" {
					continue
				}
				require.Len(t, mf.GetMetric(), 1)
				found = true
				s := mf.GetMetric()[0].GetSummary()
				assert.Equal(t, uint64(1), s.GetSampleCount())
				assert.GreaterOrEqual(t, s.GetSampleSum(), 0.0)
				for _, q := range s.GetQuantile() {
					quantiles = append(quantiles, q.GetQuantile())
				}
			}
			require.True(t, found)
			sort.Float64s(quantiles)
			assert.Equal(t, tc.want, quantiles)
		})
	}
}

// TestDecoratorDefaultLabels: WithDefaultLabels adds its labels to every
// decorator metric: static ones as constant labels, functions per request.
func TestDecoratorDefaultLabels(t *testing.T) {
	t.Parallel()
	t.Run("static", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, ginprom.WithDefaultLabels(ginprom.Labels{"env": "prod", "shard": 2}))
		for _, k := range decoKinds {
			a.r.GET("/"+k.name, k.make(a.m, "with_env_"+strings.ToLower(k.name), "With env.", ginprom.Labels{"kind": "a"}), ok)
			a.r.GET("/bare/"+k.name, k.make(a.m, "bare_"+strings.ToLower(k.name), "Bare.", nil), ok)
		}
		for _, k := range decoKinds {
			decoRequireSeries(t, a.reg, k, "with_env_"+strings.ToLower(k.name)+k.suffix, "With env.", map[string]float64{`env="prod",kind="a",shard="2"`: 0})
			decoRequireSeries(t, a.reg, k, "bare_"+strings.ToLower(k.name)+k.suffix, "Bare.", map[string]float64{`env="prod",shard="2"`: 0})
			a.do(http.MethodGet, "/"+k.name)
			decoRequireSeries(t, a.reg, k, "with_env_"+strings.ToLower(k.name)+k.suffix, "With env.", map[string]float64{`env="prod",kind="a",shard="2"`: k.perRequest()})
		}
	})
	t.Run("function", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, ginprom.WithDefaultLabels(ginprom.Labels{"env": "prod", "code": decoStatus}))
		for _, k := range decoKinds {
			a.r.GET("/"+k.name, k.make(a.m, "coded_"+strings.ToLower(k.name), "Coded.", ginprom.Labels{"kind": "a"}), abort503)
		}
		for _, k := range decoKinds {
			name := "coded_" + strings.ToLower(k.name) + k.suffix
			decoRequireSeries(t, a.reg, k, name, "Coded.", map[string]float64{})
			a.do(http.MethodGet, "/"+k.name)
			code := "503"
			if k.typ == "gauge" {
				code = "200" // evaluated before the handler
			}
			decoRequireSeries(t, a.reg, k, name, "Coded.", map[string]float64{`code="` + code + `",env="prod",kind="a"`: k.perRequest()})
		}
	})
}

// TestDecoratorDefaultLabelConflictPanics: a label given both to the
// decorator and to WithDefaultLabels panics, naming it.
func TestDecoratorDefaultLabelConflictPanics(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		make  func(m *ginprom.Metrics)
		label string
	}{
		{"static over static", func(m *ginprom.Metrics) { m.Counter("jobs", "H.", ginprom.Labels{"env": "dev"}) }, "env"},
		{"function over static", func(m *ginprom.Metrics) { m.Gauge("busy", "H.", ginprom.Labels{"env": decoFullPath}) }, "env"},
		{"static over function", func(m *ginprom.Metrics) { m.Summary("s", "H.", ginprom.Labels{"code": "200"}) }, "code"},
		{"function over function", func(m *ginprom.Metrics) { m.Histogram("h", "H.", ginprom.Labels{"code": decoStatus}) }, "code"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, ginprom.WithDefaultLabels(ginprom.Labels{"env": "prod", "code": decoStatus}))
			msg := decoPanic(t, func() { tc.make(a.m) })
			assert.True(t, strings.HasPrefix(msg, "ginprom: "), "message %q", msg)
			assert.Contains(t, msg, strconv.Quote(tc.label))
			assert.Contains(t, msg, "WithDefaultLabels")
		})
	}
}
