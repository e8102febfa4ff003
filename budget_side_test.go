package ginprom_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The series budget of the session, message and dependency families: past
// a budget of 10, each family has one overflow series (per Const value: the
// byte counters have one per direction), its counts add up, and the
// overflow counter shows what went there.

const overflowAll = `kind="<overflow>",path="<overflow>",tenant="<overflow>"`

// TestSeriesLimitSessions: event streams from 30 tenants, a default label
// read from a header, under a budget of 10: each session family makes 10
// series and one overflow series, where kind, path and tenant read
// Overflow.
func TestSeriesLimitSessions(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(10),
		ginprom.WithDefaultLabels(ginprom.Labels{"tenant": func(c *gin.Context) string { return c.GetHeader("X-Tenant") }}))
	a.r.GET("/events", func(c *gin.Context) {
		c.Header("Content-Type", "text/event-stream")
		c.String(http.StatusOK, "data: hi\n\n") // 10 bytes
	})
	for i := range 30 {
		w := serve(a.r, http.MethodGet, "/events", "Accept", "text/event-stream", "X-Tenant", "t"+strconv.Itoa(i))
		require.Equal(t, http.StatusOK, w.Code)
	}
	// A tenant seen before the budget was spent keeps its series.
	serve(a.r, http.MethodGet, "/events", "Accept", "text/event-stream", "X-Tenant", "t3")

	durations := samples(t, a.reg, sessionDuration)
	assert.Len(t, durations, 11)
	assert.Equal(t, uint64(31), sumOf(durations))
	assert.Equal(t, uint64(2), durations[`kind="sse",path="/events",tenant="t3"`])
	assert.Equal(t, uint64(20), durations[overflowAll])

	open := gaugeValues(t, a.reg, sessionsOpen)
	assert.Len(t, open, 11)
	assert.InDelta(t, 0, open[overflowAll], 0, "the overflow series went up and down again")

	bytes := counterValues(t, a.reg, sessionBytes)
	assert.Len(t, bytes, 11)
	assert.InDelta(t, 310, total(bytes), 0)
	assert.InDelta(t, 200, bytes[`direction="out",`+overflowAll], 0)

	overflow := counterValues(t, a.reg, "gin_series_overflow_total")
	assert.InDelta(t, 20, overflow[`metric="gin_http_sessions_open"`], 0)
	assert.InDelta(t, 20, overflow[`metric="gin_http_session_duration_seconds"`], 0)
	assert.InDelta(t, 20, overflow[`metric="gin_http_session_bytes_total"`], 0)
	requireLint(t, a.reg)
}

// TestSeriesLimitWebSocketBytes: WebSocket sessions from 12 tenants under
// a budget of 10 series of the byte counter, which holds both directions:
// the first five tenants' sessions make 10 series, the others count in
// the two overflow series, one per direction.
func TestSeriesLimitWebSocketBytes(t *testing.T) {
	sa := newSessionApp(t, ginprom.WithSeriesLimit(10),
		ginprom.WithDefaultLabels(ginprom.Labels{"tenant": func(c *gin.Context) string { return c.Query("tenant") }}))
	for i := range 12 {
		ws := sa.dialWebSocket(t, "/ws?tenant=t"+strconv.Itoa(i))
		ws.echo(t, "hello")
		ws.send(t, "bye")
		sa.waitEnded(t, "/ws")
	}
	bytes := counterValues(t, sa.reg, sessionBytes)
	assert.Len(t, bytes, 12)
	in, out := bytes[`direction="in",`+overflowAll], bytes[`direction="out",`+overflowAll]
	assert.Positive(t, in)
	assert.Positive(t, out)
	// Every session moved the same bytes: the overflow holds 7 of 12.
	perSessionIn, perSessionOut := bytes[`direction="in",kind="websocket",path="/ws",tenant="t0"`], bytes[`direction="out",kind="websocket",path="/ws",tenant="t0"`]
	assert.InDelta(t, 7*perSessionIn, in, 0)
	assert.InDelta(t, 7*perSessionOut, out, 0)
	assert.InDelta(t, 12*(perSessionIn+perSessionOut), total(bytes), 0)
	assert.Equal(t, uint64(2), samples(t, sa.reg, sessionDuration)[overflowAll], "duration: 10 sessions have series, 2 overflow")
	overflow := counterValues(t, sa.reg, "gin_series_overflow_total")
	assert.InDelta(t, 2, overflow[`metric="gin_http_session_duration_seconds"`], 0)
	assert.Positive(t, overflow[`metric="gin_http_session_bytes_total"`])
}

