package ginprom_test

// Helpers of the session tests: an app behind a real server, a WebSocket
// handshake by hand (the library tests use no WebSocket library), and an
// event-stream client.

import (
	"bufio"
	"context"
	"crypto/sha1" //nolint:gosec // G505: SHA-1 is what RFC 6455 prescribes for the handshake; nothing here is secret.
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

const (
	sessionsOpen    = "gin_http_sessions_open"
	sessionDuration = "gin_http_session_duration_seconds"
	sessionBytes    = "gin_http_session_bytes_total"
)

// sessionApp is an instrumented engine behind a real HTTP server. ended
// receives the route of every request once the ginprom middleware has
// recorded it, panics included: the middleware that sends it runs before
// ginprom's, behind a recovery.
type sessionApp struct {
	*app
	srv   *httptest.Server
	ended chan string
	// wrote counts the body bytes the SSE handler wrote.
	wrote atomic.Int64
	// next lets the SSE handler write its next event; a closed next ends
	// the stream.
	next chan string
}

func newSessionApp(t *testing.T, opts ...ginprom.Option) *sessionApp {
	t.Helper()
	before := goleak.IgnoreCurrent()
	reg := prometheus.NewRegistry()
	r := gin.New()
	sa := &sessionApp{ended: make(chan string, 16), next: make(chan string, 1)}
	r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(http.StatusInternalServerError) }))
	r.Use(func(c *gin.Context) {
		defer func() { sa.ended <- c.FullPath() }()
		c.Next()
	})
	m := ginprom.New(r, append([]ginprom.Option{ginprom.WithRegistry(reg)}, opts...)...)
	sa.app = &app{r: r, m: m, reg: reg}
	r.GET("/ws", echoWebSocket)
	r.GET("/refuse", func(c *gin.Context) {
		if c.IsWebsocket() {
			c.String(http.StatusForbidden, "no upgrades here")
		}
	})
	r.GET("/events", sa.streamEvents)
	r.GET("/json", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	sa.srv = httptest.NewServer(r)
	t.Cleanup(func() {
		sa.srv.Close()
		goleak.VerifyNone(t, before)
	})
	return sa
}

// echoWebSocket completes the WebSocket handshake by hand, as a WebSocket
// library does, then echoes lines until the client hangs up, says "bye"
// (the server closes) or says "panic".
func echoWebSocket(c *gin.Context) {
	if !c.IsWebsocket() {
		c.String(http.StatusBadRequest, "not a WebSocket request")
		return
	}
	conn, brw, err := c.Writer.Hijack()
	if err != nil {
		panic(err)
	}
	defer func() { _ = conn.Close() }()
	_, _ = fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		acceptKey(c.GetHeader("Sec-WebSocket-Key")))
	if brw.Flush() != nil {
		return
	}
	for {
		line, err := brw.ReadString('\n')
		if err != nil {
			return
		}
		switch line {
		case "bye\n":
			return
		case "panic\n":
			panic("handler panicked mid-session")
		}
		if _, err := brw.WriteString(line); err != nil || brw.Flush() != nil {
			return
		}
	}
}

const testKey = "dGhlIHNhbXBsZSBub25jZQ=="

func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) //nolint:gosec // G401: as RFC 6455 prescribes.
	return base64.StdEncoding.EncodeToString(h[:])
}

// wsClient is the client side of a WebSocket session.
type wsClient struct {
	conn net.Conn
	r    *bufio.Reader
}

// dialWebSocket opens a session on path: the handshake, by hand, over a
// plain TCP connection.
func (sa *sessionApp) dialWebSocket(t *testing.T, path string) *wsClient {
	t.Helper()
	conn := sa.dial(t)
	_, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", path, testKey)
	require.NoError(t, err)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil) //nolint:bodyclose // a 101 has no body; the connection is the session
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	require.Equal(t, acceptKey(testKey), resp.Header.Get("Sec-WebSocket-Accept"))
	return &wsClient{conn: conn, r: r}
}

// dial opens a TCP connection to the server, closed at cleanup.
func (sa *sessionApp) dial(t *testing.T) net.Conn {
	t.Helper()
	conn, err := (&net.Dialer{}).DialContext(t.Context(), "tcp", sa.srv.Listener.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// get requests path from the server with a real client, the headers given
// in pairs, reads the whole response and returns its status.
func (sa *sessionApp) get(t *testing.T, path string, header ...string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, sa.srv.URL+path, http.NoBody)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := sa.srv.Client().Do(req)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp.StatusCode
}

// echo sends a line and waits for it to come back.
func (ws *wsClient) echo(t *testing.T, line string) {
	t.Helper()
	_, err := io.WriteString(ws.conn, line+"\n")
	require.NoError(t, err)
	got, err := ws.r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, line+"\n", got)
}

func (ws *wsClient) send(t *testing.T, line string) {
	t.Helper()
	_, err := io.WriteString(ws.conn, line+"\n")
	require.NoError(t, err)
}

// streamEvents streams Server-Sent Events: one per value sent on next,
// until next is closed (the server ends the stream), the client goes away,
// or the value is "panic".
func (sa *sessionApp) streamEvents(c *gin.Context) {
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-cache")
	for {
		select {
		case <-c.Request.Context().Done():
			return
		case v, ok := <-sa.next:
			if !ok {
				return
			}
			if v == "panic" {
				panic("handler panicked mid-stream")
			}
			n, _ := c.Writer.WriteString("data: " + v + "\n\n")
			sa.wrote.Add(int64(n))
			c.Writer.Flush()
		}
	}
}

// sseClient is a real HTTP client reading an event stream.
type sseClient struct {
	cancel context.CancelFunc
	body   io.ReadCloser
	r      *bufio.Reader
}

func (sa *sessionApp) openStream(t *testing.T, announce bool) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, sa.srv.URL+"/events", http.NoBody)
	require.NoError(t, err)
	if announce {
		req.Header.Set("Accept", "text/event-stream")
	}
	sa.next <- "first" // the handler writes the header with its first event
	resp, err := sa.srv.Client().Do(req)
	require.NoError(t, err)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	sc := &sseClient{cancel: cancel, body: resp.Body, r: bufio.NewReader(resp.Body)}
	t.Cleanup(func() { cancel(); _ = resp.Body.Close() })
	sc.event(t, "first")
	return sc
}

// event reads one event and checks its data.
func (sc *sseClient) event(t *testing.T, want string) {
	t.Helper()
	line, err := sc.r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "data: "+want+"\n", line)
	blank, err := sc.r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "\n", blank)
}

// open returns the sessions gauge of kind on path; -1 if it is missing.
func open(t *testing.T, g prometheus.Gatherer, kind, path string) float64 {
	t.Helper()
	v, ok := decoValue(t, g, sessionsOpen, fmt.Sprintf("kind=%q,path=%q", kind, path))
	if !ok {
		return -1
	}
	return v
}

// sessionBytesOf returns the bytes counted in direction for kind on path.
func sessionBytesOf(t *testing.T, g prometheus.Gatherer, kind, path, direction string) float64 {
	t.Helper()
	v, _ := decoValue(t, g, sessionBytes, fmt.Sprintf("direction=%q,kind=%q,path=%q", direction, kind, path))
	return v
}

func (sa *sessionApp) waitEnded(t *testing.T, path string) {
	t.Helper()
	require.Equal(t, path, <-sa.ended)
}
