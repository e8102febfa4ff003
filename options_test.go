package ginprom_test

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultsPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []ginprom.Option
		want []string // sorted family names after a normal and a panicking request
	}{
		{"default", nil, []string{
			"core_hits_total", "gin_exporter_info", "gin_http_request_duration_seconds",
			"gin_http_request_exceptions_total", "gin_http_request_total",
		}},
		{"myapp", []ginprom.Option{ginprom.WithDefaultsPrefix("myapp")}, []string{
			"core_hits_total", "myapp_exporter_info", "myapp_http_request_duration_seconds",
			"myapp_http_request_exceptions_total", "myapp_http_request_total",
		}},
		{"NoPrefix", []ginprom.Option{ginprom.WithDefaultsPrefix(ginprom.NoPrefix)}, []string{
			"core_hits_total", "exporter_info", "http_request_duration_seconds",
			"http_request_exceptions_total", "http_request_total",
		}},
		{"last wins", []ginprom.Option{ginprom.WithDefaultsPrefix("first"), ginprom.WithDefaultsPrefix("second")}, []string{
			"core_hits_total", "second_exporter_info", "second_http_request_duration_seconds",
			"second_http_request_exceptions_total", "second_http_request_total",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			r := gin.New()
			r.Use(coreRecovery())
			m := ginprom.New(r, append([]ginprom.Option{ginprom.WithRegistry(reg)}, tt.opts...)...)
			r.GET("/a", m.Counter("core_hits", "Hits.", nil), ok)
			r.GET("/p", coreBoom)
			serve(r, http.MethodGet, "/a")
			serve(r, http.MethodGet, "/p")

			assert.Equal(t, tt.want, families(t, reg))
			// The counter of /a and /p together, under the prefixed name.
			total := tt.want[4]
			requireExposition(t, reg, fmt.Sprintf(`# HELP %[1]s Total number of HTTP requests served by Gin.
# TYPE %[1]s counter
%[1]s{method="GET",status="200"} 1
%[1]s{method="GET",status="500"} 1
`, total), total)
		})
	}
}

func TestWithoutDefaults(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithoutDefaults())
	a.m.Info("core_app_info", "App info.", nil)
	ran := 0
	a.r.GET("/a", func(c *gin.Context) {
		ran++
		ok(c)
	})
	mw := a.m.Middleware()
	a.r.GET("/b", mw, ok)

	assert.Equal(t, "ok", a.do(http.MethodGet, "/a").Body.String())
	assert.Equal(t, "ok", a.do(http.MethodGet, "/b").Body.String())
	a.do(http.MethodGet, "/nowhere")
	assert.Equal(t, 1, ran)

	assert.Equal(t, []string{"core_app_info"}, families(t, a.reg))
	w := a.do(http.MethodGet, "/metrics")
	require.Equal(t, http.StatusOK, w.Code)
	coreScrape(w.Body.String()).require(t,
		"# HELP core_app_info App info.\n# TYPE core_app_info gauge\ncore_app_info 1\n")
}

func TestWithBuckets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		buckets []float64
		want    map[float64]uint64
	}{
		// Bounds far above any request's duration: every request lands
		// in each of them.
		{"custom", []float64{1e6, 1e9}, map[float64]uint64{1e6: 1, 1e9: 1}},
		{"one bound", []float64{1e9}, map[float64]uint64{1e9: 1}},
		{"trailing +Inf is implied", []float64{1e9, math.Inf(1)}, map[float64]uint64{1e9: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, ginprom.WithBuckets(tt.buckets...))
			a.r.GET("/a", ok)
			a.do(http.MethodGet, "/a")
			assert.Equal(t, tt.want, buckets(t, a.reg, coreDuration, `method="GET",path="/a",status="200"`))
		})
	}
	t.Run("no buckets keeps the default", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, ginprom.WithBuckets())
		a.r.GET("/a", ok)
		a.do(http.MethodGet, "/a")
		assert.Len(t, buckets(t, a.reg, coreDuration, `method="GET",path="/a",status="200"`), len(ginprom.DefaultBuckets))
	})
}

func TestWithLatencySummary(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithLatencySummary())
	a.r.GET("/a", ok)
	a.do(http.MethodGet, "/a")
	a.do(http.MethodGet, "/a")

	mfs, err := a.reg.Gather()
	require.NoError(t, err)
	found := false
	for _, mf := range mfs {
		if mf.GetName() != coreDuration {
			continue
		}
		found = true
		assert.Equal(t, "SUMMARY", mf.GetType().String())
		require.Len(t, mf.GetMetric(), 1)
		s := mf.GetMetric()[0].GetSummary()
		require.NotNil(t, s)
		assert.Empty(t, s.GetQuantile(), "the summary has no quantiles")
		assert.GreaterOrEqual(t, s.GetSampleSum(), 0.0)
	}
	require.True(t, found)
	assert.Equal(t, map[string]uint64{`method="GET",path="/a",status="200"`: 2}, samples(t, a.reg, coreDuration))
	requireExposition(t, a.reg, coreTotalHead+`gin_http_request_total{method="GET",status="200"} 2`+"\n", coreTotal)
}

