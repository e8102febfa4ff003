package ginprom

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestSessionHints: the one call the middleware makes before the chain
// says what c.IsWebsocket() says of a GET (and false for any other
// method), and whether the first Accept header begins with
// text/event-stream, case aside, for each mix of the three headers.
func TestSessionHints(t *testing.T) {
	t.Parallel()
	upgrades := [][]string{nil, {"websocket"}, {"WebSocket"}, {"h2c"}, {"h2c", "websocket"}}
	connections := [][]string{nil, {"Upgrade"}, {"keep-alive, upgrade"}, {"close"}}
	accepts := [][]string{nil, {"text/event-stream"}, {"Text/Event-Stream; q=1"}, {"text/html", "text/event-stream"}, {"text/event-strea"}}
	for _, method := range []string{http.MethodGet, http.MethodPost, "GXT"} {
		for _, up := range upgrades {
			for _, conn := range connections {
				for _, accept := range accepts {
					req := httptest.NewRequestWithContext(t.Context(), method, "/", http.NoBody)
					for name, v := range map[string][]string{"Upgrade": up, "Connection": conn, "Accept": accept} {
						if v != nil {
							req.Header[name] = v
						}
					}
					wantWS := method == http.MethodGet && (&gin.Context{Request: req}).IsWebsocket()
					wantAnnounced := len(accept) > 0 && strings.HasPrefix(strings.ToLower(accept[0]), "text/event-stream")
					ws, announced := sessionHints(req, method == http.MethodGet)
					if ws != wantWS || announced != wantAnnounced {
						t.Errorf("%s, Upgrade %q, Connection %q, Accept %q: sessionHints = %v, %v; want %v, %v",
							method, up, conn, accept, ws, announced, wantWS, wantAnnounced)
					}
				}
			}
		}
	}
}
