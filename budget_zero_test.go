package ginprom_test

import (
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
)

// TestSeriesOverflowZeroSeries: as the README's "The series budget" says,
// the request families share the duration's budget, so when it takes its
// last series the overflow counter shows the duration's series at 0, and
// the series of the response size and of the request counter (under
// WithTotalsByGroup, which gives it the path) appear with their first
// overflow.
func TestSeriesOverflowZeroSeries(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(2), ginprom.WithGroupBy(ginprom.GroupByPath),
		ginprom.WithResponseSize(), ginprom.WithTotalsByGroup())
	a.r.GET("/items/:id", ok)
	a.do(http.MethodGet, "/items/1")
	requireExposition(t, a.reg, "", "gin_series_overflow_total")

	a.do(http.MethodGet, "/items/2")
	requireExposition(t, a.reg, budgetOverflowHead+`gin_series_overflow_total{metric="gin_http_request_duration_seconds"} 0
`, "gin_series_overflow_total")

	a.do(http.MethodGet, "/items/3")
	requireExposition(t, a.reg, budgetOverflowHead+`gin_series_overflow_total{metric="gin_http_request_duration_seconds"} 1
gin_series_overflow_total{metric="gin_http_request_total"} 1
gin_series_overflow_total{metric="gin_http_response_size_bytes"} 1
`, "gin_series_overflow_total")
}