// TestSeriesLimitMessages: 30 events through ObserveMessage, from a
// handler, under a budget of 10. The message counter has two series per
// event (ok and error), the duration one, the byte counter two (in and
// out): each fills its budget at its own event, and the rest overflows.
func TestSeriesLimitMessages(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(10))
	a.r.POST("/message/:event", func(c *gin.Context) {
		a.m.ObserveMessage(c.Param("event"), 10*time.Millisecond, 3, 5, nil)
		c.Status(http.StatusNoContent)
	})
	for i := range 30 {
		require.Equal(t, http.StatusNoContent, a.do(http.MethodPost, "/message/e"+strconv.Itoa(i)).Code)
	}
	a.do(http.MethodPost, "/message/e0")

	messages := counterValues(t, a.reg, "gin_websocket_messages_total")
	assert.Len(t, messages, 11)
	assert.InDelta(t, 31, total(messages), 0)
	assert.InDelta(t, 2, messages[`event="e0",result="ok"`], 0)
	assert.InDelta(t, 25, messages[`event="<overflow>",result="<overflow>"`], 0)

	durations := samples(t, a.reg, "gin_websocket_message_duration_seconds")
	assert.Len(t, durations, 11)
	assert.Equal(t, uint64(31), sumOf(durations))
	assert.Equal(t, uint64(20), durations[`event="<overflow>"`])

	bytes := counterValues(t, a.reg, "gin_websocket_message_bytes_total")
	assert.Len(t, bytes, 12, "10 series, and an overflow series per direction")
	assert.InDelta(t, 31*8, total(bytes), 0)
	assert.InDelta(t, 25*3, bytes[`direction="in",event="<overflow>"`], 0)
	assert.InDelta(t, 25*5, bytes[`direction="out",event="<overflow>"`], 0)

	requireExposition(t, a.reg, budgetOverflowHead+`gin_series_overflow_total{metric="gin_websocket_message_bytes_total"} 50
gin_series_overflow_total{metric="gin_websocket_message_duration_seconds"} 20
gin_series_overflow_total{metric="gin_websocket_messages_total"} 25
`, "gin_series_overflow_total")
	requireLint(t, a.reg)
}

// TestSeriesLimitMessagesConcurrent: goroutines observe random events,
// far more than the budget, some failing; every message is counted once,
// in its event's series or the overflow series, and the overflow counter
// matches the overflow series.
func TestSeriesLimitMessagesConcurrent(t *testing.T) {
	t.Parallel()
	const limit, workers, each, events = 20, 8, 300, 90
	a := newApp(t, ginprom.WithSeriesLimit(limit), ginprom.WithoutDefaults())
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 18)) //nolint:gosec // G404: a seeded test, not a secret.
			for range each {
				var err error
				if rng.IntN(4) == 0 {
					err = errors.New("refused")
				}
				a.m.ObserveMessage("e"+strconv.Itoa(rng.IntN(events)), time.Millisecond, 1, 2, err)
			}
		})
		if w == workers/2 {
			_, err := a.reg.Gather() // a scrape during the load
			require.NoError(t, err)
		}
	}
	wg.Wait()
	messages := counterValues(t, a.reg, "gin_websocket_messages_total")
	assert.LessOrEqual(t, len(messages), limit+1)
	assert.InDelta(t, workers*each, total(messages), 0)
	durations := samples(t, a.reg, "gin_websocket_message_duration_seconds")
	assert.LessOrEqual(t, len(durations), limit+1)
	assert.Equal(t, uint64(workers*each), sumOf(durations))
	bytes := counterValues(t, a.reg, "gin_websocket_message_bytes_total")
	assert.LessOrEqual(t, len(bytes), limit+2)
	assert.InDelta(t, workers*each*3, total(bytes), 0)

	overflow := counterValues(t, a.reg, "gin_series_overflow_total")
	assert.InDelta(t, messages[`event="<overflow>",result="<overflow>"`], overflow[`metric="gin_websocket_messages_total"`], 0)
	assert.InDelta(t, float64(durations[`event="<overflow>"`]), overflow[`metric="gin_websocket_message_duration_seconds"`], 0)
	assert.InDelta(t, bytes[`direction="in",event="<overflow>"`]+bytes[`direction="out",event="<overflow>"`]/2,
		overflow[`metric="gin_websocket_message_bytes_total"`], 0, "one observation per direction, of 1 and 2 bytes")
	assert.Positive(t, overflow[`metric="gin_websocket_messages_total"`])
}

