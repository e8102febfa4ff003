package ginprom_test

import (
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
)

// TestSessionInFlightScheme: a request that turns out to be a session
// leaves the in-flight gauge under the key it entered with. Under
// WithSemconv the gauge carries the url scheme, so an event stream over
// https, or one of a method other than GET, once left the gauge at 1 for
// its own key and lowered another. Both the announced stream (watched
// before the chain) and the unannounced one (found when the handler
// returns) are checked.
func TestSessionInFlightScheme(t *testing.T) {
	a := newApp(t, ginprom.WithSemconv(), ginprom.WithInFlight())
	stream := func(c *gin.Context) {
		c.Header("Content-Type", "text/event-stream")
		c.String(http.StatusOK, "data: x\n\n")
		c.Writer.Flush()
	}
	a.r.GET("/events", stream)
	a.r.POST("/events", stream)

	serve(a.r, http.MethodGet, "https://example.com/events", "Accept", "text/event-stream")
	serve(a.r, http.MethodPost, "https://example.com/events", "Accept", "text/event-stream")
	serve(a.r, http.MethodPost, "http://example.com/events")
	serve(a.r, http.MethodGet, "https://example.com/events")

	requireExposition(t, a.reg, `# HELP http_server_active_requests Number of HTTP requests being served by Gin now.
# TYPE http_server_active_requests gauge
http_server_active_requests{http_request_method="GET",url_scheme="https"} 0
http_server_active_requests{http_request_method="POST",url_scheme="http"} 0
http_server_active_requests{http_request_method="POST",url_scheme="https"} 0
`, "http_server_active_requests")
}
