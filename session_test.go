package ginprom_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWebSocketSession: an upgraded request is a session from the hijack
// to the handler's return: counted open meanwhile, then in the session
// duration, with the bytes of its connection, and never in the request
// metrics.
func TestWebSocketSession(t *testing.T) {
	sa := newSessionApp(t)
	a, b := sa.dialWebSocket(t, "/ws"), sa.dialWebSocket(t, "/ws")
	a.echo(t, "ping")
	b.echo(t, "hello")
	assert.InDelta(t, 2.0, open(t, sa.reg, "websocket", "/ws"), 0, "sessions open")

	require.NoError(t, a.conn.Close()) // the client hangs up
	sa.waitEnded(t, "/ws")
	assert.InDelta(t, 1.0, open(t, sa.reg, "websocket", "/ws"), 0)
	b.echo(t, "still there")
	b.send(t, "bye") // the server closes
	sa.waitEnded(t, "/ws")

	assert.InDelta(t, 0.0, open(t, sa.reg, "websocket", "/ws"), 0)
	assert.Equal(t, map[string]uint64{`kind="websocket",path="/ws"`: 2}, samples(t, sa.reg, sessionDuration))
	assert.Empty(t, samples(t, sa.reg, coreDuration), "sessions in the request duration")
	assert.NotContains(t, families(t, sa.reg), coreTotal)
	in := len("ping\n") + len("hello\n") + len("still there\n") + len("bye\n")
	// The 101 responses, written on the connections, are not counted.
	out := len("ping\n") + len("hello\n") + len("still there\n")
	assert.InDelta(t, float64(in), sessionBytesOf(t, sa.reg, "websocket", "/ws", "in"), 0)
	assert.InDelta(t, float64(out), sessionBytesOf(t, sa.reg, "websocket", "/ws", "out"), 0)
	requireLint(t, sa.reg)
}

const exceptionsHead = "# HELP gin_http_request_exceptions_total Total number of HTTP requests whose handler panicked.\n# TYPE gin_http_request_exceptions_total counter\n"

// TestWebSocketSessionPanic: a handler that panics mid-session ends the
// session; the panic goes on to the recovery, the gauge is balanced, and
// the panic is an exception with status 101.
func TestWebSocketSessionPanic(t *testing.T) {
	sa := newSessionApp(t)
	ws := sa.dialWebSocket(t, "/ws")
	ws.echo(t, "ping")
	assert.InDelta(t, 1.0, open(t, sa.reg, "websocket", "/ws"), 0)
	ws.send(t, "panic")
	sa.waitEnded(t, "/ws")

	assert.InDelta(t, 0.0, open(t, sa.reg, "websocket", "/ws"), 0)
	assert.Equal(t, map[string]uint64{`kind="websocket",path="/ws"`: 1}, samples(t, sa.reg, sessionDuration))
	assert.Empty(t, samples(t, sa.reg, coreDuration))
	// A session's panic is an exception, with the status the client got.
	requireExposition(t, sa.reg, exceptionsHead+`gin_http_request_exceptions_total{method="GET",status="101"} 1
`, "gin_http_request_exceptions_total")
	_, err := ws.r.ReadString('\n')
	assert.ErrorIs(t, err, io.EOF, "the connection closes once the handler is gone")
}

// TestWebSocketRefused: an upgrade request the handler answers without
// hijacking is an ordinary request.
func TestWebSocketRefused(t *testing.T) {
	sa := newSessionApp(t)
	conn := sa.dial(t)
	_, err := fmt.Fprintf(conn, "GET /refuse HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", testKey)
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	sa.waitEnded(t, "/refuse")

	assert.Equal(t, map[string]uint64{`method="GET",path="/refuse",status="403"`: 1}, samples(t, sa.reg, coreDuration))
	assert.Empty(t, samples(t, sa.reg, sessionDuration))
	assert.NotContains(t, families(t, sa.reg), sessionsOpen)
}

// TestHijackWithoutUpgrade: a handler that hijacks a request that is no
// upgrade request does not make it a WebSocket session.
func TestHijackWithoutUpgrade(t *testing.T) {
	sa := newSessionApp(t)
	sa.r.GET("/raw", func(c *gin.Context) {
		conn, brw, err := c.Writer.Hijack()
		if err != nil {
			panic(err)
		}
		defer func() { _ = conn.Close() }()
		if _, err := brw.WriteString("HTTP/1.1 204 No Content\r\n\r\n"); err == nil {
			_ = brw.Flush()
		}
	})
	assert.Equal(t, http.StatusNoContent, sa.get(t, "/raw"))
	sa.waitEnded(t, "/raw")
	assert.Len(t, samples(t, sa.reg, coreDuration), 1)
	assert.Empty(t, samples(t, sa.reg, sessionDuration))
}

