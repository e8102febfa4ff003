package ginprom_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

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
