package ginprom_test

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decoKind is one of the four decorator constructors, for tests that hold
// for every kind of decorator metric.
type decoKind struct {
	name string
	// make is the constructor, as a method expression.
	make func(m *ginprom.Metrics, name, help string, labels ginprom.Labels, opts ...ginprom.MetricOption) gin.HandlerFunc
	// typ is the type in the text exposition; suffix is what the
	// constructor adds to the name.
	typ, suffix string
}

var (
	decoCounter   = decoKind{"Counter", (*ginprom.Metrics).Counter, "counter", "_total"}
	decoGauge     = decoKind{"Gauge", (*ginprom.Metrics).Gauge, "gauge", ""}
	decoSummary   = decoKind{"Summary", (*ginprom.Metrics).Summary, "summary", ""}
	decoHistogram = decoKind{"Histogram", (*ginprom.Metrics).Histogram, "histogram", ""}

	decoKinds = []decoKind{decoCounter, decoGauge, decoSummary, decoHistogram}
	// decoAfterKinds record after the rest of the chain.
	decoAfterKinds = []decoKind{decoCounter, decoSummary, decoHistogram}
)

// observer reports whether the kind observes durations.
func (k decoKind) observer() bool { return k.typ == "summary" || k.typ == "histogram" }

// perRequest is what one finished request adds to the kind's series: one
// count or sample, or nothing for a gauge.
func (k decoKind) perRequest() float64 {
	if k.typ == "gauge" {
		return 0
	}
	return 1
}

// decoRequireSeries asserts that the family name, of kind k, holds exactly
// the series of want, keyed by their labels as samples keys them: their
// value for counters and gauges, through requireExposition, and their
// sample count for summaries and histograms.
func decoRequireSeries(t testing.TB, g prometheus.Gatherer, k decoKind, name, help string, want map[string]float64) {
	t.Helper()
	if k.observer() {
		counts := map[string]uint64{}
		for key, v := range want {
			counts[key] = uint64(v)
		}
		require.Equal(t, counts, samples(t, g, name), "samples of %s", name)
		return
	}
	var b strings.Builder
	if len(want) > 0 {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, k.typ)
	}
	for key, v := range want {
		if key == "" {
			fmt.Fprintf(&b, "%s %g\n", name, v)
		} else {
			fmt.Fprintf(&b, "%s{%s} %g\n", name, key, v)
		}
	}
	requireExposition(t, g, b.String(), name)
}

// decoValue returns the value of the counter or gauge series of family name
// whose labels are labels, and whether the series exists. It reports
// failures with assert, so handlers running on other goroutines may call it.
func decoValue(t testing.TB, g prometheus.Gatherer, name, labels string) (float64, bool) {
	t.Helper()
	mfs, err := g.Gather()
	if !assert.NoError(t, err) {
		return 0, false
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if seriesKey(m.GetLabel()) != labels {
				continue
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue(), true
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

// decoCount returns what a series of kind k holds: the value of a counter or
// gauge, the sample count of a summary or histogram; -1 if it is missing.
func decoCount(t testing.TB, g prometheus.Gatherer, k decoKind, name, labels string) float64 {
	t.Helper()
	if k.observer() {
		n, ok := samples(t, g, name)[labels]
		if !ok {
			return -1
		}
		return float64(n)
	}
	v, ok := decoValue(t, g, name, labels)
	if !ok {
		return -1
	}
	return v
}

// decoPanic calls f, which must panic, and returns the panic value as a
// string.
func decoPanic(t testing.TB, f func()) (msg string) {
	t.Helper()
	defer func() {
		r := recover()
		require.NotNil(t, r, "expected a panic")
		msg = fmt.Sprint(r)
	}()
	f()
	return ""
}

// decoScrape returns the whole text exposition served at /metrics.
func decoScrape(t testing.TB, a *app) string {
	t.Helper()
	w := a.do(http.MethodGet, "/metrics")
	require.Equal(t, http.StatusOK, w.Code)
	return body(t, w.Body)
}

// decoFullPath is a label function giving the route template.
func decoFullPath(c *gin.Context) string { return c.FullPath() }

// decoStatus is a label function giving the status as it is when called.
func decoStatus(c *gin.Context) string { return strconv.Itoa(c.Writer.Status()) }

// decoQuiet is gin.Recovery without the stack trace on stderr.
func decoQuiet() gin.HandlerFunc { return gin.RecoveryWithWriter(io.Discard) }

// TestDecoratorSeries covers what each decorator records per request, and
// which series exist before the first one.
func TestDecoratorSeries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		labels ginprom.Labels
		opts   []ginprom.MetricOption
		key    string // the labels of the one series
		atZero bool   // the series exists before any request
	}{
		{name: "nil labels", labels: nil, key: "", atZero: true},
		{name: "empty labels", labels: ginprom.Labels{}, key: "", atZero: true},
		{name: "static labels", labels: ginprom.Labels{"team": "core"}, key: `team="core"`, atZero: true},
		{name: "WithoutInitialSeries", opts: []ginprom.MetricOption{ginprom.WithoutInitialSeries()}, key: ""},
		{name: "static labels WithoutInitialSeries", labels: ginprom.Labels{"team": "core"}, opts: []ginprom.MetricOption{ginprom.WithoutInitialSeries()}, key: `team="core"`},
		{name: "label function", labels: ginprom.Labels{"route": decoFullPath}, key: `route="/work"`},
	}
	for _, k := range decoKinds {
		for _, tc := range cases {
			t.Run(k.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				a := newApp(t)
				a.r.GET("/work", k.make(a.m, "work", "Work done.", tc.labels, tc.opts...), ok)
				name := "work" + k.suffix

				before := map[string]float64{}
				if tc.atZero {
					before[tc.key] = 0
				}
				decoRequireSeries(t, a.reg, k, name, "Work done.", before)

				for i := 0; i < 3; i++ {
					require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/work").Code)
				}
				decoRequireSeries(t, a.reg, k, name, "Work done.", map[string]float64{tc.key: 3 * k.perRequest()})
				requireLint(t, a.reg)
			})
		}
	}
}