// TestSSESession: a response with Content-Type text/event-stream is a
// session from the request's start to the handler's return; the gauge
// rises as soon as its header goes out, and the client's hang-up ends it.
func TestSSESession(t *testing.T) {
	sa := newSessionApp(t)
	sc := sa.openStream(t, true)
	assert.InDelta(t, 1.0, open(t, sa.reg, "sse", "/events"), 0, "open while streaming")
	sa.next <- "second"
	sc.event(t, "second")

	sc.cancel() // the client hangs up
	sa.waitEnded(t, "/events")
	assert.InDelta(t, 0.0, open(t, sa.reg, "sse", "/events"), 0)
	assert.Equal(t, map[string]uint64{`kind="sse",path="/events"`: 1}, samples(t, sa.reg, sessionDuration))
	assert.Empty(t, samples(t, sa.reg, coreDuration), "sessions in the request duration")
	assert.InDelta(t, float64(sa.wrote.Load()), sessionBytesOf(t, sa.reg, "sse", "/events", "out"), 0)
	assert.InDelta(t, float64(len("data: first\n\ndata: second\n\n")), sessionBytesOf(t, sa.reg, "sse", "/events", "out"), 0)

	// Ordinary requests are still requests, also those that accept a
	// stream and get none.
	assert.Equal(t, http.StatusOK, sa.get(t, "/json"))
	sa.waitEnded(t, "/json")
	assert.Equal(t, http.StatusOK, sa.get(t, "/json", "Accept", "text/event-stream"))
	sa.waitEnded(t, "/json")
	assert.Equal(t, map[string]uint64{`method="GET",path="/json",status="200"`: 2}, samples(t, sa.reg, coreDuration))
}

// TestSSEServerEnds: a stream the server ends, and one whose handler
// panics after the header went out, are sessions that end then.
func TestSSEServerEnds(t *testing.T) {
	sa := newSessionApp(t)
	sc := sa.openStream(t, true)
	sa.next <- "panic"
	sa.waitEnded(t, "/events")
	rest, _ := io.ReadAll(sc.body)
	assert.Empty(t, rest, "the recovery writes nothing into a stream under way")
	assert.InDelta(t, 0.0, open(t, sa.reg, "sse", "/events"), 0)

	sa.openStream(t, true)
	close(sa.next) // the server ends the stream
	sa.waitEnded(t, "/events")
	assert.InDelta(t, 0.0, open(t, sa.reg, "sse", "/events"), 0)
	assert.Equal(t, map[string]uint64{`kind="sse",path="/events"`: 2}, samples(t, sa.reg, sessionDuration))
	assert.Empty(t, samples(t, sa.reg, coreDuration))
	requireExposition(t, sa.reg, exceptionsHead+`gin_http_request_exceptions_total{method="GET",status="200"} 1
`, "gin_http_request_exceptions_total")
}

// TestSSEUnannounced: a stream the client did not announce with Accept is
// found when its handler returns, and is a session all the same; from then
// on the route is watched, and its streams count as open while they last.
func TestSSEUnannounced(t *testing.T) {
	sa := newSessionApp(t)
	sc := sa.openStream(t, false)
	sc.cancel()
	sa.waitEnded(t, "/events")
	assert.Equal(t, map[string]uint64{`kind="sse",path="/events"`: 1}, samples(t, sa.reg, sessionDuration))
	assert.InDelta(t, float64(len("data: first\n\n")), sessionBytesOf(t, sa.reg, "sse", "/events", "out"), 0)
	assert.Empty(t, samples(t, sa.reg, coreDuration))

	sc = sa.openStream(t, false)
	assert.InDelta(t, 1.0, open(t, sa.reg, "sse", "/events"), 0, "open while streaming, once the route has streamed")
	sc.cancel()
	sa.waitEnded(t, "/events")
	assert.InDelta(t, 0.0, open(t, sa.reg, "sse", "/events"), 0)
	assert.Equal(t, map[string]uint64{`kind="sse",path="/events"`: 2}, samples(t, sa.reg, sessionDuration))
}

