package ginprom_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// TestRequestBudgetOverflowSeriesBound: a request family has one overflow
// series per set of the values it keeps. Under GroupByPath the path is the
// request's, so the overflow series are one per method × status, whatever
// the routes; under GroupByRoute with a function-valued default label the
// route template is kept, so they are one per method × status × route.
func TestRequestBudgetOverflowSeriesBound(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		opts     []ginprom.Option
		overflow int
	}{
		"GroupByPath": {[]ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByPath)}, 2 * 2},
		"GroupByRoute and a default label function": {[]ginprom.Option{
			ginprom.WithDefaultLabels(ginprom.Labels{"tenant": tenantHeader}),
		}, 2 * 2 * 2},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const limit = 2
			a := newApp(t, append(tc.opts, ginprom.WithSeriesLimit(limit))...)
			status := func(c *gin.Context) {
				code, _ := strconv.Atoi(c.Query("s"))
				c.Status(code)
			}
			for _, route := range []string{"/a/:id", "/b/:id"} {
				a.r.GET(route, status)
				a.r.POST(route, status)
			}
			n := 0
			for _, route := range []string{"/a/", "/b/"} {
				for _, method := range []string{http.MethodGet, http.MethodPost} {
					for _, code := range []string{"200", "503"} {
						for range 20 {
							serve(a.r, method, route+strconv.Itoa(n)+"?s="+code, "X-Tenant", "t"+strconv.Itoa(n))
							n++
						}
					}
				}
			}
			got := samples(t, a.reg, durationName)
			overflow := 0
			for key := range got {
				if strings.Contains(key, `="`+ginprom.Overflow+`"`) {
					overflow++
				}
			}
			assert.Equal(t, tc.overflow, overflow)
			assert.Len(t, got, limit+tc.overflow)
			assert.Equal(t, uint64(n), sumCounts(got))
		})
	}
}

// TestSeriesLimitExceptions: the exceptions respect the budget. With the
// path on them (WithTotalsByGroup), 100 panicking paths under a budget of
// 10 make 10 series and one overflow series, which add up to 100, and the
// overflow counter shows the 90 that overflowed.
func TestSeriesLimitExceptions(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	r := gin.New()
	r.Use(gin.RecoveryWithWriter(io.Discard))
	ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithSeriesLimit(10), ginprom.WithGroupBy(ginprom.GroupByPath), ginprom.WithTotalsByGroup())
	r.GET("/p/:id", func(*gin.Context) { panic("boom") })
	for i := range 100 {
		serve(r, http.MethodGet, "/p/"+strconv.Itoa(i))
	}
	got := counterValues(t, reg, "gin_http_request_exceptions_total")
	assert.Len(t, got, 11)
	assert.InDelta(t, 100, total(got), 0)
	assert.InDelta(t, 90, got[`method="GET",path="<overflow>",status="500"`], 0)
	assert.InDelta(t, 90, counterValues(t, reg, "gin_series_overflow_total")[`metric="gin_http_request_exceptions_total"`], 0)
}