func TestDecoratorCounterName(t *testing.T) {
	t.Parallel()
	cases := []struct{ given, exposed, not string }{
		{given: "jobs", exposed: "jobs_total", not: "jobs"},
		{given: "jobs_total", exposed: "jobs_total", not: "jobs_total_total"},
		{given: "jobs_total_done", exposed: "jobs_total_done_total", not: "jobs_total_done"},
	}
	for _, tc := range cases {
		t.Run(tc.given, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, ginprom.WithoutDefaults())
			a.r.GET("/", a.m.Counter(tc.given, "Jobs.", nil), ok)
			a.do(http.MethodGet, "/")
			requireExposition(t, a.reg, fmt.Sprintf("# HELP %[1]s Jobs.\n# TYPE %[1]s counter\n%[1]s 1\n", tc.exposed), tc.exposed)
			assert.NotContains(t, families(t, a.reg), tc.not)
		})
	}
}

// TestDecoratorRecordsAfterChain: counters, summaries and histograms record
// once the rest of the chain has run, not before it.
func TestDecoratorRecordsAfterChain(t *testing.T) {
	t.Parallel()
	for _, k := range decoAfterKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			name := "after" + k.suffix
			var inside float64
			a.r.GET("/", k.make(a.m, "after", "After.", nil), func(c *gin.Context) {
				inside = decoCount(t, a.reg, k, name, "")
				c.Status(http.StatusOK)
			})
			a.do(http.MethodGet, "/")
			assert.InDelta(t, 0.0, inside, 0, "recorded before the handler returned")
			decoRequireSeries(t, a.reg, k, name, "After.", map[string]float64{"": 1})
		})
	}
}

// TestDecoratorGaugeInProgress: a gauge is 1 while the handler runs, and 0
// afterwards however the handler ends.
func TestDecoratorGaugeInProgress(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		labels  ginprom.Labels
		key     string
		chain   func(gauge, probe gin.HandlerFunc) []gin.HandlerFunc
		panics  bool
		wantRes int
	}{
		{
			name:    "returns",
			chain:   func(g, p gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{g, p, ok} },
			wantRes: http.StatusOK,
		},
		{
			name:    "aborts",
			chain:   func(g, p gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{g, p, abort503} },
			wantRes: http.StatusServiceUnavailable,
		},
		{
			name:   "panics without Recovery",
			chain:  func(g, p gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{g, p, decoBoom} },
			panics: true,
		},
		{
			name:    "panics with Recovery outside",
			chain:   func(g, p gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{decoQuiet(), g, p, decoBoom} },
			wantRes: http.StatusInternalServerError,
		},
		{
			name:    "panics with Recovery inside",
			chain:   func(g, p gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{g, decoQuiet(), p, decoBoom} },
			wantRes: http.StatusInternalServerError,
		},
		{
			name:    "label function",
			labels:  ginprom.Labels{"route": decoFullPath},
			key:     `route="/"`,
			chain:   func(g, p gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{g, p, ok} },
			wantRes: http.StatusOK,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			inside, found := 0.0, false
			probe := func(c *gin.Context) { inside, found = decoValue(t, a.reg, "busy", tc.key) }
			a.r.GET("/", tc.chain(a.m.Gauge("busy", "Requests in progress.", tc.labels), probe)...)
			if tc.panics {
				assert.PanicsWithValue(t, "boom", func() { a.do(http.MethodGet, "/") })
			} else {
				assert.Equal(t, tc.wantRes, a.do(http.MethodGet, "/").Code)
			}
			assert.True(t, found, "no series while the handler ran")
			assert.InDelta(t, 1.0, inside, 0, "gauge inside the handler")
			decoRequireSeries(t, a.reg, decoGauge, "busy", "Requests in progress.", map[string]float64{tc.key: 0})
		})
	}
}