// TestSessionLabels: sessions carry the default labels, label functions
// evaluated when the session begins; DoNotTrack leaves a session out.
func TestSessionLabels(t *testing.T) {
	sa := newSessionApp(t, ginprom.WithDefaultLabels(ginprom.Labels{
		"env":    "prod",
		"client": func(c *gin.Context) string { return c.GetHeader("Sec-WebSocket-Version") },
	}))
	sa.r.GET("/quiet", sa.m.DoNotTrack(), echoWebSocket)
	ws := sa.dialWebSocket(t, "/ws")
	ws.echo(t, "ping")
	v, ok := decoValue(t, sa.reg, sessionsOpen, `client="13",env="prod",kind="websocket",path="/ws"`)
	require.True(t, ok)
	assert.InDelta(t, 1.0, v, 0)
	require.NoError(t, ws.conn.Close())
	sa.waitEnded(t, "/ws")

	quiet := sa.dialWebSocket(t, "/quiet")
	quiet.echo(t, "ping")
	require.NoError(t, quiet.conn.Close())
	sa.waitEnded(t, "/quiet")
	assert.Equal(t, map[string]uint64{`client="13",env="prod",kind="websocket",path="/ws"`: 1}, samples(t, sa.reg, sessionDuration))
	assert.Empty(t, samples(t, sa.reg, coreDuration))
}

// TestSessionsWithRecorder: through httptest.ResponseRecorder, which cannot
// hijack, an SSE response is a session and an upgrade request is not.
func TestSessionsWithRecorder(t *testing.T) {
	a := newApp(t)
	a.r.GET("/events", func(c *gin.Context) {
		c.SSEvent("tick", "1")
		c.Writer.Flush()
	})
	a.r.GET("/ws", echoWebSocket)
	w := serve(a.r, http.MethodGet, "/events", "Accept", "text/event-stream")
	assert.Equal(t, "event:tick\ndata:1\n\n", w.Body.String())
	serve(a.r, http.MethodGet, "/events")
	assert.Panics(t, func() { serve(a.r, http.MethodGet, "/ws", "Upgrade", "websocket", "Connection", "upgrade") },
		"the recorder cannot hijack")
	assert.Equal(t, map[string]uint64{`kind="sse",path="/events"`: 2}, samples(t, a.reg, sessionDuration))
	assert.InDelta(t, 0.0, open(t, a.reg, "sse", "/events"), 0)
	assert.Equal(t, map[string]uint64{`method="GET",path="/ws",status="500"`: 1}, samples(t, a.reg, coreDuration))
}

// TestAnnouncedStream: what counts as a client asking for a stream.
func TestAnnouncedStream(t *testing.T) {
	for accept, want := range map[string]bool{
		"text/event-stream":                       true,
		"TEXT/Event-Stream":                       true,
		"text/event-stream;q=1, */*":              true,
		"application/json, text/event-stream;q=1": false, // found when it ends
		"text/html,application/xhtml+xml,*/*":     false,
		"text/event-strea":                        false,
		"/event-stream":                           false,
		"":                                        false,
	} {
		a := newApp(t)
		a.r.GET("/events", func(c *gin.Context) {
			c.Header("Content-Type", "text/event-stream")
			c.Writer.WriteHeaderNow()
			// Open already when the header went out, only if announced.
			v, _ := decoValue(t, a.reg, sessionsOpen, `kind="sse",path="/events"`)
			assert.Equal(t, want, v == 1, "Accept %q", accept)
		})
		serve(a.r, http.MethodGet, "/events", "Accept", accept)
	}
}

// TestSessionLeavesRequestSignals: a request leaves the in-flight gauge
// when it becomes a session, so a long session does not hold it up, and
// sessions are in no size metric.
func TestSessionLeavesRequestSignals(t *testing.T) {
	sa := newSessionApp(t, ginprom.WithInFlight(), ginprom.WithRequestSize(), ginprom.WithResponseSize())
	inflight := func() float64 {
		v, ok := decoValue(t, sa.reg, "gin_http_requests_in_flight", `method="GET"`)
		require.True(t, ok)
		return v
	}
	ws := sa.dialWebSocket(t, "/ws")
	ws.echo(t, "ping")
	sc := sa.openStream(t, true)
	assert.InDelta(t, 0.0, inflight(), 0, "in flight during two sessions")
	assert.InDelta(t, 1.0, open(t, sa.reg, "websocket", "/ws"), 0)
	assert.InDelta(t, 1.0, open(t, sa.reg, "sse", "/events"), 0)
	require.NoError(t, ws.conn.Close())
	sa.waitEnded(t, "/ws")
	sc.cancel()
	sa.waitEnded(t, "/events")
	assert.InDelta(t, 0.0, inflight(), 0)

	sc = sa.openStream(t, false) // found when it ends
	sc.cancel()
	sa.waitEnded(t, "/events")
	assert.InDelta(t, 0.0, inflight(), 0)
	assert.Empty(t, samples(t, sa.reg, "gin_http_request_size_bytes"))
	assert.Empty(t, samples(t, sa.reg, "gin_http_response_size_bytes"))
	assert.Equal(t, map[string]uint64{`kind="websocket",path="/ws"`: 1, `kind="sse",path="/events"`: 2}, samples(t, sa.reg, sessionDuration))
}

