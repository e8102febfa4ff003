// Command basic is a small Gin application instrumented with ginprom.
//
//	go run .                      # metrics on http://localhost:8080/metrics
//	METRICS_USER=prom METRICS_PASSWORD=secret go run .   # the same, behind basic auth
//
// It shows the default metrics grouped by route template, a decorator, an
// excluded health route, a route left out of the default metrics, an info
// metric, and authentication on the metrics route.
package main

import (
	"flag"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
)

// version would come from the build, for example with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	addr := flag.String("addr", envOr("ADDR", ":8080"), "address to listen on")
	user := flag.String("metrics-user", os.Getenv("METRICS_USER"), "user name for basic auth on /metrics (none: no auth)")
	password := flag.String("metrics-password", os.Getenv("METRICS_PASSWORD"), "password for basic auth on /metrics")
	flag.Parse()

	r := newRouter(*user, *password)
	log.Printf("listening on %s; metrics at http://localhost%s/metrics", *addr, *addr)
	srv := &http.Server{Addr: *addr, Handler: r, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// newRouter builds the application. With a user name, /metrics asks for
// basic auth.
func newRouter(user, password string) *gin.Engine {
	r := gin.Default() // Logger and Recovery come first, so panics are counted and then answered

	opts := []ginprom.Option{
		// Health checks would otherwise dominate the request counts.
		ginprom.WithExcludedPaths("/health$"),
		// The route template is the default grouping; said here to show it.
		ginprom.WithGroupBy(ginprom.GroupByRoute),
	}
	if user != "" {
		opts = append(opts, ginprom.WithMetricsMiddleware(gin.BasicAuth(gin.Accounts{user: password})))
	}
	m := ginprom.New(r, opts...) // before any route, so that every route is measured

	m.Info("app_info", "Information about the example application.", map[string]string{"version": version})

	r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "hello\n") })
	r.GET("/health", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })

	// /users/1, /users/2... all count under path="/users/:id".
	r.GET("/users/:id", func(c *gin.Context) {
		time.Sleep(time.Duration(rand.IntN(50)) * time.Millisecond) //nolint:gosec // G404: a made-up latency, not a secret.
		c.JSON(http.StatusOK, gin.H{"id": c.Param("id")})
	})

	// A decorator: requests by item type, with the status the client got.
	// The type comes from the URL, so clients choose it: LimitValues keeps
	// the first 20 types and folds any further ones into "<overflow>".
	byType := m.Counter("items_requests", "Requests for items, by item type and status.", ginprom.Labels{
		"type":   ginprom.LimitValues(20, func(c *gin.Context) string { return c.Param("type") }),
		"status": func(c *gin.Context) string { return strconv.Itoa(c.Writer.Status()) },
	})
	r.GET("/items/:type", byType, func(c *gin.Context) {
		if c.Param("type") == "secret" {
			c.AbortWithStatus(http.StatusForbidden)
			return
		}
		c.String(http.StatusOK, "an item of type %s\n", c.Param("type"))
	})

	// Left out of the default metrics, for example an endpoint polled by a
	// load balancer that is not worth a series.
	r.GET("/ping", m.DoNotTrack(), func(c *gin.Context) { c.String(http.StatusOK, "pong\n") })

	// A panic is answered 500 by gin.Recovery and counted in
	// gin_http_request_exceptions_total.
	r.GET("/panic", func(c *gin.Context) { panic("something broke") })
	return r
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
