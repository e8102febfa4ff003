package ginprom_test

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecoratorConflictPanics: a metric of the same name with another
// definition panics at setup, naming the metric.
func TestDecoratorConflictPanics(t *testing.T) {
	t.Parallel()
	f := decoFullPath
	cases := []struct {
		name          string
		first, second func(m *ginprom.Metrics)
		metric        string
	}{
		{
			name:   "counter then gauge",
			first:  func(m *ginprom.Metrics) { m.Counter("jobs", "Jobs.", nil) },
			second: func(m *ginprom.Metrics) { m.Gauge("jobs_total", "Jobs.", nil) },
			metric: "jobs_total",
		},
		{
			name:   "gauge then counter",
			first:  func(m *ginprom.Metrics) { m.Gauge("jobs_total", "Jobs.", nil) },
			second: func(m *ginprom.Metrics) { m.Counter("jobs", "Jobs.", nil) },
			metric: "jobs_total",
		},
		{
			name:   "histogram then summary",
			first:  func(m *ginprom.Metrics) { m.Histogram("took_seconds", "Took.", nil) },
			second: func(m *ginprom.Metrics) { m.Summary("took_seconds", "Took.", nil) },
			metric: "took_seconds",
		},
		{
			name:   "summary then histogram",
			first:  func(m *ginprom.Metrics) { m.Summary("took_seconds", "Took.", nil) },
			second: func(m *ginprom.Metrics) { m.Histogram("took_seconds", "Took.", nil) },
			metric: "took_seconds",
		},
		{
			name:   "other label function names",
			first:  func(m *ginprom.Metrics) { m.Counter("jobs", "Jobs.", ginprom.Labels{"a": f}) },
			second: func(m *ginprom.Metrics) { m.Counter("jobs", "Jobs.", ginprom.Labels{"b": f}) },
			metric: "jobs_total",
		},
		{
			name:   "other static label names",
			first:  func(m *ginprom.Metrics) { m.Gauge("busy", "Busy.", ginprom.Labels{"a": "1"}) },
			second: func(m *ginprom.Metrics) { m.Gauge("busy", "Busy.", ginprom.Labels{"b": "1"}) },
			metric: "busy",
		},
		{
			name:   "a label more",
			first:  func(m *ginprom.Metrics) { m.Histogram("took_seconds", "Took.", nil) },
			second: func(m *ginprom.Metrics) { m.Histogram("took_seconds", "Took.", ginprom.Labels{"a": f}) },
			metric: "took_seconds",
		},
		{
			name:   "other help",
			first:  func(m *ginprom.Metrics) { m.Counter("jobs", "Jobs.", nil) },
			second: func(m *ginprom.Metrics) { m.Counter("jobs", "Other jobs.", nil) },
			metric: "jobs_total",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			require.NotPanics(t, func() { tc.first(a.m) })
			msg := decoPanic(t, func() { tc.second(a.m) })
			assert.Contains(t, msg, "ginprom: ")
			assert.Contains(t, msg, strconv.Quote(tc.metric))
		})
	}
}