// TestWebSocketOnlyGET: an upgrade is a GET request; a handler that hijacks
// a POST that carries upgrade headers serves an ordinary request.
func TestWebSocketOnlyGET(t *testing.T) {
	sa := newSessionApp(t)
	sa.r.POST("/ws", echoWebSocket)
	conn := sa.dial(t)
	_, err := fmt.Fprintf(conn, "POST /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nContent-Length: 0\r\n\r\n", testKey)
	require.NoError(t, err)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil) //nolint:bodyclose // a 101 has no body
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	require.NoError(t, conn.Close())
	sa.waitEnded(t, "/ws")
	assert.Empty(t, samples(t, sa.reg, sessionDuration))
	assert.Len(t, samples(t, sa.reg, coreDuration), 1)
}

// TestSessionOwnLabels: a default label named like a session metric's own
// label is left off the session metrics; theirs win.
func TestSessionOwnLabels(t *testing.T) {
	a := newApp(t, ginprom.WithDefaultLabels(ginprom.Labels{"kind": "api", "direction": "north", "env": "prod"}))
	a.r.GET("/events", func(c *gin.Context) {
		c.SSEvent("tick", "1")
	})
	serve(a.r, http.MethodGet, "/events", "Accept", "text/event-stream")
	assert.Equal(t, map[string]uint64{`env="prod",kind="sse",path="/events"`: 1}, samples(t, a.reg, sessionDuration))
	v, ok := decoValue(t, a.reg, sessionBytes, `direction="out",env="prod",kind="sse",path="/events"`)
	require.True(t, ok)
	assert.InDelta(t, float64(len("event:tick\ndata:1\n\n")), v, 0)
}

// TestSSEUnannouncedPanic: a stream that the client did not announce, on a
// route that has not streamed before, whose handler panics after the
// event-stream header went out, is a session all the same: never a
// request, nor in flight; its panic is an exception, with status 200.
func TestSSEUnannouncedPanic(t *testing.T) {
	a := newRecoveringApp(t, ginprom.WithInFlight(), ginprom.WithResponseSize())
	a.r.GET("/events", func(c *gin.Context) {
		c.Header("Content-Type", "text/event-stream")
		c.String(http.StatusOK, "data: x\n\n")
		panic("stream broke")
	})
	serve(a.r, http.MethodGet, "/events")
	assert.Equal(t, map[string]uint64{`kind="sse",path="/events"`: 1}, samples(t, a.reg, sessionDuration))
	assert.InDelta(t, 0.0, open(t, a.reg, "sse", "/events"), 0)
	assert.InDelta(t, float64(len("data: x\n\n")), sessionBytesOf(t, a.reg, "sse", "/events", "out"), 0)
	assert.Empty(t, samples(t, a.reg, coreDuration))
	assert.Empty(t, samples(t, a.reg, "gin_http_response_size_bytes"))
	// A session's panic is an exception, with the status the client got.
	requireExposition(t, a.reg, exceptionsHead+`gin_http_request_exceptions_total{method="GET",status="200"} 1
`, "gin_http_request_exceptions_total")
	assert.Equal(t, map[string]float64{`method="GET"`: 0}, inflight(t, a.reg))
}

