package ginprom_test

import (
	"io"
	"math/rand/v2"
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

// The series budget of the request families: past WithSeriesLimit, a
// request that would make a new series goes to the overflow series, whose
// values from the request read Overflow; method and status keep theirs.

const durationName = "gin_http_request_duration_seconds"

// sumCounts returns the sum of the values of samples.
func sumCounts(got map[string]uint64) uint64 {
	var n uint64
	for _, c := range got {
		n += c
	}
	return n
}

// TestRequestBudgetGroupByPath: 3,000 distinct paths under a budget of 100
// make 100 series and one overflow series; the counts add up to 3,000, a
// series made before the budget was spent keeps counting, and the overflow
// counter shows exactly the 2,900 that overflowed. The request counter has
// no path label, so its series are no overflow series.
func TestRequestBudgetGroupByPath(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(100), ginprom.WithGroupBy(ginprom.GroupByPath))
	a.r.GET("/items/:id", ok)
	for i := range 3000 {
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/items/"+strconv.Itoa(i)).Code)
	}
	a.do(http.MethodGet, "/items/7")

	got := samples(t, a.reg, durationName)
	assert.Len(t, got, 101)
	assert.Equal(t, uint64(3001), sumCounts(got))
	assert.Equal(t, uint64(2), got[`method="GET",path="/items/7",status="200"`])
	assert.Equal(t, uint64(2900), got[`method="GET",path="<overflow>",status="200"`], "method and status keep theirs")
	assert.InDelta(t, 3001, counterValues(t, a.reg, "gin_http_request_total")[`method="GET",status="200"`], 0)
	requireExposition(t, a.reg, budgetOverflowHead+`gin_series_overflow_total{metric="gin_http_request_duration_seconds"} 2900
`, "gin_series_overflow_total")
	requireLint(t, a.reg)
}

// TestRequestBudgetGroupByFunc: the same with a GroupByFunc value from a
// header, and another status, which makes its own overflow series.
func TestRequestBudgetGroupByFunc(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(100),
		ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", func(c *gin.Context) string { return c.GetHeader("X-Tenant") })))
	a.r.GET("/", func(c *gin.Context) {
		if c.Query("fail") != "" {
			c.Status(http.StatusServiceUnavailable)
			return
		}
		c.Status(http.StatusOK)
	})
	for i := range 3000 {
		serve(a.r, http.MethodGet, "/", "X-Tenant", "t"+strconv.Itoa(i))
	}
	serve(a.r, http.MethodGet, "/?fail=1", "X-Tenant", "t5")
	serve(a.r, http.MethodGet, "/", "X-Tenant", "t5")

	got := samples(t, a.reg, durationName)
	assert.Len(t, got, 102)
	assert.Equal(t, uint64(3002), sumCounts(got))
	assert.Equal(t, uint64(2), got[`method="GET",status="200",tenant="t5"`])
	assert.Equal(t, uint64(2900), got[`method="GET",status="200",tenant="<overflow>"`])
	assert.Equal(t, uint64(1), got[`method="GET",status="503",tenant="<overflow>"`], "a new status of a known tenant is a new series")
	requireExposition(t, a.reg, budgetOverflowHead+`gin_series_overflow_total{metric="gin_http_request_duration_seconds"} 2901
`, "gin_series_overflow_total")
}

