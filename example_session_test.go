package ginprom_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// The switch, read from the application's own configuration (ginprom reads
// no environment). Off, nothing is registered or attached, and every
// method still works.
func ExampleWithEnabled() {
	enabled := false // e.g. from a config file or SYNSE_METRICS_ENABLED

	r := gin.New()
	m := ginprom.New(r, ginprom.WithEnabled(enabled), ginprom.WithRegistry(prometheus.NewRegistry()))
	r.GET("/users/:id", m.Counter("user_lookups", "User lookups.", nil), func(c *gin.Context) {
		c.String(http.StatusOK, "user %s", c.Param("id"))
	})

	for _, target := range []string{"/users/1", "/metrics"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequestWithContext(context.Background(), http.MethodGet, target, nil))
		fmt.Println(target, w.Code)
	}
	if _, err := m.StartHTTPServer(":9090"); errors.Is(err, ginprom.ErrDisabled) {
		fmt.Println("no metrics server")
	}
	// Output:
	// /users/1 200
	// /metrics 404
	// no metrics server
}

// Per-message metrics of a WebSocket API, one call per message handled.
func ExampleMetrics_ObserveMessage() {
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))

	// In the WebSocket handler, for each request message read and answered:
	m.ObserveMessage("request/read", 12*time.Millisecond, 48, 512, nil)
	m.ObserveMessage("request/read", 8*time.Millisecond, 48, 498, nil)
	m.ObserveMessage("request/write", 3*time.Millisecond, 60, 40, errors.New("device busy"))

	printMetrics(r, "gin_websocket_messages_total", "gin_websocket_message_bytes_total", "gin_websocket_message_duration_seconds_count")
	// Output:
	// gin_websocket_message_bytes_total{direction="in",event="request/read"} 96
	// gin_websocket_message_bytes_total{direction="in",event="request/write"} 60
	// gin_websocket_message_bytes_total{direction="out",event="request/read"} 1010
	// gin_websocket_message_bytes_total{direction="out",event="request/write"} 40
	// gin_websocket_message_duration_seconds_count{event="request/read"} 2
	// gin_websocket_message_duration_seconds_count{event="request/write"} 1
	// gin_websocket_messages_total{event="request/read",result="error"} 0
	// gin_websocket_messages_total{event="request/read",result="ok"} 2
	// gin_websocket_messages_total{event="request/write",result="error"} 1
	// gin_websocket_messages_total{event="request/write",result="ok"} 0
}
