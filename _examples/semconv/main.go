// Command semconv is a Gin application whose metrics follow OpenTelemetry's
// semantic conventions for HTTP servers, as OpenTelemetry's Prometheus
// exporter names them: http_server_request_duration_seconds,
// http_server_active_requests and the body-size histograms, labelled
// http_request_method, url_scheme, http_route, http_response_status_code and
// error_type. Dashboards and alerts written for OpenTelemetry-instrumented
// services read them unchanged, at ginprom's cost.
//
//	go run .                 # http://localhost:8080, metrics at /metrics
//	go run . -addr :9000
//
// dashboard.json in this folder is such a dashboard: duration by
// http_route, error ratio by error_type, active requests.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	flag.Parse()

	srv := &http.Server{Addr: *addr, Handler: newRouter(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	log.Printf("listening on %s, metrics at /metrics", *addr)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	<-ctx.Done()
	stop()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		log.Print(err)
	}
}

func newRouter() *gin.Engine {
	r := gin.New()
	r.Use(gin.Recovery())
	ginprom.New(r,
		ginprom.WithSemconv(),
		ginprom.WithInFlight(),     // http_server_active_requests
		ginprom.WithRequestSize(),  // http_server_request_body_size_bytes
		ginprom.WithResponseSize(), // http_server_response_body_size_bytes
		ginprom.WithExcludedPaths("/health$"),
	)

	r.GET("/health", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.GET("/users/:id", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "name": "user " + c.Param("id")})
	})
	r.POST("/users", func(c *gin.Context) {
		var u struct {
			Name string `json:"name" binding:"required"`
		}
		if err := c.ShouldBindJSON(&u); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": "invalid user"}) // not an error_type: a client error
			return
		}
		c.JSON(http.StatusCreated, gin.H{"name": u.Name})
	})
	// GET /orders/:id fails for odd ids, as a broken store would: a 503,
	// recorded with error_type="503".
	r.GET("/orders/:id", func(c *gin.Context) {
		id, err := strconv.Atoi(c.Param("id"))
		if err != nil || id%2 == 1 {
			c.JSON(http.StatusServiceUnavailable, gin.H{"error": "try again later"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"id": id})
	})
	// GET /slow?ms=N answers after N milliseconds (at most 10s), or when the
	// client goes away: a request to watch in http_server_active_requests.
	r.GET("/slow", func(c *gin.Context) {
		ms, _ := strconv.Atoi(c.Query("ms"))
		select {
		case <-time.After(time.Duration(min(max(ms, 0), 10000)) * time.Millisecond):
			c.String(http.StatusOK, "done\n")
		case <-c.Request.Context().Done():
			c.Status(http.StatusServiceUnavailable)
		}
	})
	return r
}
