package ginprom_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestObserveMessage: each call counts one message by event and result,
// observes its duration and adds its bytes in each direction.
func TestObserveMessage(t *testing.T) {
	a := newApp(t)
	a.m.ObserveMessage("request/read", 250*time.Millisecond, 30, 400, nil)
	a.m.ObserveMessage("request/read", 750*time.Millisecond, 10, 100, nil)
	a.m.ObserveMessage("request/write", 20*time.Millisecond, 50, 0, errors.New("device busy"))

	requireExposition(t, a.reg, `
# HELP gin_websocket_messages_total Total number of WebSocket messages handled, by event and result (ok or error).
# TYPE gin_websocket_messages_total counter
gin_websocket_messages_total{event="request/read",result="error"} 0
gin_websocket_messages_total{event="request/read",result="ok"} 2
gin_websocket_messages_total{event="request/write",result="error"} 1
gin_websocket_messages_total{event="request/write",result="ok"} 0
# HELP gin_websocket_message_bytes_total Total bytes of WebSocket messages, by event and direction (in: received, out: sent).
# TYPE gin_websocket_message_bytes_total counter
gin_websocket_message_bytes_total{direction="in",event="request/read"} 40
gin_websocket_message_bytes_total{direction="out",event="request/read"} 500
gin_websocket_message_bytes_total{direction="in",event="request/write"} 50
gin_websocket_message_bytes_total{direction="out",event="request/write"} 0
`, "gin_websocket_messages_total", "gin_websocket_message_bytes_total")
	assert.Equal(t, map[string]observation{
		`event="request/read"`:  {2, 1},
		`event="request/write"`: {1, 0.02},
	}, observations(t, a.reg, "gin_websocket_message_duration_seconds"))
	assert.Equal(t, map[float64]uint64{.005: 0, .01: 0, .025: 1, .05: 1, .075: 1, .1: 1, .25: 1, .5: 1, .75: 1, 1: 1, 2.5: 1, 5: 1, 7.5: 1, 10: 1},
		buckets(t, a.reg, "gin_websocket_message_duration_seconds", `event="request/write"`))
	requireLint(t, a.reg)
}

// TestObserveMessageOverflow: past MaxEvents distinct events, new ones fold
// into Overflow, while events admitted earlier keep their series.
func TestObserveMessageOverflow(t *testing.T) {
	a := newApp(t)
	for i := range ginprom.MaxEvents + 50 {
		a.m.ObserveMessage(fmt.Sprintf("event-%d", i), time.Millisecond, 1, 1, nil)
	}
	a.m.ObserveMessage("event-0", time.Millisecond, 1, 1, nil)
	a.m.ObserveMessage("late", time.Millisecond, 1, 1, nil)

	counts := samples(t, a.reg, "gin_websocket_message_duration_seconds")
	assert.Len(t, counts, ginprom.MaxEvents+1, "series: one per admitted event, plus Overflow")
	assert.Equal(t, uint64(2), counts[`event="event-0"`])
	assert.Equal(t, uint64(1), counts[fmt.Sprintf(`event="event-%d"`, ginprom.MaxEvents-1)])
	assert.Equal(t, uint64(51), counts[`event="`+ginprom.Overflow+`"`], "the 50 events past the bound, and late")
	assert.NotContains(t, counts, `event="late"`)
}

// TestObserveMessageValues: event values are repaired and cut as values
// from requests are, and negative amounts count as 0.
func TestObserveMessageValues(t *testing.T) {
	a := newApp(t)
	a.m.ObserveMessage("bad\xffutf8", -time.Second, -5, -7, nil)
	long := strings.Repeat("é", 1000) // 2000 bytes
	a.m.ObserveMessage(long, time.Second, 1, 0, nil)
	a.m.ObserveMessage(long, time.Second, 1, 0, nil)

	obs := observations(t, a.reg, "gin_websocket_message_duration_seconds")
	assert.Equal(t, observation{1, 0}, obs["event=\"bad\uFFFDutf8\""], "a negative duration counts as 0")
	require.Len(t, obs, 2)
	for k, o := range obs {
		if k == "event=\"bad\uFFFDutf8\"" {
			continue
		}
		v := strings.TrimSuffix(strings.TrimPrefix(k, `event="`), `"`)
		assert.LessOrEqual(t, len(v), 1024, "bytes of a cut event")
		assert.True(t, strings.HasPrefix(long, strings.TrimSuffix(v, "…")), "the cut value begins the event")
		assert.Equal(t, uint64(2), o.count, "both calls with the long event land in one series")
	}
	requireExposition(t, a.reg, `
# HELP gin_websocket_message_bytes_total Total bytes of WebSocket messages, by event and direction (in: received, out: sent).
# TYPE gin_websocket_message_bytes_total counter
`+"gin_websocket_message_bytes_total{direction=\"in\",event=\"bad\uFFFDutf8\"} 0\n"+
		"gin_websocket_message_bytes_total{direction=\"out\",event=\"bad\uFFFDutf8\"} 0\n"+"gin_websocket_message_bytes_total{direction=\"in\",event=\""+strings.Repeat("é", 510)+"…\"} 2\n"+
		"gin_websocket_message_bytes_total{direction=\"out\",event=\""+strings.Repeat("é", 510)+"…\"} 0\n",
		"gin_websocket_message_bytes_total")
}

