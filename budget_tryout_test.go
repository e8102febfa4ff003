package ginprom_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
)

// TestSeriesBudgetDecoratorHeaderAndDefaultLabel: a decorator whose label
// reads a header, under a default label that is a function, past a budget
// of 3. As the README's table says, the overflow series reads <overflow>
// for both function values and keeps the static values (the decorator's
// "kind" and the default "service"); the overflow counter names the
// family by its exposed name and counts each redirected request, also one
// that repeats a known tenant with a new region.
func TestSeriesBudgetDecoratorHeaderAndDefaultLabel(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(3), ginprom.WithDefaultLabels(ginprom.Labels{
		"service": "shop",
		"region":  func(c *gin.Context) string { return c.GetHeader("X-Region") },
	}))
	orders := a.m.Counter("orders_total", "Orders.", ginprom.Labels{
		"tenant": func(c *gin.Context) string { return c.GetHeader("X-Tenant") },
		"kind":   "web",
	})
	a.r.GET("/order", orders, ok)
	for i := range 10 {
		serve(a.r, http.MethodGet, "/order", "X-Tenant", "t"+strconv.Itoa(i), "X-Region", "eu")
	}
	serve(a.r, http.MethodGet, "/order", "X-Tenant", "t0", "X-Region", "us")
	serve(a.r, http.MethodGet, "/order", "X-Tenant", "t0", "X-Region", "eu")

	requireExposition(t, a.reg, `# HELP orders_total Orders.
# TYPE orders_total counter
orders_total{kind="web",region="<overflow>",service="shop",tenant="<overflow>"} 8
orders_total{kind="web",region="eu",service="shop",tenant="t0"} 2
orders_total{kind="web",region="eu",service="shop",tenant="t1"} 1
orders_total{kind="web",region="eu",service="shop",tenant="t2"} 1
`, "orders_total")
	// The request duration holds two series (eu and us), within its budget.
	requireExposition(t, a.reg, budgetOverflowHead+`gin_series_overflow_total{metric="orders_total"} 8
`, "gin_series_overflow_total")
}

// TestSeriesBudgetHistogramDecoratorName: the overflow counter's metric
// label names a histogram decorator by the family's name, whose series
// are <name>_count and the like, as the monitoring RUNBOOK says to count
// them.
func TestSeriesBudgetHistogramDecoratorName(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(2), ginprom.WithoutDefaults())
	work := a.m.Histogram("work_seconds", "Work.", ginprom.Labels{"tenant": func(c *gin.Context) string { return c.GetHeader("X-Tenant") }})
	a.r.GET("/work", work, ok)
	for i := range 5 {
		serve(a.r, http.MethodGet, "/work", "X-Tenant", "t"+strconv.Itoa(i))
	}
	requireExposition(t, a.reg, budgetOverflowHead+`gin_series_overflow_total{metric="work_seconds"} 3
`, "gin_series_overflow_total")
	got := samples(t, a.reg, "work_seconds")
	assert.Equal(t, map[string]uint64{`tenant="<overflow>"`: 3, `tenant="t0"`: 1, `tenant="t1"`: 1}, got)
}

// TestSeriesLimitLastWins: the last WithSeriesLimit wins, so an earlier
// negative one does not panic, and a later 0 lifts an earlier limit.
func TestSeriesLimitLastWins(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(-1), ginprom.WithSeriesLimit(1), ginprom.WithGroupBy(ginprom.GroupByPath))
	a.r.GET("/u/:id", ok)
	for i := range 4 {
		a.do(http.MethodGet, "/u/"+strconv.Itoa(i))
	}
	assert.Equal(t, map[string]uint64{`method="GET",path="/u/0",status="200"`: 1, `method="GET",path="<overflow>",status="200"`: 3},
		samples(t, a.reg, "gin_http_request_duration_seconds"))

	b := newApp(t, ginprom.WithSeriesLimit(1), ginprom.WithSeriesLimit(0), ginprom.WithGroupBy(ginprom.GroupByPath))
	b.r.GET("/u/:id", ok)
	for i := range 4 {
		b.do(http.MethodGet, "/u/"+strconv.Itoa(i))
	}
	assert.Len(t, samples(t, b.reg, "gin_http_request_duration_seconds"), 4)
	requireExposition(t, b.reg, "", "gin_series_overflow_total")
}

