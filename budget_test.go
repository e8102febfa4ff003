package ginprom_test

import (
	"fmt"
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

const budgetOverflowHead = `# HELP gin_series_overflow_total Observations recorded in a family's overflow series because the family had reached its series budget (WithSeriesLimit), by family.
# TYPE gin_series_overflow_total counter
`

// counterValues returns the value of each series of the counter family
// name, keyed as seriesKey keys them.
func counterValues(t testing.TB, g prometheus.Gatherer, name string) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				out[seriesKey(m.GetLabel())] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}

func total(values map[string]float64) float64 {
	var n float64
	for _, v := range values {
		n += v
	}
	return n
}

// TestSeriesLimitDecoratorLabelFunction: a label function that returns
// 3,000 distinct values under a budget of 100 makes the first 100 series
// and one overflow series; the counts add up to 3,000 and the overflow
// counter shows the 2,900 that went to the overflow series.
func TestSeriesLimitDecoratorLabelFunction(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(100))
	a.r.GET("/items/:id", a.m.Counter("items", "Items.", ginprom.Labels{
		"id":  func(c *gin.Context) string { return c.Param("id") },
		"app": "shop",
	}), ok)
	for i := range 3000 {
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/items/"+strconv.Itoa(i)).Code)
	}
	// A series made before the budget was spent keeps counting.
	a.do(http.MethodGet, "/items/7")

	got := counterValues(t, a.reg, "items_total")
	assert.Len(t, got, 101)
	assert.InDelta(t, 3001, total(got), 0)
	assert.InDelta(t, 2, got[`app="shop",id="7"`], 0)
	assert.InDelta(t, 2900, got[`app="shop",id="<overflow>"`], 0, "the overflow series keeps the static value")
	requireExposition(t, a.reg, budgetOverflowHead+`gin_series_overflow_total{metric="items_total"} 2900
`, "gin_series_overflow_total")
	requireLint(t, a.reg)
}

// TestSeriesLimitDefaultLabelFunction: the same for a function-valued
// label of WithDefaultLabels on a histogram decorator, with the prefix of
// WithDefaultsPrefix on the overflow counter.
func TestSeriesLimitDefaultLabelFunction(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(100), ginprom.WithDefaultsPrefix("shop"),
		ginprom.WithDefaultLabels(ginprom.Labels{"tenant": func(c *gin.Context) string { return c.GetHeader("X-Tenant") }}))
	a.r.GET("/", a.m.Histogram("took_seconds", "Took.", nil), ok)
	for i := range 3000 {
		serve(a.r, http.MethodGet, "/", "X-Tenant", "t"+strconv.Itoa(i))
	}
	got := samples(t, a.reg, "took_seconds")
	assert.Len(t, got, 101)
	var n uint64
	for _, c := range got {
		n += c
	}
	assert.Equal(t, uint64(3000), n)
	assert.Equal(t, uint64(2900), got[`tenant="<overflow>"`])
	// The request families carry the tenant too, and overflow alike; the
	// exceptions carry it, and show 0 from the budget's last series.
	requireExposition(t, a.reg, strings.ReplaceAll(budgetOverflowHead, "gin_", "shop_")+`shop_series_overflow_total{metric="shop_http_request_duration_seconds"} 2900
shop_series_overflow_total{metric="shop_http_request_exceptions_total"} 0
shop_series_overflow_total{metric="shop_http_request_total"} 2900
shop_series_overflow_total{metric="took_seconds"} 2900
`, "shop_series_overflow_total")
}

// TestSeriesLimitEachFamily: each family has its own budget and its own
// series of the overflow counter; a family within its budget shows none.
func TestSeriesLimitEachFamily(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(10), ginprom.WithoutDefaults())
	id := ginprom.Labels{"id": func(c *gin.Context) string { return c.Param("id") }}
	a.r.GET("/a/:id", a.m.Counter("a", "A.", id), a.m.Summary("a_seconds", "A.", id), ok)
	a.r.GET("/b/:id", a.m.Gauge("b_in_progress", "B.", id), ok)
	a.r.GET("/c/:id", a.m.Counter("c", "C.", id), ok)
	for i := range 25 {
		a.do(http.MethodGet, "/a/"+strconv.Itoa(i))
		a.do(http.MethodGet, "/b/"+strconv.Itoa(i))
	}
	for i := range 5 {
		a.do(http.MethodGet, "/c/"+strconv.Itoa(i))
	}
	requireExposition(t, a.reg, budgetOverflowHead+`gin_series_overflow_total{metric="a_seconds"} 15
gin_series_overflow_total{metric="a_total"} 15
gin_series_overflow_total{metric="b_in_progress"} 15
`, "gin_series_overflow_total")
	assert.Len(t, counterValues(t, a.reg, "c_total"), 5)
	assert.Len(t, samples(t, a.reg, "a_seconds"), 11)
	// The gauge's overflow series went up and down again.
	requireExposition(t, a.reg, "# HELP b_in_progress B.\n# TYPE b_in_progress gauge\nb_in_progress{id=\"<overflow>\"} 0\n"+
		func() string {
			var b strings.Builder
			for _, i := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9} {
				fmt.Fprintf(&b, "b_in_progress{id=%q} 0\n", strconv.Itoa(i))
			}
			return b.String()
		}(), "b_in_progress")
}

