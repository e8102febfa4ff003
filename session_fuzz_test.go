package ginprom

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// FuzzSessionHeaders: the middleware's own test of an upgrade request says
// what c.IsWebsocket() says, for any ASCII Upgrade and Connection headers,
// and the event-stream tests agree with a plain, allocating spelling of
// theirs. Neither panics on any input.
func FuzzSessionHeaders(f *testing.F) {
	for _, seed := range [][3]string{
		{"websocket", "Upgrade", "text/event-stream"},
		{"WebSocket", "keep-alive, Upgrade", "TEXT/EVENT-STREAM; charset=utf-8"},
		{"h2c", "Upgrade, HTTP2-Settings", "text/html,*/*"},
		{"websocket", "close", "text/event-strea"},
		{"", "", ""},
		{"websocket ", "upgradeX", "text/eventXstream"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, upgrade, connection, contentType string) {
		_ = eventStreamPrefix(contentType)
		_ = containsFold(connection, "upgrade")
		if !ascii(upgrade) || !ascii(connection) || !ascii(contentType) {
			return
		}
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/", http.NoBody)
		req.Header["Upgrade"] = []string{upgrade}
		req.Header["Connection"] = []string{connection}
		c := &gin.Context{Request: req}
		if got, want := websocketRequest(req), c.IsWebsocket(); got != want {
			t.Fatalf("Upgrade %q, Connection %q: websocketRequest %v, IsWebsocket %v", upgrade, connection, got, want)
		}
		want := strings.HasPrefix(strings.ToLower(contentType), "text/event-stream")
		if got := eventStreamPrefix(contentType); got != want {
			t.Fatalf("%q: eventStreamPrefix %v, want %v", contentType, got, want)
		}
	})
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
