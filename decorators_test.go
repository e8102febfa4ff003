package ginprom_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
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
