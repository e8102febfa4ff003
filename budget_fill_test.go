package ginprom_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// overflowOf keys the overflow counter's series of the family name as
// counterValues does.
func overflowOf(name string) string { return `metric="` + name + `"` }

// TestRequestBudgetFillExposesEveryFamily: the request families share the
// duration's budget, so when it takes its last series the overflow
// counter shows, at 0, the series of every request family that can count
// an overflow (those whose exposed series carry the request's value), and
// of no other but the duration, whose budget it is; before that it shows
// nothing. One request past the budget then counts 1 under each family
// that shows it (an exception under the exceptions as well), so that
// increase() sees the first burst of every family.
func TestRequestBudgetFillExposesEveryFamily(t *testing.T) {
	t.Parallel()
	tenant := ginprom.Labels{"tenant": func(c *gin.Context) string { return c.GetHeader("X-Tenant") }}
	const (
		duration   = "gin_http_request_duration_seconds"
		total      = "gin_http_request_total"
		exceptions = "gin_http_request_exceptions_total"
		reqSize    = "gin_http_request_size_bytes"
		respSize   = "gin_http_response_size_bytes"
	)
	cases := []struct {
		name string
		opts []ginprom.Option
		// The first two requests take the budget of 2; over is one more,
		// past it.
		fill [2]string
		over string
		// The overflow counter's series once the budget is spent, and
		// after over.
		filled, overflowed map[string]float64
	}{{
		// The request counter and the exceptions have no path.
		name: "path, sizes",
		opts: []ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByPath), ginprom.WithRequestSize(), ginprom.WithResponseSize()},
		fill: [2]string{"/a/1", "/a/2"}, over: "/a/3",
		filled:     map[string]float64{overflowOf(duration): 0, overflowOf(reqSize): 0, overflowOf(respSize): 0},
		overflowed: map[string]float64{overflowOf(duration): 1, overflowOf(reqSize): 1, overflowOf(respSize): 1},
	}, {
		name: "path by group, exception",
		opts: []ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByPath), ginprom.WithTotalsByGroup(), ginprom.WithResponseSize()},
		fill: [2]string{"/a/1", "/a/2"}, over: "/p/3",
		filled:     map[string]float64{overflowOf(duration): 0, overflowOf(total): 0, overflowOf(exceptions): 0, overflowOf(respSize): 0},
		overflowed: map[string]float64{overflowOf(duration): 1, overflowOf(total): 1, overflowOf(exceptions): 1, overflowOf(respSize): 1},
	}, {
		// Every request family carries the default labels.
		name: "label function",
		opts: []ginprom.Option{ginprom.WithDefaultLabels(tenant), ginprom.WithRequestSize()},
		fill: [2]string{"/a/1", "/a/2"}, over: "/a/3",
		filled:     map[string]float64{overflowOf(duration): 0, overflowOf(total): 0, overflowOf(exceptions): 0, overflowOf(reqSize): 0},
		overflowed: map[string]float64{overflowOf(duration): 1, overflowOf(total): 1, overflowOf(exceptions): 0, overflowOf(reqSize): 1},
	}, {
		// The duration (and the sizes, which share its labels) hide the
		// path: the duration's series appears with its budget and stays
		// at 0.
		name: "path on the counts only",
		opts: []ginprom.Option{ginprom.WithSchema(routeOnCountsSchema()), ginprom.WithGroupBy(ginprom.GroupByPath), ginprom.WithTotalsByGroup(), ginprom.WithResponseSize()},
		fill: [2]string{"/a/1", "/a/2"}, over: "/p/3",
		filled:     map[string]float64{overflowOf(duration): 0, overflowOf(total): 0, overflowOf(exceptions): 0},
		overflowed: map[string]float64{overflowOf(duration): 0, overflowOf(total): 1, overflowOf(exceptions): 1},
	}, {
		// Big Brother's response bytes share the duration's labels; it
		// has no request counter or exceptions.
		name: "big brother",
		opts: []ginprom.Option{ginprom.WithBigBrother("1.0.0"), ginprom.WithGroupBy(ginprom.GroupByPath)},
		fill: [2]string{"/a/1", "/a/2"}, over: "/a/3",
		filled:     map[string]float64{overflowOf("request_seconds"): 0, overflowOf("response_size_bytes"): 0},
		overflowed: map[string]float64{overflowOf("request_seconds"): 1, overflowOf("response_size_bytes"): 1},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			r := gin.New()
			r.Use(gin.RecoveryWithWriter(io.Discard))
			ginprom.New(r, append([]ginprom.Option{ginprom.WithRegistry(reg), ginprom.WithSeriesLimit(2)}, tc.opts...)...)
			r.GET("/a/:id", ok)
			r.GET("/p/:id", func(*gin.Context) { panic("boom") })
			// The tenant of a default label function is the path.
			send := func(target string) { serve(r, http.MethodGet, target, "X-Tenant", target) }

			send(tc.fill[0])
			assert.Empty(t, counterValues(t, reg, "gin_series_overflow_total"), "one series of a budget of 2")
			send(tc.fill[1])
			assert.Equal(t, tc.filled, counterValues(t, reg, "gin_series_overflow_total"), "the budget spent")
			send(tc.over)
			assert.Equal(t, tc.overflowed, counterValues(t, reg, "gin_series_overflow_total"), "one request past the budget")
		})
	}
}
