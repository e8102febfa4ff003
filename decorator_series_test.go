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
	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// counters returns the value of each series of the counter family name,
// keyed as seriesKey keys them.
func counters(t testing.TB, a *app, name string) map[string]uint64 {
	t.Helper()
	mfs, err := a.reg.Gather()
	require.NoError(t, err)
	out := map[string]uint64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[seriesKey(m.GetLabel())] = uint64(m.GetCounter().GetValue())
		}
	}
	return out
}

// TestDecoratorSeriesCacheRandomized sends a counter and a histogram
// decorator random label values: the same strings from a table, copies of
// them (equal values at other addresses), more values than the cache has
// slots, values that are not canonical (invalid UTF-8, too long, and a
// value equal to another's canonical form), and values past the series
// budget, first serially, then from several goroutines. Every series
// counts exactly its requests, each request the budget sent to the
// overflow series counts once in the overflow counter, the client's own
// Overflow value (which had its series before the budget was spent) is not
// counted there, and the scrape never fails.
func TestDecoratorSeriesCacheRandomized(t *testing.T) {
	const limit, pool = 40, 150
	table := make([]string, pool)
	for i := range table {
		table[i] = "v" + strconv.Itoa(i)
	}
	// Not canonical, and their canonical forms, which make one series
	// each with them.
	table[7] = "\xff"
	table[8] = "\uFFFD"
	table[9] = strings.Repeat("x", canon.MaxValueLen+10)
	table[10] = canon.Value(table[9])
	table[11] = ginprom.Overflow

	a := newApp(t, ginprom.WithoutDefaults(), ginprom.WithSeriesLimit(limit))
	value := func(c *gin.Context) string {
		i, _ := strconv.Atoi(c.Query("i")) // the test's own URLs
		if c.Query("copy") != "" {
			return strings.Clone(table[i])
		}
		return table[i]
	}
	labels := ginprom.Labels{"v": value}
	a.r.GET("/r",
		a.m.Counter("rnd", "Random values.", labels),
		a.m.Histogram("rnd_seconds", "Random values.", labels),
		func(c *gin.Context) { c.Status(http.StatusOK) })

	// The model: the first limit canonical values get series of their
	// own; the others go to the overflow series, each time counted.
	admitted := map[string]bool{}
	want := map[string]uint64{}
	var redirected uint64
	expect := func(i int) {
		v := canon.Value(table[i])
		if !admitted[v] && len(admitted) < limit {
			admitted[v] = true
		}
		if admitted[v] {
			want[fmt.Sprintf("v=%q", v)]++
			return
		}
		want[fmt.Sprintf("v=%q", ginprom.Overflow)]++
		redirected++
	}
	target := func(rng *rand.Rand) (string, int) {
		i := rng.IntN(pool)
		if rng.IntN(3) == 0 {
			return fmt.Sprintf("/r?i=%d&copy=1", i), i
		}
		return fmt.Sprintf("/r?i=%d", i), i
	}

	// Overflow first, so that it is the client's value within the budget.
	require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/r?i=11").Code)
	expect(11)
	rng := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // G404: a fixed seed, for a test that repeats.
	for range 3000 {
		url, i := target(rng)
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, url).Code)
		expect(i)
	}
	require.Len(t, admitted, limit, "the serial phase spends the budget")

	// The budget is spent: which values have series no longer depends
	// on the order, and goroutines may race.
	const workers, each = 4, 1000
	urls := make([][]string, workers)
	for w := range urls {
		for range each {
			url, i := target(rng)
			urls[w] = append(urls[w], url)
			expect(i)
		}
	}
	var wg sync.WaitGroup
	for w := range urls {
		wg.Go(func() {
			for _, url := range urls[w] {
				a.do(http.MethodGet, url)
			}
		})
	}
	wg.Wait()

	assert.Equal(t, want, counters(t, a, "rnd_total"))
	assert.Equal(t, want, samples(t, a.reg, "rnd_seconds"))
	assert.Equal(t, map[string]uint64{
		`metric="rnd_total"`:   redirected,
		`metric="rnd_seconds"`: redirected,
	}, counters(t, a, "gin_series_overflow_total"))
	requireLint(t, a.reg)
}
