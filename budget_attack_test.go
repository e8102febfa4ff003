package ginprom_test

import (
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
)

// Attacks on the series budget through the gin router: each asserts the
// exact invariants of WithSeriesLimit (at most n series plus the overflow
// series, exact counts, the overflow counter counting only what the budget
// redirected).

// tenantApp is an app with a budget of limit that groups by the X-Tenant
// header.
func tenantApp(t *testing.T, limit int, opts ...ginprom.Option) *app {
	t.Helper()
	a := newApp(t, append([]ginprom.Option{
		ginprom.WithSeriesLimit(limit),
		ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", func(c *gin.Context) string { return c.GetHeader("X-Tenant") })),
	}, opts...)...)
	a.r.GET("/", ok)
	return a
}

// overflowCount returns the overflow counter's value for family, and
// whether it is exposed.
func overflowCount(t *testing.T, g prometheus.Gatherer, family string) (float64, bool) {
	t.Helper()
	v, ok := counterValues(t, g, "gin_series_overflow_total")[`metric="`+family+`"`]
	return v, ok
}

// TestBudgetAttackOwnOverflowFirst: with a budget of 1, a client's own
// <overflow> value takes the one series; later tenants are redirected to
// it and counted, the client's own request is not.
func TestBudgetAttackOwnOverflowFirst(t *testing.T) {
	t.Parallel()
	a := tenantApp(t, 1)
	serve(a.r, http.MethodGet, "/", "X-Tenant", ginprom.Overflow)
	serve(a.r, http.MethodGet, "/", "X-Tenant", "a")
	serve(a.r, http.MethodGet, "/", "X-Tenant", "b")
	serve(a.r, http.MethodGet, "/", "X-Tenant", ginprom.Overflow)
	got := samples(t, a.reg, durationName)
	assert.Equal(t, map[string]uint64{`method="GET",status="200",tenant="<overflow>"`: 4}, got)
	n, _ := overflowCount(t, a.reg, durationName)
	assert.InDelta(t, 2, n, 0)
	requireLint(t, a.reg)
}

// TestBudgetAttackOwnOverflowAfter: the budget is spent by "a"; a client's
// own <overflow> then makes the overflow series without being counted, and
// "b" is redirected there and counted.
func TestBudgetAttackOwnOverflowAfter(t *testing.T) {
	t.Parallel()
	a := tenantApp(t, 1)
	serve(a.r, http.MethodGet, "/", "X-Tenant", "a")
	serve(a.r, http.MethodGet, "/", "X-Tenant", ginprom.Overflow)
	serve(a.r, http.MethodGet, "/", "X-Tenant", "b")
	serve(a.r, http.MethodGet, "/", "X-Tenant", "a")
	got := samples(t, a.reg, durationName)
	assert.Equal(t, map[string]uint64{
		`method="GET",status="200",tenant="a"`:          2,
		`method="GET",status="200",tenant="<overflow>"`: 2,
	}, got)
	n, ok := overflowCount(t, a.reg, durationName)
	assert.True(t, ok)
	assert.InDelta(t, 1, n, 0)
}

// TestBudgetAttackCanonicalAlike: values that canonicalise alike are one
// series: invalid bytes repair to U+FFFD, long values cut to the same
// prefix; they use no more of a budget of 2.
func TestBudgetAttackCanonicalAlike(t *testing.T) {
	t.Parallel()
	a := tenantApp(t, 2)
	long := strings.Repeat("x", 2000)
	for _, v := range []string{"\xff", "\xfe", "\xff\xfe\xfd", "\uFFFD", long + "1", long + "2", long[:1100]} {
		serve(a.r, http.MethodGet, "/", "X-Tenant", v)
	}
	got := samples(t, a.reg, durationName)
	assert.Len(t, got, 2)
	assert.Equal(t, uint64(7), sumCounts(got))
	assert.Equal(t, uint64(4), got[`method="GET",status="200",tenant="`+"\uFFFD"+`"`], got)
	_, ok := overflowCount(t, a.reg, durationName)
	assert.True(t, ok, "the budget's last series exposes the counter at 0")
	n, _ := overflowCount(t, a.reg, durationName)
	assert.InDelta(t, 0, n, 0)
	serve(a.r, http.MethodGet, "/", "X-Tenant", "")
	serve(a.r, http.MethodGet, "/", "X-Tenant", ginprom.Unmatched)
	serve(a.r, http.MethodGet, "/", "X-Tenant", "<panic>")
	n, _ = overflowCount(t, a.reg, durationName)
	assert.InDelta(t, 3, n, 0)
	got = samples(t, a.reg, durationName)
	assert.Len(t, got, 3)
	assert.Equal(t, uint64(10), sumCounts(got))
	requireLint(t, a.reg)
}