// TestDefaultRegistry is the only test that uses client_golang's default
// registry; its prefix keeps it apart from anything else registered there,
// and running it again reuses what the first run registered.
func TestDefaultRegistry(t *testing.T) {
	t.Parallel()
	r := gin.New()
	ginprom.New(r, ginprom.WithDefaultsPrefix("coredefaultreg"))
	r.GET("/a", ok)
	serve(r, http.MethodGet, "/a")

	names := families(t, prometheus.DefaultGatherer)
	assert.Contains(t, names, "coredefaultreg_exporter_info")
	assert.Contains(t, names, "coredefaultreg_http_request_total")
	// The route serves the default gatherer, Go runtime metrics included.
	assert.Contains(t, coreScrape(serve(r, http.MethodGet, "/metrics").Body.String()).families(), "go_goroutines")
}

func TestSameAppTwiceOnOneRegistry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []ginprom.Option
		key  string // the one duration series after a GET /a on each app
	}{
		{"defaults", nil, `method="GET",path="/a",status="200"`},
		{"summary", []ginprom.Option{ginprom.WithLatencySummary()}, `method="GET",path="/a",status="200"`},
		{"buckets", []ginprom.Option{ginprom.WithBuckets(1, 2, 3)}, `method="GET",path="/a",status="200"`},
		{"prefix", []ginprom.Option{ginprom.WithDefaultsPrefix("twice")}, `method="GET",path="/a",status="200"`},
		{
			"static labels",
			[]ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"env": "prod"})},
			`env="prod",method="GET",path="/a",status="200"`,
		},
		{"dynamic labels", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{
			"zone": func(*gin.Context) string { return "z1" },
		})}, `method="GET",path="/a",status="200",zone="z1"`},
		{
			"group by handler",
			[]ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByHandler)},
			`handler="github.com/gin-contrib/ginprom_test.ok",method="GET",status="200"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			name := coreDuration
			if tt.name == "prefix" {
				name = "twice_http_request_duration_seconds"
			}
			for i := 0; i < 2; i++ {
				r := gin.New()
				require.NotPanics(t, func() {
					m := ginprom.New(r, append([]ginprom.Option{ginprom.WithRegistry(reg)}, tt.opts...)...)
					m.Info("core_app_info", "App info.", prometheus.Labels{"v": "1"})
				})
				r.GET("/a", ok)
				serve(r, http.MethodGet, "/a")
			}
			assert.Equal(t, map[string]uint64{tt.key: 2}, samples(t, reg, name))
		})
	}
}

func TestConflictingMetricPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		before  func(reg *prometheus.Registry)
		opts    []ginprom.Option
		culprit string
	}{
		{
			name: "exceptions registered as a gauge",
			before: func(reg *prometheus.Registry) {
				reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: coreExceptions, Help: "Not ours."}))
			},
			culprit: coreExceptions,
		},
		{
			name: "exceptions with the same labels but another help",
			before: func(reg *prometheus.Registry) {
				reg.MustRegister(prometheus.NewCounterVec(prometheus.CounterOpts{Name: coreExceptions, Help: "Not ours."},
					[]string{"method", "status"}))
			},
			culprit: coreExceptions,
		},
		{
			name: "total with other labels",
			before: func(reg *prometheus.Registry) {
				reg.MustRegister(prometheus.NewCounterVec(prometheus.CounterOpts{
					Name: coreTotal, Help: "Total number of HTTP requests served by Gin.",
				}, []string{"code"}))
			},
			culprit: coreTotal,
		},
		{
			name: "duration registered as a counter",
			before: func(reg *prometheus.Registry) {
				reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: coreDuration, Help: "Not ours."}))
			},
			culprit: coreDuration,
		},
		{
			name: "exporter info registered as a counter",
			before: func(reg *prometheus.Registry) {
				reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{
					Name: coreInfo, Help: "Information about the ginprom exporter; always 1.",
					ConstLabels: prometheus.Labels{"version": ginprom.Version},
				}))
			},
			culprit: coreInfo,
		},
		{
			name:    "summary after histogram",
			before:  func(reg *prometheus.Registry) { ginprom.New(nil, ginprom.WithRegistry(reg)) },
			opts:    []ginprom.Option{ginprom.WithLatencySummary()},
			culprit: coreDuration,
		},
		{
			name: "histogram after summary",
			before: func(reg *prometheus.Registry) {
				ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithLatencySummary())
			},
			culprit: coreDuration,
		},
		{
			name:    "other buckets",
			before:  func(reg *prometheus.Registry) { ginprom.New(nil, ginprom.WithRegistry(reg)) },
			opts:    []ginprom.Option{ginprom.WithBuckets(1, 2)},
			culprit: coreDuration,
		},
		{
			name:    "other group-by label",
			before:  func(reg *prometheus.Registry) { ginprom.New(nil, ginprom.WithRegistry(reg)) },
			opts:    []ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByHandler)},
			culprit: coreDuration,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			tt.before(reg)
			coreRequireSetupPanic(t, tt.culprit, func() {
				ginprom.New(nil, append([]ginprom.Option{ginprom.WithRegistry(reg)}, tt.opts...)...)
			})
		})
	}
}

func TestSetupErrorsPanic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    []ginprom.Option
		culprit string
	}{
		{"nil option", []ginprom.Option{nil}, "option 2 of 2"},
		{"nil option after others", []ginprom.Option{ginprom.WithPath("/m"), nil}, "option 3 of 3"},
		{"path without slash", []ginprom.Option{ginprom.WithPath("metrics")}, `WithPath("metrics")`},
		{"nil metrics middleware", []ginprom.Option{ginprom.WithMetricsMiddleware(nil)}, "WithMetricsMiddleware"},
		{"second metrics middleware nil", []ginprom.Option{ginprom.WithMetricsMiddleware(ok, nil)}, "handler 2"},
		{"prefix with a leading digit", []ginprom.Option{ginprom.WithDefaultsPrefix("1bad")}, `"1bad"`},
		{"prefix with a dash", []ginprom.Option{ginprom.WithDefaultsPrefix("my-app")}, `"my-app"`},
		{"decreasing buckets", []ginprom.Option{ginprom.WithBuckets(1, 0.5)}, "0.5"},
		{"repeated bucket", []ginprom.Option{ginprom.WithBuckets(1, 2, 2)}, "WithBuckets"},
		{"NaN bucket", []ginprom.Option{ginprom.WithBuckets(1, math.NaN())}, "NaN"},
		{"bad regular expression", []ginprom.Option{ginprom.WithExcludedPaths("(")}, `"("`},
		{"second regular expression bad", []ginprom.Option{ginprom.WithExcludedPaths("/ok", "[z-a]")}, `"[z-a]"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			coreRequireSetupPanic(t, tt.culprit, func() {
				ginprom.New(nil, append([]ginprom.Option{ginprom.WithRegistry(prometheus.NewRegistry())}, tt.opts...)...)
			})
		})
	}
	t.Run("only nil option", func(t *testing.T) {
		t.Parallel()
		coreRequireSetupPanic(t, "nil", func() { ginprom.New(nil, nil) })
	})
}