// TestSeriesLimitZeroIsUnlimited: WithSeriesLimit(0) lets every value make
// its series, and nothing overflows.
func TestSeriesLimitZeroIsUnlimited(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(0))
	a.r.GET("/items/:id", a.m.Counter("items", "Items.", ginprom.Labels{"id": func(c *gin.Context) string { return c.Param("id") }}), ok)
	for i := range 3000 {
		a.do(http.MethodGet, "/items/"+strconv.Itoa(i))
	}
	got := counterValues(t, a.reg, "items_total")
	assert.Len(t, got, 3000)
	assert.NotContains(t, got, `id="<overflow>"`)
	assert.NotContains(t, families(t, a.reg), "gin_series_overflow_total")
}

// TestSeriesLimitDefault: without WithSeriesLimit the budget is
// DefaultSeriesLimit.
func TestSeriesLimitDefault(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithoutDefaults())
	a.r.GET("/items/:id", a.m.Counter("items", "Items.", ginprom.Labels{"id": func(c *gin.Context) string { return c.Param("id") }}), ok)
	for i := range ginprom.DefaultSeriesLimit + 5 {
		a.do(http.MethodGet, "/items/"+strconv.Itoa(i))
	}
	got := counterValues(t, a.reg, "items_total")
	assert.Len(t, got, ginprom.DefaultSeriesLimit+1)
	assert.InDelta(t, 5, got[`id="<overflow>"`], 0)
}

// TestSeriesLimitNegativePanics: a negative budget panics at setup, also
// when the instance is off.
func TestSeriesLimitNegativePanics(t *testing.T) {
	t.Parallel()
	for _, enabled := range []bool{true, false} {
		msg := decoPanic(t, func() {
			ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithSeriesLimit(-1), ginprom.WithEnabled(enabled))
		})
		assert.True(t, strings.HasPrefix(msg, "ginprom: WithSeriesLimit(-1): "), msg)
	}
}

// TestSeriesLimitConcurrent: goroutines send random values, far more than
// the budget, to a counter and a histogram at once; every request is
// counted exactly once, in a series of its own value or the overflow
// series, and the overflow counter matches the overflow series.
func TestSeriesLimitConcurrent(t *testing.T) {
	t.Parallel()
	const limit, workers, each, values = 50, 8, 400, 500
	a := newApp(t, ginprom.WithSeriesLimit(limit), ginprom.WithoutDefaults())
	v := ginprom.Labels{"v": func(c *gin.Context) string { return c.Query("v") }}
	a.r.GET("/", a.m.Counter("hits", "Hits.", v), a.m.Histogram("hits_seconds", "Hits.", v), ok)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 18)) //nolint:gosec // G404: a seeded test, not a secret.
			for range each {
				a.do(http.MethodGet, "/?v="+strconv.Itoa(rng.IntN(values)))
			}
		})
		if w == workers/2 {
			_, err := a.reg.Gather() // a scrape during the load
			require.NoError(t, err)
		}
	}
	wg.Wait()
	counts := counterValues(t, a.reg, "hits_total")
	assert.LessOrEqual(t, len(counts), limit+1)
	assert.InDelta(t, workers*each, total(counts), 0)
	observed := samples(t, a.reg, "hits_seconds")
	assert.LessOrEqual(t, len(observed), limit+1)
	var n uint64
	for _, c := range observed {
		n += c
	}
	assert.Equal(t, uint64(workers*each), n)
	overflow := counterValues(t, a.reg, "gin_series_overflow_total")
	assert.InDelta(t, counts[`v="<overflow>"`], overflow[`metric="hits_total"`], 0)
	assert.InDelta(t, float64(observed[`v="<overflow>"`]), overflow[`metric="hits_seconds"`], 0)
	assert.Positive(t, overflow[`metric="hits_total"`])
}
