package ginprom_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
)

// A client may send the value Overflow itself. Its request lands in the
// overflow series, which exposes alike, but the budget did not redirect
// it, so the overflow counter does not count it; every request the budget
// redirects is counted, each time.

// overflowByName sends, under a budget of 3 spent by t0, t1 and t2, values
// that the budget redirects and the value Overflow: with literalFirst,
// Overflow comes before the overflow series exists, and makes it. It
// returns how many requests went to the overflow series (9) and how many
// of them the budget redirected (4).
func overflowByName(h http.Handler, literalFirst bool) (inSeries uint64, redirected int) {
	send := func(tenant string, n int) {
		for range n {
			serve(h, http.MethodGet, "/", "X-Tenant", tenant)
		}
	}
	send("t0", 1)
	send("t1", 1)
	send("t2", 1)
	if literalFirst {
		send(ginprom.Overflow, 2)
	}
	send("t3", 1)
	send("t4", 1)
	if !literalFirst {
		send(ginprom.Overflow, 2)
	}
	send(ginprom.Overflow, 3)
	send("t5", 2)
	return 9, 4
}

// tenantHeader is a label function of the X-Tenant header.
func tenantHeader(c *gin.Context) string { return c.GetHeader("X-Tenant") }

// TestRequestBudgetOverflowByName: under GroupByFunc (the route's index
// of group-by values) and under a function-valued default label (the
// label values gathered per request), a client's own Overflow lands in
// the overflow series uncounted, and the redirected requests count each
// time, also those after it.
func TestRequestBudgetOverflowByName(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		opt    ginprom.Option
		series string
		counts []string // the families whose overflow series carry the tenant
		zero   []string // those that carry it too, at 0: the exceptions
	}{
		"GroupByFunc": {
			ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", tenantHeader)),
			`method="GET",status="200",tenant="<overflow>"`,
			[]string{durationName},
			nil,
		},
		"default label": {
			ginprom.WithDefaultLabels(ginprom.Labels{"tenant": tenantHeader}),
			`method="GET",path="/",status="200",tenant="<overflow>"`,
			[]string{durationName, "gin_http_request_total"},
			[]string{"gin_http_request_exceptions_total"},
		},
	} {
		for _, literalFirst := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/literalFirst=%v", name, literalFirst), func(t *testing.T) {
				t.Parallel()
				a := newApp(t, ginprom.WithSeriesLimit(3), tc.opt)
				a.r.GET("/", ok)
				inSeries, redirected := overflowByName(a.r, literalFirst)
				got := samples(t, a.reg, durationName)
				assert.Len(t, got, 4)
				assert.Equal(t, inSeries, got[tc.series])
				values := counterValues(t, a.reg, "gin_series_overflow_total")
				assert.Len(t, values, len(tc.counts)+len(tc.zero))
				for _, family := range tc.counts {
					assert.InDelta(t, redirected, values[`metric="`+family+`"`], 0, family)
				}
				for _, family := range tc.zero {
					assert.Contains(t, values, `metric="`+family+`"`)
					assert.Zero(t, values[`metric="`+family+`"`], family)
				}
				requireLint(t, a.reg)
			})
		}
	}
}

// TestSeriesLimitDecoratorOverflowByName: the same for a decorator's label
// function, whichever comes first.
func TestSeriesLimitDecoratorOverflowByName(t *testing.T) {
	t.Parallel()
	for _, literalFirst := range []bool{false, true} {
		a := newApp(t, ginprom.WithSeriesLimit(3), ginprom.WithoutDefaults())
		a.r.GET("/", a.m.Counter("hits", "Hits.", ginprom.Labels{"tenant": tenantHeader, "app": "shop"}), ok)
		inSeries, redirected := overflowByName(a.r, literalFirst)
		got := counterValues(t, a.reg, "hits_total")
		assert.Len(t, got, 4)
		assert.InDelta(t, inSeries, got[`app="shop",tenant="<overflow>"`], 0)
		requireExposition(t, a.reg, budgetOverflowHead+fmt.Sprintf("gin_series_overflow_total{metric=%q} %d\n", "hits_total", redirected), "gin_series_overflow_total")
	}
}