func abort503(c *gin.Context) { c.AbortWithStatus(http.StatusServiceUnavailable) }

func decoBoom(*gin.Context) { panic("boom") }

// TestDecoratorGaugeConcurrent: the gauge counts every request in progress.
func TestDecoratorGaugeConcurrent(t *testing.T) {
	t.Parallel()
	const n = 3
	a := newApp(t)
	entered, release := make(chan struct{}), make(chan struct{})
	a.r.GET("/", a.m.Gauge("busy", "Requests in progress.", nil), func(c *gin.Context) {
		entered <- struct{}{}
		<-release
		c.Status(http.StatusOK)
	})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.do(http.MethodGet, "/")
		}()
	}
	for i := 0; i < n; i++ {
		<-entered
	}
	decoRequireSeries(t, a.reg, decoGauge, "busy", "Requests in progress.", map[string]float64{"": n})
	close(release)
	wg.Wait()
	decoRequireSeries(t, a.reg, decoGauge, "busy", "Requests in progress.", map[string]float64{"": 0})
}

// TestDecoratorSharedAcrossRoutes: one decorator on many routes is one
// metric.
func TestDecoratorSharedAcrossRoutes(t *testing.T) {
	t.Parallel()
	for _, k := range decoKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			d := k.make(a.m, "shared", "Shared.", ginprom.Labels{"app": "shop"})
			a.r.GET("/a", d, ok)
			a.r.POST("/b/:id", d, ok)
			a.r.Group("/g", d).GET("/c", ok)
			var inside []float64
			a.r.PUT("/d", d, func(c *gin.Context) {
				inside = append(inside, decoCount(t, a.reg, k, "shared"+k.suffix, `app="shop"`))
			})
			for _, req := range [][2]string{{"GET", "/a"}, {"POST", "/b/1"}, {"GET", "/g/c"}, {"PUT", "/d"}, {"PUT", "/d"}} {
				a.do(req[0], req[1])
			}
			decoRequireSeries(t, a.reg, k, "shared"+k.suffix, "Shared.", map[string]float64{`app="shop"`: 5 * k.perRequest()})
			if k.typ == "gauge" {
				assert.Equal(t, []float64{1, 1}, inside)
			}
		})
	}
}

// TestDecoratorAppBuiltTwice: building the same app twice on one registry
// reuses the decorator metrics, which then count for both.
func TestDecoratorAppBuiltTwice(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		labels ginprom.Labels
		key    string
	}{
		{name: "static labels", labels: ginprom.Labels{"app": "shop"}, key: `app="shop"`},
		{name: "label function", labels: ginprom.Labels{"route": decoFullPath}, key: `route="/x"`},
	}
	for _, k := range decoKinds {
		for _, tc := range cases {
			t.Run(k.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				reg := prometheus.NewRegistry()
				build := func() *gin.Engine {
					r := gin.New()
					m := ginprom.New(r, ginprom.WithRegistry(reg))
					r.GET("/x", k.make(m, "built", "Built twice.", tc.labels), ok)
					return r
				}
				first := build()
				var second *gin.Engine
				require.NotPanics(t, func() { second = build() })
				serve(first, http.MethodGet, "/x")
				serve(second, http.MethodGet, "/x")
				decoRequireSeries(t, reg, k, "built"+k.suffix, "Built twice.", map[string]float64{tc.key: 2 * k.perRequest()})
			})
		}
	}
}

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
