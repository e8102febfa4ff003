package ginprom_test

import (
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/stretchr/testify/assert"
)

// TestSeriesOverflowZeroSeries: as the README's "The series budget" says,
// the request families share the duration's budget, so when it takes its
// last series the overflow counter shows, at 0, the series of the duration
// and of every family that carries the path: the response size, and the
// request counter and the exceptions (under WithTotalsByGroup, which gives
// them the path). The first overflow then counts 1 under each family that
// carries it.
func TestSeriesOverflowZeroSeries(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(2), ginprom.WithGroupBy(ginprom.GroupByPath),
		ginprom.WithResponseSize(), ginprom.WithTotalsByGroup())
	a.r.GET("/items/:id", ok)
	a.do(http.MethodGet, "/items/1")
	requireExposition(t, a.reg, "", "gin_series_overflow_total")

	a.do(http.MethodGet, "/items/2")
	requireExposition(t, a.reg, budgetOverflowHead+`gin_series_overflow_total{metric="gin_http_request_duration_seconds"} 0
gin_series_overflow_total{metric="gin_http_request_exceptions_total"} 0
gin_series_overflow_total{metric="gin_http_request_total"} 0
gin_series_overflow_total{metric="gin_http_response_size_bytes"} 0
`, "gin_series_overflow_total")

	a.do(http.MethodGet, "/items/3")
	requireExposition(t, a.reg, budgetOverflowHead+`gin_series_overflow_total{metric="gin_http_request_duration_seconds"} 1
gin_series_overflow_total{metric="gin_http_request_exceptions_total"} 0
gin_series_overflow_total{metric="gin_http_request_total"} 1
gin_series_overflow_total{metric="gin_http_response_size_bytes"} 1
`, "gin_series_overflow_total")
}

// TestSeriesOverflowUnmatched: under GroupByPath, <unmatched> is a
// group-by value like any path: an unmatched request past the budget
// goes to the overflow series, unless the <unmatched> series was made
// before the budget was spent, as the README's table says.
func TestSeriesOverflowUnmatched(t *testing.T) {
	t.Parallel()
	for _, early := range []bool{false, true} {
		a := newApp(t, ginprom.WithSeriesLimit(2), ginprom.WithGroupBy(ginprom.GroupByPath))
		a.r.GET("/items/:id", ok)
		if early {
			a.do(http.MethodGet, "/nope")
		}
		a.do(http.MethodGet, "/items/1")
		a.do(http.MethodGet, "/items/2")
		a.do(http.MethodGet, "/nope")

		got := samples(t, a.reg, durationName)
		if early {
			assert.Equal(t, map[string]uint64{
				`method="GET",path="/items/1",status="200"`:    1,
				`method="GET",path="<overflow>",status="200"`:  1,
				`method="GET",path="<unmatched>",status="404"`: 2,
			}, got)
		} else {
			assert.Equal(t, map[string]uint64{
				`method="GET",path="/items/1",status="200"`:   1,
				`method="GET",path="/items/2",status="200"`:   1,
				`method="GET",path="<overflow>",status="404"`: 1,
			}, got)
		}
	}
}