// TestDefaultBucketsAreCopied: metrics copy DefaultBuckets when they are
// made, so changing the variable later does not reach them. Not parallel:
// it changes a package variable, and restores it.
func TestDefaultBucketsAreCopied(t *testing.T) {
	saved := slices.Clone(ginprom.DefaultBuckets)
	defer copy(ginprom.DefaultBuckets, saved)

	a := newApp(t)
	a.r.GET("/x", a.m.Histogram("x_seconds", "X.", nil), ok)
	a.do(http.MethodGet, "/x")
	ginprom.DefaultBuckets[0] = 100
	a.do(http.MethodGet, "/x")

	bounds := func(b map[float64]uint64) []float64 {
		keys := slices.Collect(maps.Keys(b))
		slices.Sort(keys)
		return keys
	}
	want := saved // the exposition's +Inf bucket is implicit
	assert.Equal(t, want, bounds(buckets(t, a.reg, coreDuration, `method="GET",path="/x",status="200"`)))
	assert.Equal(t, want, bounds(buckets(t, a.reg, "x_seconds", "")))
	requireLint(t, a.reg)
}

// TestWithRegistryTypedNil: a nil *prometheus.Registry keeps the default
// registry, as a nil Registry does, instead of failing inside New.
func TestWithRegistryTypedNil(t *testing.T) {
	var reg *prometheus.Registry
	require.NotPanics(t, func() {
		ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithDefaultsPrefix("typed_nil"))
	})
	assert.Contains(t, families(t, prometheus.DefaultGatherer), "typed_nil_exporter_info")
}