// TestRequestBudgetDefaultLabel: a function-valued default label overflows
// the duration and the request counter, which both carry it; the static
// default label keeps its value. The exceptions carry it too: their series
// of the overflow counter shows 0, with no handler panicking.
func TestRequestBudgetDefaultLabel(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(100), ginprom.WithDefaultLabels(ginprom.Labels{
		"tenant": func(c *gin.Context) string { return c.GetHeader("X-Tenant") },
		"app":    "shop",
	}))
	a.r.GET("/", ok)
	for i := range 3000 {
		serve(a.r, http.MethodGet, "/", "X-Tenant", "t"+strconv.Itoa(i))
	}
	got := samples(t, a.reg, durationName)
	assert.Len(t, got, 101)
	assert.Equal(t, uint64(3000), sumCounts(got))
	assert.Equal(t, uint64(2900), got[`app="shop",method="GET",path="/",status="200",tenant="<overflow>"`])
	totals := counterValues(t, a.reg, "gin_http_request_total")
	assert.Len(t, totals, 101)
	assert.InDelta(t, 2900, totals[`app="shop",method="GET",status="200",tenant="<overflow>"`], 0)
	requireExposition(t, a.reg, budgetOverflowHead+`gin_series_overflow_total{metric="gin_http_request_duration_seconds"} 2900
gin_series_overflow_total{metric="gin_http_request_exceptions_total"} 0
gin_series_overflow_total{metric="gin_http_request_total"} 2900
`, "gin_series_overflow_total")
	requireLint(t, a.reg)
}

// TestRequestBudgetEachFamily: every request family that shares the
// duration's series counts its own overflow: the sizes, the request
// counter with the path (WithTotalsByGroup) and the exceptions; the
// in-flight gauge takes no value from requests and never overflows.
func TestRequestBudgetEachFamily(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	r := gin.New()
	r.Use(gin.RecoveryWithWriter(io.Discard))
	ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithSeriesLimit(10), ginprom.WithGroupBy(ginprom.GroupByPath),
		ginprom.WithRequestSize(), ginprom.WithResponseSize(), ginprom.WithTotalsByGroup(), ginprom.WithInFlight())
	r.GET("/a/:id", ok)
	r.GET("/p/:id", func(*gin.Context) { panic("boom") })
	for i := range 25 {
		serve(r, http.MethodGet, "/a/"+strconv.Itoa(i))
	}
	for i := range 25 {
		serve(r, http.MethodGet, "/p/"+strconv.Itoa(i))
	}
	// 10 series of /a/ take the budget: 15 more of /a/ and 25 of /p/
	// overflow, and every /p/ request is an exception.
	requireExposition(t, reg, budgetOverflowHead+`gin_series_overflow_total{metric="gin_http_request_duration_seconds"} 40
gin_series_overflow_total{metric="gin_http_request_exceptions_total"} 25
gin_series_overflow_total{metric="gin_http_request_size_bytes"} 40
gin_series_overflow_total{metric="gin_http_request_total"} 40
gin_series_overflow_total{metric="gin_http_response_size_bytes"} 40
`, "gin_series_overflow_total")
	requireExposition(t, reg, `# HELP gin_http_request_exceptions_total Total number of HTTP requests whose handler panicked.
# TYPE gin_http_request_exceptions_total counter
gin_http_request_exceptions_total{method="GET",path="<overflow>",status="500"} 25
`, "gin_http_request_exceptions_total")
	assert.Len(t, samples(t, reg, durationName), 12)
	assert.Len(t, samples(t, reg, "gin_http_response_size_bytes"), 12)
	assert.Len(t, counterValues(t, reg, "gin_http_request_total"), 12)
	requireLint(t, reg)
}

// TestRequestBudgetWithinLimit: a family within its budget shows nothing
// in the overflow counter (its series appears, at 0, once the family takes
// the budget's last series), and no limit (0) takes every series.
func TestRequestBudgetWithinLimit(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{0, 50} {
		a := newApp(t, ginprom.WithSeriesLimit(limit), ginprom.WithGroupBy(ginprom.GroupByPath))
		a.r.GET("/items/:id", ok)
		n := 40
		if limit == 0 {
			n = 500
		}
		for i := range n {
			a.do(http.MethodGet, "/items/"+strconv.Itoa(i))
		}
		assert.Len(t, samples(t, a.reg, durationName), n)
		requireExposition(t, a.reg, "", "gin_series_overflow_total")
	}
}