// TestObserveMessageLabels: the prefix applies, static default labels are
// added and label functions are left out.
func TestObserveMessageLabels(t *testing.T) {
	a := newApp(t, ginprom.WithDefaultsPrefix("synse"), ginprom.WithDefaultLabels(ginprom.Labels{
		"env":    "prod",
		"tenant": func(*gin.Context) string { return "t" },
	}))
	a.m.ObserveMessage("request/status", 0, 0, 0, nil)
	requireExposition(t, a.reg, `
# HELP synse_websocket_messages_total Total number of WebSocket messages handled, by event and result (ok or error).
# TYPE synse_websocket_messages_total counter
synse_websocket_messages_total{env="prod",event="request/status",result="error"} 0
synse_websocket_messages_total{env="prod",event="request/status",result="ok"} 1
`, "synse_websocket_messages_total")
}

// TestObserveMessageWithoutDefaults: the message metrics are the caller's
// own, so WithoutDefaults keeps them.
func TestObserveMessageWithoutDefaults(t *testing.T) {
	a := newApp(t, ginprom.WithoutDefaults())
	a.m.ObserveMessage("ping", 0, 0, 0, nil)
	assert.Equal(t, []string{"gin_websocket_message_bytes_total", "gin_websocket_message_duration_seconds", "gin_websocket_messages_total"},
		families(t, a.reg))
}

// TestObserveMessageOwnLabels: a default label named like one of the
// message metrics' own labels is left off them; theirs win.
func TestObserveMessageOwnLabels(t *testing.T) {
	a := newApp(t, ginprom.WithDefaultLabels(ginprom.Labels{"event": "x", "result": "y", "env": "prod"}))
	a.m.ObserveMessage("ping", 0, 0, 0, nil)
	requireExposition(t, a.reg, `
# HELP gin_websocket_messages_total Total number of WebSocket messages handled, by event and result (ok or error).
# TYPE gin_websocket_messages_total counter
gin_websocket_messages_total{env="prod",event="ping",result="error"} 0
gin_websocket_messages_total{env="prod",event="ping",result="ok"} 1
`, "gin_websocket_messages_total")
}

// TestObserveMessageConcurrent: calls from many goroutines, on new and
// known events, are all counted.
func TestObserveMessageConcurrent(t *testing.T) {
	a := newApp(t)
	const goroutines, calls = 8, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				a.m.ObserveMessage(fmt.Sprintf("e%d", (g+i)%20), time.Millisecond, 2, 3, nil)
			}
		}()
	}
	wg.Wait()
	var total uint64
	for _, n := range samples(t, a.reg, "gin_websocket_message_duration_seconds") {
		total += n
	}
	assert.Equal(t, uint64(goroutines*calls), total)
}

// TestObserveMessageKeepsNoLongEvent: events longer than a label value may
// be are recorded cut, and the Metrics keeps no copy of what was sent, so
// that 16 events of 1 MiB hold on to kilobytes, not 16 MiB.
func TestObserveMessageKeepsNoLongEvent(t *testing.T) {
	a := newApp(t)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	const events, size = 16, 1 << 20
	for i := range events {
		event := fmt.Sprintf("%02d", i) + strings.Repeat("x", size)
		a.m.ObserveMessage(event, time.Millisecond, 1, 1, nil)
		a.m.ObserveMessage(event, time.Millisecond, 1, 1, nil)
	}
	after := heap()
	runtime.KeepAlive(a.m)
	kept := uint64(0)
	if after > before {
		kept = after - before
	}
	assert.Less(t, kept, uint64(events*size/4), "bytes kept for %d events of %d bytes", events, size)
	counts := samples(t, a.reg, "gin_websocket_message_duration_seconds")
	assert.Len(t, counts, events)
	for k, n := range counts {
		assert.Equal(t, uint64(2), n, k)
		assert.Contains(t, k, ginprom.CutMark)
	}
}