// TestBudgetAttackRace: many goroutines race for the last series of the
// budget; at most n series plus the overflow series, every request
// counted, the overflow counter equal to the overflow series' count.
func TestBudgetAttackRace(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 7} {
		a := tenantApp(t, limit, ginprom.WithTotalsByGroup())
		const workers, each = 16, 40
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					serve(a.r, http.MethodGet, "/", "X-Tenant", strconv.Itoa((w*each+i)%50))
				}
			}()
		}
		wg.Wait()
		got := samples(t, a.reg, durationName)
		assert.Len(t, got, limit+1)
		assert.Equal(t, uint64(workers*each), sumCounts(got))
		over := got[`method="GET",status="200",tenant="<overflow>"`]
		n, _ := overflowCount(t, a.reg, durationName)
		assert.InDelta(t, float64(over), n, 0)
		totals := counterValues(t, a.reg, "gin_http_request_total")
		assert.Len(t, totals, limit+1)
		assert.InDelta(t, workers*each, total(totals), 0)
		nt, _ := overflowCount(t, a.reg, "gin_http_request_total")
		assert.InDelta(t, float64(over), nt, 0)
	}
}

// TestBudgetAttackPartialOwn: two values from the request, one a client's
// own <overflow>: the series (overflow, x) is an ordinary series; past the
// budget, a new pair goes to (overflow, overflow) and is counted.
func TestBudgetAttackPartialOwn(t *testing.T) {
	t.Parallel()
	a := tenantApp(t, 1, ginprom.WithDefaultLabels(ginprom.Labels{"user": func(c *gin.Context) string { return c.GetHeader("X-User") }}))
	serve(a.r, http.MethodGet, "/", "X-Tenant", ginprom.Overflow, "X-User", "x")
	serve(a.r, http.MethodGet, "/", "X-Tenant", ginprom.Overflow, "X-User", "y")
	serve(a.r, http.MethodGet, "/", "X-Tenant", "t", "X-User", ginprom.Overflow)
	serve(a.r, http.MethodGet, "/", "X-Tenant", ginprom.Overflow, "X-User", ginprom.Overflow)
	got := samples(t, a.reg, durationName)
	assert.Equal(t, map[string]uint64{
		`method="GET",status="200",tenant="<overflow>",user="x"`:          1,
		`method="GET",status="200",tenant="<overflow>",user="<overflow>"`: 3,
	}, got)
	n, _ := overflowCount(t, a.reg, durationName)
	assert.InDelta(t, 2, n, 0)
}

// TestBudgetAttackExceptions: panicking handlers with a client's own
// <overflow> path value and WithTotalsByGroup: the exceptions count
// exactly what the budget redirected.
func TestBudgetAttackExceptions(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	r := gin.New()
	r.Use(gin.RecoveryWithWriter(io.Discard))
	ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithSeriesLimit(1), ginprom.WithTotalsByGroup(),
		ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", func(c *gin.Context) string { return c.GetHeader("X-Tenant") })))
	r.GET("/", func(*gin.Context) { panic("boom") })
	serve(r, http.MethodGet, "/", "X-Tenant", "a")
	serve(r, http.MethodGet, "/", "X-Tenant", ginprom.Overflow)
	serve(r, http.MethodGet, "/", "X-Tenant", "b")
	serve(r, http.MethodGet, "/", "X-Tenant", "c")
	ex := counterValues(t, reg, "gin_http_request_exceptions_total")
	assert.InDelta(t, 4, total(ex), 0)
	assert.InDelta(t, 3, ex[`method="GET",status="500",tenant="<overflow>"`], 0)
	n, _ := overflowCount(t, reg, "gin_http_request_exceptions_total")
	assert.InDelta(t, 2, n, 0)
	n, _ = overflowCount(t, reg, durationName)
	assert.InDelta(t, 2, n, 0)
	requireLint(t, reg)
}

// TestBudgetAttackExceptionsVarying: the exceptions attack with a
// function-valued default label as well, whose values are gathered per
// request: the exceptions count what the budget redirected, not the
// client's own <overflow>.
func TestBudgetAttackExceptionsVarying(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	r := gin.New()
	r.Use(gin.RecoveryWithWriter(io.Discard))
	ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithSeriesLimit(1), ginprom.WithTotalsByGroup(),
		ginprom.WithDefaultLabels(ginprom.Labels{"user": func(c *gin.Context) string { return c.GetHeader("X-Tenant") }}),
		ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", func(c *gin.Context) string { return c.GetHeader("X-Tenant") })))
	r.GET("/", func(*gin.Context) { panic("boom") })
	for _, v := range []string{"a", ginprom.Overflow, "b", "c", ginprom.Overflow} {
		serve(r, http.MethodGet, "/", "X-Tenant", v)
	}
	ex := counterValues(t, reg, "gin_http_request_exceptions_total")
	assert.Equal(t, map[string]float64{
		`method="GET",status="500",tenant="a",user="a"`:                   1,
		`method="GET",status="500",tenant="<overflow>",user="<overflow>"`: 4,
	}, ex)
	n, _ := overflowCount(t, reg, "gin_http_request_exceptions_total")
	assert.InDelta(t, 2, n, 0)
	n, _ = overflowCount(t, reg, durationName)
	assert.InDelta(t, 2, n, 0)
	requireLint(t, reg)
}