// TestSessionThroughHandleContext: a handler that forwards to a WebSocket
// or stream route with engine.HandleContext makes a session of both
// dispatches, each under its own route, and no request of either.
func TestSessionThroughHandleContext(t *testing.T) {
	sa := newSessionApp(t, ginprom.WithInFlight())
	forward := func(to string) gin.HandlerFunc {
		return func(c *gin.Context) {
			c.Request.URL.Path = to
			sa.r.HandleContext(c)
		}
	}
	sa.r.GET("/fwd-ws", forward("/ws"))
	sa.r.GET("/fwd-events", forward("/events"))

	ws := sa.dialWebSocket(t, "/fwd-ws")
	ws.echo(t, "ping")
	require.NoError(t, ws.conn.Close())
	sa.waitEnded(t, "/ws")
	sa.waitEnded(t, "/ws") // HandleContext leaves the inner route in the context

	for _, announce := range []bool{true, false} {
		ctx, cancel := context.WithCancel(t.Context())
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, sa.srv.URL+"/fwd-events", http.NoBody)
		require.NoError(t, err)
		if announce {
			req.Header.Set("Accept", "text/event-stream")
		}
		sa.next <- "first"
		resp, err := sa.srv.Client().Do(req)
		require.NoError(t, err)
		require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
		cancel()
		_ = resp.Body.Close()
		sa.waitEnded(t, "/events")
		sa.waitEnded(t, "/events")
	}

	assert.Equal(t, map[string]uint64{
		`kind="websocket",path="/ws"`:     1,
		`kind="websocket",path="/fwd-ws"`: 1,
		`kind="sse",path="/events"`:       2,
		`kind="sse",path="/fwd-events"`:   2,
	}, samples(t, sa.reg, sessionDuration))
	assert.Empty(t, samples(t, sa.reg, coreDuration), "sessions in the request duration")
	assert.Equal(t, map[string]float64{`method="GET"`: 0}, inflight(t, sa.reg))
}

// TestSessionExceptionLabels: a session's exception carries the default
// labels, and with WithTotalsByGroup the group-by value, as a request's.
func TestSessionExceptionLabels(t *testing.T) {
	sa := newSessionApp(t, ginprom.WithTotalsByGroup(), ginprom.WithDefaultLabels(ginprom.Labels{
		"region": "eu",
		"tenant": func(c *gin.Context) string { return c.Query("t") },
	}))
	ws := sa.dialWebSocket(t, "/ws?t=acme")
	ws.send(t, "panic")
	sa.waitEnded(t, "/ws")
	requireExposition(t, sa.reg, exceptionsHead+`gin_http_request_exceptions_total{method="GET",path="/ws",region="eu",status="101",tenant="acme"} 1
`, "gin_http_request_exceptions_total")
}

// TestWebSocketOutLeavesTheHandshake: out counts what follows the 101
// response, however the handler writes it: the head split across writes,
// a frame in the same write as its end, or the 101 sent through Gin before
// the hijack (as coder/websocket does) and frames alone on the connection.
func TestWebSocketOutLeavesTheHandshake(t *testing.T) {
	sa := newSessionApp(t)
	head := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + acceptKey(testKey) + "\r\n\r\n"
	sa.r.GET("/split", func(c *gin.Context) {
		conn, _, err := c.Writer.Hijack()
		if err != nil {
			panic(err)
		}
		defer func() { _ = conn.Close() }()
		cut := len(head) - 3 // "\r\n\r" | "\n"
		_, _ = conn.Write([]byte(head[:cut]))
		_, _ = conn.Write([]byte(head[cut:] + "frame\n"))
		_, _ = conn.Write([]byte("HTTP/ is a frame now\n"))
	})
	sa.r.GET("/through-gin", func(c *gin.Context) {
		c.Header("Upgrade", "websocket")
		c.Header("Connection", "Upgrade")
		c.Header("Sec-WebSocket-Accept", acceptKey(c.GetHeader("Sec-WebSocket-Key")))
		c.Writer.WriteHeader(http.StatusSwitchingProtocols)
		c.Writer.WriteHeaderNow()
		conn, _, err := c.Writer.Hijack()
		if err != nil {
			panic(err)
		}
		defer func() { _ = conn.Close() }()
		_, _ = conn.Write([]byte("frame\n"))
	})
	for _, path := range []string{"/split", "/through-gin"} {
		ws := sa.dialWebSocket(t, path)
		line, err := ws.r.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, "frame\n", line)
		sa.waitEnded(t, path)
	}
	assert.InDelta(t, float64(len("frame\n")+len("HTTP/ is a frame now\n")), sessionBytesOf(t, sa.reg, "websocket", "/split", "out"), 0)
	assert.InDelta(t, float64(len("frame\n")), sessionBytesOf(t, sa.reg, "websocket", "/through-gin", "out"), 0)
}
