// Command dependencies is a Gin application that relies on another HTTP
// service, the upstream: ginprom watches the upstream's health in
// gin_dependency_up and times the requests the application sends it in
// gin_dependency_request_duration_seconds.
//
//	go run .                                       # upstream at http://localhost:9091
//	go run . -upstream http://localhost:9090 -check-interval 5s
//
// Any service with a health route will do as the upstream; the default
// health path is the one of Prometheus and the Pushgateway. GET
// /upstream/<path> forwards to <upstream>/<path> through the instrumented
// client. SIGINT or SIGTERM shuts the server down and stops the watcher.
package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	upstream := flag.String("upstream", "http://localhost:9091", "base URL of the upstream service")
	health := flag.String("upstream-health", "/-/healthy", "path of the upstream's health route, which answers 200 while it works")
	interval := flag.Duration("check-interval", 15*time.Second, "time between two health checks of the upstream")
	flag.Parse()

	r, m := newRouter(*upstream, *health, *interval)
	srv := &http.Server{Addr: *addr, Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	log.Printf("listening on %s; metrics at http://localhost%s/metrics; upstream %s", *addr, *addr, *upstream)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	<-ctx.Done()
	stop()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		log.Print(err)
	}
	m.Close() // stops the watcher and waits for a check in progress
}

// newRouter builds the application and starts watching the upstream.
func newRouter(upstream, health string, interval time.Duration) (*gin.Engine, *ginprom.Metrics) {
	r := gin.Default()
	m := ginprom.New(r, ginprom.WithExcludedPaths("/health$"))

	// The application's own calls to the upstream are timed by name,
	// method and status; their URLs never become labels.
	client := &http.Client{Transport: m.InstrumentClient("upstream", nil), Timeout: 5 * time.Second}

	// The health check has a client of its own, so that it does not count
	// among the application's requests. Its context ends at the timeout
	// (2s, or the interval if that is shorter).
	m.WatchDependency("upstream", ginprom.HTTPCheck(upstream+health, &http.Client{}),
		ginprom.WatchInterval(interval), ginprom.WatchTimeout(2*time.Second))

	r.GET("/health", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.GET("/upstream/*path", func(c *gin.Context) {
		req, err := http.NewRequestWithContext(c.Request.Context(), http.MethodGet, upstream+c.Param("path"), nil)
		if err != nil {
			c.String(http.StatusBadRequest, "%v\n", err)
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			c.String(http.StatusBadGateway, "upstream: %v\n", err)
			return
		}
		defer func() { _ = resp.Body.Close() }()
		c.Status(resp.StatusCode)
		if _, err := io.Copy(c.Writer, resp.Body); err != nil {
			_ = c.Error(err)
		}
	})
	return r, m
}
