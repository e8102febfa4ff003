package main

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	gorilla "github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// TestOutBytesWhateverTheUpgrader: a WebSocket's out bytes are the same
// whichever library upgrades the connection. gorilla/websocket hijacks
// first and writes its 101 response on the connection; coder/websocket
// sends it through Gin, then hijacks. Each route echoes one message and
// closes without a close frame; out is that echoed frame alone, 7 bytes
// for "hello" (2 of header, 5 of payload), in is the client's masked
// frame, 11 bytes.
func TestOutBytesWhateverTheUpgrader(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(reg))
	ended := make(chan string, 2)
	r.Use(func(c *gin.Context) {
		defer func() { ended <- c.FullPath() }()
		c.Next()
	})
	r.GET("/gorilla", func(c *gin.Context) {
		conn, err := (&gorilla.Upgrader{}).Upgrade(c.Writer, c.Request, nil)
		if err != nil {
			return
		}
		defer func() { _ = conn.Close() }()
		kind, msg, err := conn.ReadMessage()
		if err == nil {
			_ = conn.WriteMessage(kind, msg)
		}
	})
	r.GET("/coder", func(c *gin.Context) {
		conn, err := websocket.Accept(c.Writer, c.Request, nil)
		if err != nil {
			return
		}
		defer func() { _ = conn.CloseNow() }()
		kind, msg, err := conn.Read(c.Request.Context())
		if err == nil {
			_ = conn.Write(c.Request.Context(), kind, msg)
		}
	})
	srv := httptest.NewServer(r)
	defer srv.Close()

	for _, path := range []string{"/gorilla", "/coder"} {
		conn, resp, err := gorilla.DefaultDialer.DialContext(t.Context(), "ws"+strings.TrimPrefix(srv.URL, "http")+path, nil)
		require.NoError(t, err, path)
		_ = resp.Body.Close()
		require.NoError(t, conn.WriteMessage(gorilla.TextMessage, []byte("hello")))
		_, msg, err := conn.ReadMessage()
		require.NoError(t, err)
		require.Equal(t, "hello", string(msg))
		require.NoError(t, conn.Close())
		require.Equal(t, path, <-ended) // the handler has returned and the session is recorded
	}

	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP gin_http_session_bytes_total Total bytes of WebSocket and Server-Sent Events sessions, by direction (in: read from a WebSocket's client, out: written to the client).
# TYPE gin_http_session_bytes_total counter
gin_http_session_bytes_total{direction="in",kind="websocket",path="/coder"} 11
gin_http_session_bytes_total{direction="in",kind="websocket",path="/gorilla"} 11
gin_http_session_bytes_total{direction="out",kind="websocket",path="/coder"} 7
gin_http_session_bytes_total{direction="out",kind="websocket",path="/gorilla"} 7
`), "gin_http_session_bytes_total"))
}
