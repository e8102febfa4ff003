package ginprom_test

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// TestBudgetAttackMaxEventsNotBudget: events past MaxEvents go to the
// event Overflow under a budget they are far from: the budget redirected
// none of them, so the overflow counter shows none.
func TestBudgetAttackMaxEventsNotBudget(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for i := range ginprom.MaxEvents + 50 {
		a.m.ObserveMessage("e"+strconv.Itoa(i), time.Millisecond, 1, 1, nil)
	}
	a.m.ObserveMessage(ginprom.Overflow, time.Millisecond, 1, 1, nil)
	messages := counterValues(t, a.reg, "gin_websocket_messages_total")
	assert.InDelta(t, 51, messages[`event="<overflow>",result="ok"`], 0)
	assert.Empty(t, counterValues(t, a.reg, "gin_series_overflow_total"))
}

// TestBudgetAttackDecoratorLimitOne: a decorator whose label comes from
// the client under a budget of 1, with values that canonicalise alike, a
// client's own <overflow>, a panicking label function and concurrent
// clients: one series and the overflow series, every request counted, the
// overflow counter exactly the redirected ones.
func TestBudgetAttackDecoratorLimitOne(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(1))
	a.r.GET("/", a.m.Counter("hits", "Hits.", ginprom.Labels{
		"v": func(c *gin.Context) string {
			if c.Query("panic") != "" {
				panic("label")
			}
			return c.GetHeader("X-V")
		},
		"app": "shop",
	}), ok)
	long := strings.Repeat("é", 600)
	serve(a.r, http.MethodGet, "/", "X-V", long+"a") // cut: the one series
	serve(a.r, http.MethodGet, "/", "X-V", long+"b") // cut alike
	serve(a.r, http.MethodGet, "/", "X-V", ginprom.Overflow)
	concurrently(8, 20, func(w, i int) { serve(a.r, http.MethodGet, "/", "X-V", strconv.Itoa(w*20+i)) })
	got := counterValues(t, a.reg, "hits_total")
	assert.Len(t, got, 2)
	assert.InDelta(t, 163, total(got), 0)
	assert.InDelta(t, 161, got[`app="shop",v="<overflow>"`], 0)
	n, _ := overflowCount(t, a.reg, "hits_total")
	assert.InDelta(t, 160, n, 0, "the client's own <overflow> is not counted")
	requireLint(t, a.reg)
}

// TestBudgetAttackUnmatched: under GroupByPath with a budget of 1, a
// request that matched no route makes no series past the budget: it goes
// to the overflow series and is counted.
func TestBudgetAttackUnmatched(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(1), ginprom.WithGroupBy(ginprom.GroupByPath))
	a.r.GET("/items/:id", ok)
	a.do(http.MethodGet, "/items/1")
	for i := range 10 {
		a.do(http.MethodGet, "/nope/"+strconv.Itoa(i))
	}
	a.do(http.MethodGet, "/items/2")
	got := samples(t, a.reg, durationName)
	assert.Equal(t, map[string]uint64{
		`method="GET",path="/items/1",status="200"`:   1,
		`method="GET",path="<overflow>",status="404"`: 10,
		`method="GET",path="<overflow>",status="200"`: 1,
	}, got)
	n, _ := overflowCount(t, a.reg, durationName)
	assert.InDelta(t, 11, n, 0)
}

// TestBudgetAttackErrorMessageOverflow: under WithBigBrother with the
// group-by from a header and a budget of 1, requests with distinct tenants
// and error messages: the errorMessage is one of the schema's fixed-set
// values, which keep theirs in an overflow series (README, Cardinality),
// so there is one overflow series per message, each request counted once
// and each redirected one in the overflow counter. A client's own
// <overflow> tenant goes to the overflow series of its message uncounted.
func TestBudgetAttackErrorMessageOverflow(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(1), ginprom.WithBigBrother("1.0.0"),
		ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", func(c *gin.Context) string { return c.GetHeader("X-Tenant") })))
	a.r.GET("/", func(c *gin.Context) {
		ginprom.SetErrorMessage(c, c.GetHeader("X-Message"))
		c.Status(http.StatusInternalServerError)
	})
	for i := range 30 {
		serve(a.r, http.MethodGet, "/", "X-Tenant", strconv.Itoa(i), "X-Message", "m"+strconv.Itoa(i%3))
	}
	serve(a.r, http.MethodGet, "/", "X-Tenant", ginprom.Overflow, "X-Message", "m1")
	const series = `isError="true",method="GET",status="500",type="http"`
	assert.Equal(t, map[string]uint64{
		`addr="0",errorMessage="m0",` + series:          1,
		`addr="<overflow>",errorMessage="m0",` + series: 9,
		`addr="<overflow>",errorMessage="m1",` + series: 11,
		`addr="<overflow>",errorMessage="m2",` + series: 10,
	}, samples(t, a.reg, "request_seconds"))
	n, _ := overflowCount(t, a.reg, "request_seconds")
	assert.InDelta(t, 29, n, 0)
}