// TestSeriesLimitInstrumentClient: a dependency that answers 30 statuses,
// a Gin router behind the client's transport, under a budget of 10: the
// outgoing request histogram makes 10 series, then one where name, method
// and status read Overflow.
func TestSeriesLimitInstrumentClient(t *testing.T) {
	t.Parallel()
	m, reg := depMetrics(t, ginprom.WithSeriesLimit(10))
	dep := gin.New()
	dep.GET("/status/:code", func(c *gin.Context) {
		code, err := strconv.Atoi(c.Param("code"))
		require.NoError(t, err)
		c.Status(code)
	})
	client := &http.Client{Transport: m.InstrumentClient("billing", serveTransport{dep})}
	for i := range 30 {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://billing/status/"+strconv.Itoa(200+i), nil)
		require.NoError(t, err)
		resp, err := client.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, 200+i, resp.StatusCode)
	}
	durations := samples(t, reg, "gin_dependency_request_duration_seconds")
	assert.Len(t, durations, 11)
	assert.Equal(t, uint64(30), sumOf(durations))
	assert.Equal(t, uint64(1), durations[`method="GET",name="billing",status="205"`])
	assert.Equal(t, uint64(20), durations[`method="<overflow>",name="<overflow>",status="<overflow>"`])
	requireExposition(t, reg, budgetOverflowHead+`gin_series_overflow_total{metric="gin_dependency_request_duration_seconds"} 20
`, "gin_series_overflow_total")
	requireLint(t, reg)
}

// TestSeriesLimitWatchDependency: 15 dependencies watched under a budget
// of 10: the last five share the overflow series, which reads 0 as one of
// them is down, and each of their checks counts in the overflow counter.
func TestSeriesLimitWatchDependency(t *testing.T) {
	t.Parallel()
	m, reg := depMetrics(t, ginprom.WithSeriesLimit(10))
	t.Cleanup(m.Close)
	for i := range 15 {
		check := succeed
		if i == 12 {
			check = fail
		}
		m.WatchDependency("db"+strconv.Itoa(i), check, ginprom.WatchInterval(time.Hour))
	}
	up := upValues(t, reg, depUp)
	assert.Len(t, up, 11)
	assert.InDelta(t, 1, up["db9"], 0)
	assert.InDelta(t, 0, up[ginprom.Overflow], 0, "db12, in the overflow series, is down")
	requireExposition(t, reg, budgetOverflowHead+`gin_series_overflow_total{metric="gin_dependency_up"} 5
`, "gin_series_overflow_total")
}

// serveTransport answers a client's requests with a Gin router.
type serveTransport struct{ h http.Handler }

func (s serveTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	return w.Result(), nil
}

// gaugeValues returns the value of each series of the gauge family name.
func gaugeValues(t testing.TB, g prometheus.Gatherer, name string) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				out[seriesKey(m.GetLabel())] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

func sumOf(counts map[string]uint64) uint64 {
	var n uint64
	for _, c := range counts {
		n += c
	}
	return n
}