// TestRequestBudgetConcurrent: goroutines send seeded random paths, tenants
// and statuses under a small budget while the registry is scraped; every
// request is counted exactly once, the series stay within the budget plus
// one overflow series per method and status, and the overflow counter
// equals the requests in overflow series.
func TestRequestBudgetConcurrent(t *testing.T) {
	t.Parallel()
	const limit, workers, each = 40, 8, 400
	a := newApp(t, ginprom.WithSeriesLimit(limit), ginprom.WithGroupBy(ginprom.GroupByPath),
		ginprom.WithDefaultLabels(ginprom.Labels{"tenant": func(c *gin.Context) string { return c.GetHeader("X-Tenant") }}),
		ginprom.WithNativeHistograms(1.1))
	a.r.GET("/items/:id", func(c *gin.Context) {
		code, _ := strconv.Atoi(c.Query("s"))
		c.Status(code)
	})
	seed := rand.Uint64() //nolint:gosec // G404: the seed of a randomized test, logged to reproduce a run; not a secret.
	t.Logf("seed %d", seed)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(w))) //nolint:gosec // G404: a seeded test, not a secret.
			for range each {
				target := "/items/" + strconv.Itoa(rng.IntN(200)) + "?s=" + []string{"200", "404", "500"}[rng.IntN(3)]
				serve(a.r, http.MethodGet, target, "X-Tenant", "t"+strconv.Itoa(rng.IntN(5)))
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			_, err := a.reg.Gather()
			assert.NoError(t, err)
		}
	})
	wg.Wait()

	got := samples(t, a.reg, durationName)
	assert.Equal(t, uint64(workers*each), sumCounts(got))
	assert.LessOrEqual(t, len(got), limit+3, "the budget, and an overflow series per status")
	var overflowed uint64
	for key, n := range got {
		if overflowSeriesKey(key) {
			overflowed += n
		}
	}
	require.Positive(t, overflowed, "seed %d: nothing overflowed", seed)
	values := counterValues(t, a.reg, "gin_series_overflow_total")
	assert.InDelta(t, float64(overflowed), values[`metric="gin_http_request_duration_seconds"`], 0)
	assert.InDelta(t, float64(overflowed), values[`metric="gin_http_request_total"`], 0, "the counter carries the tenant")
	mfs, err := a.reg.Gather()
	require.NoError(t, err)
	checkNativeConsistent(t, mfs)
}

// overflowSeriesKey reports whether a series key of seriesKey reads
// Overflow in every value from the request (path and tenant).
func overflowSeriesKey(key string) bool {
	return strings.Contains(key, `path="`+ginprom.Overflow+`"`) && strings.Contains(key, `tenant="`+ginprom.Overflow+`"`)
}

// TestRequestBudgetHidden: under a schema whose duration leaves out the
// group-by value, each path of GroupByPath is a series that stands for the
// one the duration shows; those too are within the budget, so that clients
// choosing paths do not make the store hold memory without bound, while
// every request is counted in the series it shows as.
func TestRequestBudgetHidden(t *testing.T) {
	const limit = 5
	reg := prometheus.NewRegistry()
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithSchema(ginprom.Schema{
		Duration: ginprom.Family{Name: "d_seconds", Labels: []ginprom.Label{{Name: "method", Value: ginprom.Method}}},
		Requests: ginprom.Family{Name: "d_total", Labels: []ginprom.Label{{Name: "method", Value: ginprom.Method}}},
	}), ginprom.WithGroupBy(ginprom.GroupByPath), ginprom.WithSeriesLimit(limit))
	r.GET("/p/:id", ok)
	for i := range 200 {
		serve(r, http.MethodGet, "/p/"+strconv.Itoa(i))
	}
	require.LessOrEqual(t, ginprom.RequestSeriesHeld(m), limit+1)
	requireExposition(t, reg, `
# HELP d_total Total number of HTTP requests served by Gin.
# TYPE d_total counter
d_total{method="GET"} 200
`, "d_total")
}