// TestBudgetAttackSessionsRace: event streams from concurrent clients
// under a budget of 1, one of them a client's own <overflow> tenant: two
// series per session family, every session counted, and the overflow
// counter equal to the overflow series (the own tenant's kind and path are
// redirected, so it is counted as well).
func TestBudgetAttackSessionsRace(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(1),
		ginprom.WithDefaultLabels(ginprom.Labels{"tenant": func(c *gin.Context) string { return c.GetHeader("X-Tenant") }}))
	a.r.GET("/events", func(c *gin.Context) {
		c.Header("Content-Type", "text/event-stream")
		c.String(http.StatusOK, "data: hi\n\n")
	})
	serve(a.r, http.MethodGet, "/events", "Accept", "text/event-stream", "X-Tenant", "first")
	serve(a.r, http.MethodGet, "/events", "Accept", "text/event-stream", "X-Tenant", ginprom.Overflow)
	concurrently(8, 10, func(w, i int) {
		serve(a.r, http.MethodGet, "/events", "Accept", "text/event-stream", "X-Tenant", strconv.Itoa(w*10+i))
	})
	durations := samples(t, a.reg, sessionDuration)
	assert.Equal(t, map[string]uint64{`kind="sse",path="/events",tenant="first"`: 1, overflowAll: 81}, durations)
	open := gaugeValues(t, a.reg, sessionsOpen)
	assert.Len(t, open, 2)
	assert.InDelta(t, 0, open[overflowAll], 0)
	overflow := counterValues(t, a.reg, "gin_series_overflow_total")
	assert.InDelta(t, 81, overflow[`metric="gin_http_session_duration_seconds"`], 0)
	assert.InDelta(t, 81, overflow[`metric="gin_http_sessions_open"`], 0)
	requireLint(t, a.reg)
}

// TestBudgetAttackDecoratorKinds: a summary with objectives, a histogram
// and a gauge whose label comes from the client, under a budget of 1 and
// concurrent clients: each family holds one series and the overflow
// series, every request observed once, the overflow counter equal to the
// overflow series' count, and the gauge back at 0.
func TestBudgetAttackDecoratorKinds(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(1))
	v := ginprom.Labels{"v": func(c *gin.Context) string { return c.GetHeader("X-V") }}
	a.r.GET("/",
		a.m.Summary("delay_seconds", "Latency.", v, ginprom.WithMetricObjectives(map[float64]float64{0.5: 0.05})),
		a.m.Histogram("wait_seconds", "Latency.", v),
		a.m.Gauge("busy", "Busy.", v),
		ok)
	concurrently(8, 15, func(w, i int) { serve(a.r, http.MethodGet, "/", "X-V", strconv.Itoa(w*15+i)) })
	overflow := counterValues(t, a.reg, "gin_series_overflow_total")
	for _, name := range []string{"delay_seconds", "wait_seconds"} {
		got := samples(t, a.reg, name)
		assert.Len(t, got, 2, name)
		assert.Equal(t, uint64(120), sumCounts(got), name)
		assert.InDelta(t, float64(got[`v="<overflow>"`]), overflow[`metric="`+name+`"`], 0, name)
		assert.Equal(t, uint64(119), got[`v="<overflow>"`], name)
	}
	busy := gaugeValues(t, a.reg, "busy")
	assert.Len(t, busy, 2)
	assert.InDelta(t, 0, busy[`v="<overflow>"`], 0)
	assert.InDelta(t, 119, overflow[`metric="busy"`], 0)
	requireLint(t, a.reg)
}

// TestBudgetAttackTwoInstances: two instances on one registry, budgets 1
// and 0 (none), the second reusing the first's decorator family and
// request metrics: the families keep the first's budget, one overflow
// counter counts what either redirected, and the scrape succeeds.
func TestBudgetAttackTwoInstances(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	group := ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", func(c *gin.Context) string { return c.GetHeader("X-Tenant") }))
	r1, r2 := gin.New(), gin.New()
	m1 := ginprom.New(r1, ginprom.WithRegistry(reg), ginprom.WithSeriesLimit(1), group)
	m2 := ginprom.New(r2, ginprom.WithRegistry(reg), ginprom.WithSeriesLimit(0), group)
	v := ginprom.Labels{"v": func(c *gin.Context) string { return c.GetHeader("X-Tenant") }}
	r1.GET("/", m1.Counter("hits", "Hits.", v), ok)
	r2.GET("/", m2.Counter("hits", "Hits.", v), ok)
	serve(r1, http.MethodGet, "/", "X-Tenant", "a")
	for i := range 10 {
		serve(r2, http.MethodGet, "/", "X-Tenant", strconv.Itoa(i))
	}
	hits := counterValues(t, reg, "hits_total")
	assert.Equal(t, map[string]float64{`v="a"`: 1, `v="<overflow>"`: 10}, hits)
	got := samples(t, reg, durationName)
	assert.Equal(t, map[string]uint64{`method="GET",status="200",tenant="a"`: 1, `method="GET",status="200",tenant="<overflow>"`: 10}, got)
	overflow := counterValues(t, reg, "gin_series_overflow_total")
	assert.InDelta(t, 10, overflow[`metric="hits_total"`], 0)
	assert.InDelta(t, 10, overflow[`metric="`+durationName+`"`], 0)
	requireLint(t, reg)
}

// concurrently calls do(w, i) for i below each in each of workers
// goroutines, and returns when all are done.
func concurrently(workers, each int, do func(w, i int)) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				do(w, i)
			}
		})
	}
	wg.Wait()
}