// TestDecoratorSetupErrorsPanic: invalid definitions panic in the
// constructor, with a message naming what to fix.
func TestDecoratorSetupErrorsPanic(t *testing.T) {
	t.Parallel()
	f := decoFullPath
	var nilFunc func(*gin.Context) string
	cases := []struct {
		name    string
		make    func(m *ginprom.Metrics)
		culprit []string
	}{
		{"metric name with a leading digit", func(m *ginprom.Metrics) { m.Gauge("1x", "H.", nil) }, []string{`"1x"`, "valid metric name"}},
		{"metric name with a dash", func(m *ginprom.Metrics) { m.Histogram("a-b", "H.", nil) }, []string{`"a-b"`, "valid metric name"}},
		{"counter name with a dash", func(m *ginprom.Metrics) { m.Counter("a-b", "H.", nil) }, []string{"a-b", "valid metric name"}},
		{"counter name with a leading digit", func(m *ginprom.Metrics) { m.Counter("1x", "H.", nil) }, []string{"1x", "valid metric name"}},
		{"empty gauge name", func(m *ginprom.Metrics) { m.Gauge("", "H.", nil) }, []string{"valid metric name"}},
		{"empty summary name", func(m *ginprom.Metrics) { m.Summary("", "H.", nil) }, []string{"valid metric name"}},
		{"empty help", func(m *ginprom.Metrics) { m.Summary("took_seconds", "", nil) }, []string{"took_seconds", "help"}},
		{"label name with a leading digit", func(m *ginprom.Metrics) { m.Counter("jobs", "H.", ginprom.Labels{"1x": "v"}) }, []string{"jobs", `"1x"`, "valid label name"}},
		{"label name with a double underscore", func(m *ginprom.Metrics) { m.Gauge("busy", "H.", ginprom.Labels{"__x": f}) }, []string{"busy", `"__x"`, "valid label name"}},
		{"label name with a dash", func(m *ginprom.Metrics) { m.Summary("s", "H.", ginprom.Labels{"a-b": "v"}) }, []string{`"a-b"`, "valid label name"}},
		{"empty label name", func(m *ginprom.Metrics) { m.Histogram("h", "H.", ginprom.Labels{"": "v"}) }, []string{`""`, "valid label name"}},
		{"le on a histogram", func(m *ginprom.Metrics) { m.Histogram("took_seconds", "H.", ginprom.Labels{"le": "1"}) }, []string{"took_seconds", `"le"`}},
		{"le function on a histogram", func(m *ginprom.Metrics) { m.Histogram("took_seconds", "H.", ginprom.Labels{"le": f}) }, []string{"took_seconds", `"le"`}},
		{"quantile on a summary", func(m *ginprom.Metrics) { m.Summary("took_seconds", "H.", ginprom.Labels{"quantile": f}) }, []string{"took_seconds", `"quantile"`}},
		{"slice value", func(m *ginprom.Metrics) { m.Counter("jobs", "H.", ginprom.Labels{"ids": []int{}}) }, []string{"jobs", `"ids"`, "[]int"}},
		{"struct value", func(m *ginprom.Metrics) { m.Gauge("busy", "H.", ginprom.Labels{"s": struct{}{}}) }, []string{"busy", `"s"`, "struct"}},
		{"nil value", func(m *ginprom.Metrics) { m.Summary("s", "H.", ginprom.Labels{"v": nil}) }, []string{`"v"`}},
		{"nil label function", func(m *ginprom.Metrics) { m.Histogram("h", "H.", ginprom.Labels{"v": nilFunc}) }, []string{`"v"`, "nil"}},
		{"function of another type", func(m *ginprom.Metrics) { m.Counter("jobs", "H.", ginprom.Labels{"v": func() string { return "" }}) }, []string{`"v"`, "func(*gin.Context) string"}},
		{"map value", func(m *ginprom.Metrics) { m.Counter("jobs", "H.", ginprom.Labels{"v": map[string]string{}}) }, []string{`"v"`}},
		{"nil option", func(m *ginprom.Metrics) { m.Counter("jobs", "H.", nil, nil) }, []string{"jobs", "nil"}},
		{"nil option after a good one", func(m *ginprom.Metrics) {
			m.Histogram("h", "H.", nil, ginprom.WithMetricBuckets(1), nil)
		}, []string{`"h"`, "option 2", "nil"}},
		{"buckets on a counter", func(m *ginprom.Metrics) { m.Counter("jobs", "H.", nil, ginprom.WithMetricBuckets(1)) }, []string{"jobs", "WithMetricBuckets"}},
		{"buckets on a gauge", func(m *ginprom.Metrics) { m.Gauge("busy", "H.", nil, ginprom.WithMetricBuckets(1)) }, []string{"busy", "WithMetricBuckets"}},
		{"buckets on a summary", func(m *ginprom.Metrics) { m.Summary("s", "H.", nil, ginprom.WithMetricBuckets(1)) }, []string{`"s"`, "WithMetricBuckets"}},
		{"objectives on a counter", func(m *ginprom.Metrics) {
			m.Counter("jobs", "H.", nil, ginprom.WithMetricObjectives(map[float64]float64{0.5: 0.05}))
		}, []string{"jobs", "WithMetricObjectives"}},
		{"objectives on a gauge", func(m *ginprom.Metrics) {
			m.Gauge("busy", "H.", nil, ginprom.WithMetricObjectives(map[float64]float64{0.5: 0.05}))
		}, []string{"busy", "WithMetricObjectives"}},
		{"objectives on a histogram", func(m *ginprom.Metrics) {
			m.Histogram("h", "H.", nil, ginprom.WithMetricObjectives(map[float64]float64{0.5: 0.05}))
		}, []string{`"h"`, "WithMetricObjectives"}},
		{"equal buckets", func(m *ginprom.Metrics) { m.Histogram("h", "H.", nil, ginprom.WithMetricBuckets(1, 1)) }, []string{`"h"`, "WithMetricBuckets", "increasing"}},
		{"decreasing buckets", func(m *ginprom.Metrics) { m.Histogram("h", "H.", nil, ginprom.WithMetricBuckets(2, 1)) }, []string{`"h"`, "WithMetricBuckets", "increasing"}},
		{"NaN bucket", func(m *ginprom.Metrics) { m.Histogram("h", "H.", nil, ginprom.WithMetricBuckets(1, math.NaN())) }, []string{`"h"`, "WithMetricBuckets", "NaN"}},
		{"quantile above 1", func(m *ginprom.Metrics) {
			m.Summary("s", "H.", nil, ginprom.WithMetricObjectives(map[float64]float64{1.5: 0.01}))
		}, []string{`"s"`, "WithMetricObjectives", "1.5"}},
		{"quantile below 0", func(m *ginprom.Metrics) {
			m.Summary("s", "H.", nil, ginprom.WithMetricObjectives(map[float64]float64{-0.1: 0.01}))
		}, []string{`"s"`, "WithMetricObjectives", "-0.1"}},
		{"error above 1", func(m *ginprom.Metrics) {
			m.Summary("s", "H.", nil, ginprom.WithMetricObjectives(map[float64]float64{0.5: 2}))
		}, []string{`"s"`, "WithMetricObjectives", "2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			msg := decoPanic(t, func() { tc.make(a.m) })
			assert.True(t, strings.HasPrefix(msg, "ginprom: "), "message %q", msg)
			for _, c := range tc.culprit {
				assert.Contains(t, msg, c)
			}
			// The error is in the definition, not a clash in the registry.
			assert.NotContains(t, msg, "registered", "misleading message")
		})
	}
}