// TestSeriesBudgetRouteNeverOverflows: under GroupByRoute with static
// labels no value comes from the request, so, as the README says, the
// family never overflows: past a budget of 1 each route, method and status
// still gets its own series, and the overflow counter stays at 0.
func TestSeriesBudgetRouteNeverOverflows(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(1), ginprom.WithDefaultLabels(ginprom.Labels{"service": "shop"}))
	a.r.GET("/a", ok)
	a.r.GET("/b", ok)
	a.r.GET("/c", func(c *gin.Context) { c.Status(http.StatusInternalServerError) })
	for _, p := range []string{"/a", "/b", "/c", "/nope", "/b"} {
		a.do(http.MethodGet, p)
	}
	assert.Equal(t, map[string]uint64{
		`method="GET",path="/a",service="shop",status="200"`:          1,
		`method="GET",path="/b",service="shop",status="200"`:          2,
		`method="GET",path="/c",service="shop",status="500"`:          1,
		`method="GET",path="<unmatched>",service="shop",status="404"`: 1,
	}, samples(t, a.reg, "gin_http_request_duration_seconds"))
	requireExposition(t, a.reg, budgetOverflowHead+`gin_series_overflow_total{metric="gin_http_request_duration_seconds"} 0
`, "gin_series_overflow_total")
}

// TestSeriesBudgetMessageBytesShareBudget: the two directions of
// gin_websocket_message_bytes_total share one budget, each with its
// overflow series, so the name holds n+2 series, as the README says; the
// overflow counter counts each observation the budget redirected once.
func TestSeriesBudgetMessageBytesShareBudget(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(3))
	for i := range 6 {
		a.m.ObserveMessage("ev"+strconv.Itoa(i), 0, 1, 2, nil)
	}
	requireExposition(t, a.reg, `# HELP gin_websocket_message_bytes_total Total bytes of WebSocket messages, by event and direction (in: received, out: sent).
# TYPE gin_websocket_message_bytes_total counter
gin_websocket_message_bytes_total{direction="in",event="<overflow>"} 4
gin_websocket_message_bytes_total{direction="in",event="ev0"} 1
gin_websocket_message_bytes_total{direction="in",event="ev1"} 1
gin_websocket_message_bytes_total{direction="out",event="<overflow>"} 10
gin_websocket_message_bytes_total{direction="out",event="ev0"} 2
`, "gin_websocket_message_bytes_total")
	requireExposition(t, a.reg, budgetOverflowHead+`gin_series_overflow_total{metric="gin_websocket_message_bytes_total"} 9
gin_series_overflow_total{metric="gin_websocket_message_duration_seconds"} 3
gin_series_overflow_total{metric="gin_websocket_messages_total"} 4
`, "gin_series_overflow_total")
	// An event makes its ok and error series at once, so the counter of
	// a budget of 3 holds ev0's two and ev1's ok: size the budget to the
	// events times two, as the README says.
	requireExposition(t, a.reg, `# HELP gin_websocket_messages_total Total number of WebSocket messages handled, by event and result (ok or error).
# TYPE gin_websocket_messages_total counter
gin_websocket_messages_total{event="<overflow>",result="<overflow>"} 4
gin_websocket_messages_total{event="ev0",result="error"} 0
gin_websocket_messages_total{event="ev0",result="ok"} 1
gin_websocket_messages_total{event="ev1",result="ok"} 1
`, "gin_websocket_messages_total")
}