// Regression tests for bugs found while writing the tests above.

// TestDecoratorCounterEmptyNamePanics: an empty name is an invalid metric
// name, so Counter panics instead of appending "_total" and registering a
// metric called "_total".
func TestDecoratorCounterEmptyNamePanics(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithoutDefaults())
	assert.Panics(t, func() { a.m.Counter("", "Jobs.", nil) }, "Counter with an empty name")
	assert.NotContains(t, families(t, a.reg), "_total")
}

// TestDecoratorTypeConflictWithOtherStaticValuesPanics: the same name with
// another type panics at setup, also when only the static values differ,
// which the registry would accept as constant labels, every scrape failing
// afterwards.
func TestDecoratorTypeConflictWithOtherStaticValuesPanics(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.m.Counter("jobs", "Jobs.", ginprom.Labels{"queue": "a"})
	assert.Panics(t, func() { a.m.Gauge("jobs_total", "Jobs.", ginprom.Labels{"queue": "b"}) }, "Gauge named like an existing counter")
	assert.Equal(t, http.StatusOK, a.do(http.MethodGet, "/metrics").Code, "scrape after setup")
}

// TestDecoratorLabelFunctionSeesPanicStatusAfterWrite: for a panicking
// handler label functions see 500, as the default metrics record it, also
// when the handler wrote a status before panicking.
func TestDecoratorLabelFunctionSeesPanicStatusAfterWrite(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	r := gin.New()
	r.Use(decoQuiet())
	m := ginprom.New(r, ginprom.WithRegistry(reg))
	r.GET("/", m.Counter("by_code", "By code.", ginprom.Labels{"code": decoStatus}), func(c *gin.Context) {
		c.String(http.StatusOK, "partial")
		panic("boom")
	})
	serve(r, http.MethodGet, "/")
	requireExposition(t, reg, `
# HELP gin_http_request_exceptions_total Total number of HTTP requests whose handler panicked.
# TYPE gin_http_request_exceptions_total counter
gin_http_request_exceptions_total{method="GET",status="500"} 1
`, "gin_http_request_exceptions_total")
	assert.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP by_code_total By code.
# TYPE by_code_total counter
by_code_total{code="500"} 1
`), "by_code_total"))
}

// TestDecoratorRegisterDefaultRoutesSharingAMetricsPath: RegisterDefault
// decorates every route registered after it except the metrics route;
// routes that merely share the path of a metrics route (another method, or
// another engine) are decorated.
func TestDecoratorRegisterDefaultRoutesSharingAMetricsPath(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.m.RegisterDefault(a.m.Counter("routed", "Routed.", ginprom.Labels{"route": decoFullPath, "method": func(c *gin.Context) string { return c.Request.Method }}))
	admin := gin.New()
	a.m.RegisterEndpoint("/status", admin)
	a.r.POST("/metrics", ok)
	a.r.GET("/status", ok)
	require.Equal(t, http.StatusOK, a.do(http.MethodPost, "/metrics").Code)
	require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/status").Code)
	require.Equal(t, http.StatusOK, serve(admin, http.MethodGet, "/status").Code)
	assert.NoError(t, testutil.GatherAndCompare(a.reg, strings.NewReader(`
# HELP routed_total Routed.
# TYPE routed_total counter
routed_total{method="GET",route="/status"} 1
routed_total{method="POST",route="/metrics"} 1
`), "routed_total"))
}

// TestDecoratorObservesTheChain: summaries and histograms observe the time
// spent in the rest of the chain, at least what the handler measured
// itself.
func TestDecoratorObservesTheChain(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"histogram", "summary"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, ginprom.WithoutDefaults())
			var observe gin.HandlerFunc
			if kind == "summary" {
				observe = a.m.Summary("slow_seconds", "Slow.", nil)
			} else {
				observe = a.m.Histogram("slow_seconds", "Slow.", nil)
			}
			var took time.Duration
			a.r.GET("/slow", observe, coreSlow(&took))
			a.do(http.MethodGet, "/slow")

			require.Equal(t, map[string]uint64{"": 1}, samples(t, a.reg, "slow_seconds"))
			assert.GreaterOrEqual(t, sums(t, a.reg, "slow_seconds")[""], took.Seconds())
			if kind == "histogram" {
				b := buckets(t, a.reg, "slow_seconds", "")
				assert.Equal(t, uint64(0), b[0.025], "requests of at most 25 ms")
				assert.Equal(t, uint64(1), b[10], "requests of at most 10 s")
			}
		})
	}
}

// TestDecoratorOtherBucketsOrObjectivesPanic: the registry does not compare
// buckets or objectives, so ginprom does: a histogram or summary made again
// under the same name with other ones panics, with the same ones it is
// reused.
func TestDecoratorOtherBucketsOrObjectivesPanic(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithoutDefaults())
	a.m.Histogram("h_seconds", "H.", nil, ginprom.WithMetricBuckets(1, 2))
	assert.NotPanics(t, func() { a.m.Histogram("h_seconds", "H.", nil, ginprom.WithMetricBuckets(1, 2)) })
	msg := decoPanic(t, func() { a.m.Histogram("h_seconds", "H.", nil, ginprom.WithMetricBuckets(5, 10)) })
	assert.Contains(t, msg, `"h_seconds"`)
	assert.Contains(t, msg, "buckets")

	objectives := map[float64]float64{0.5: 0.05}
	a.m.Summary("s_seconds", "S.", nil, ginprom.WithMetricObjectives(objectives))
	assert.NotPanics(t, func() { a.m.Summary("s_seconds", "S.", nil, ginprom.WithMetricObjectives(objectives)) })
	msg = decoPanic(t, func() { a.m.Summary("s_seconds", "S.", nil) })
	assert.Contains(t, msg, `"s_seconds"`)
	assert.Contains(t, msg, "objectives")
}

// TestDecoratorForeignCollectorLabelOrder: a collector registered by other
// code under the decorator's definition is reused only if its labels come
// in the order ginprom passes values in; otherwise values would land under
// the wrong names.
func TestDecoratorForeignCollectorLabelOrder(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithoutDefaults())
	a.reg.MustRegister(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "swapped_total", Help: "C."}, []string{"b", "a"}))
	msg := decoPanic(t, func() { a.m.Counter("swapped_total", "C.", ginprom.Labels{"a": "A", "b": "B"}) })
	assert.Contains(t, msg, `"swapped_total"`)

	a.reg.MustRegister(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ordered_total", Help: "C."}, []string{"a", "b"}))
	require.NotPanics(t, func() {
		a.r.GET("/x", a.m.Counter("ordered_total", "C.", ginprom.Labels{"a": "A", "b": "B"}), ok)
	})
	a.do(http.MethodGet, "/x")
	requireExposition(t, a.reg, `
# HELP ordered_total C.
# TYPE ordered_total counter
ordered_total{a="A",b="B"} 1
`, "ordered_total")
}
