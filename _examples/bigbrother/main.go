// Command bigbrother is a Gin application that speaks the Big Brother
// protocol (labbsr0x/bb-protocol): its metrics are request_seconds,
// response_size_bytes, dependency_up, dependency_request_seconds and
// application_info, unprefixed, so that bb-promster's rules and the "Big
// Brother - Health Overview" dashboard read them unchanged.
//
//	go run .                                   # upstream at http://localhost:9091
//	go run . -upstream http://localhost:9090 -check-interval 5s -version 1.1.0
//
// The application watches one dependency, the upstream (any service with a
// health route; the default is the one of Prometheus and the Pushgateway),
// and forwards GET /upstream/<path> to it through an instrumented client.
// Its own routes answer as a real service would: GET /users/:id finds a
// user, GET /orders/:id fails with an error message for odd ids, and POST
// /users rejects a body that is not JSON.
//
// The folder also holds what runs next to it: prometheus.yml, the level-1
// recording rules and the alert rules of bb-promster (rules-l1.yml,
// alert-rules.yml, canary-rules.yml) fixed where they were broken, their
// promtool tests (rules_test.yml: promtool test rules rules_test.yml), and
// dashboard.json, the Health Overview's queries over the raw metrics.
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
	"strconv"
	"syscall"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	version := flag.String("version", "1.0.0", "the application's version, exposed as application_info{version}")
	upstream := flag.String("upstream", "http://localhost:9091", "base URL of the upstream service")
	health := flag.String("upstream-health", "/-/healthy", "path of the upstream's health route, which answers 200 while it works")
	interval := flag.Duration("check-interval", 15*time.Second, "time between two health checks of the upstream")
	flag.Parse()

	r, m := newRouter(*version, *upstream, *health, *interval)
	srv := &http.Server{Addr: *addr, Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	log.Printf("listening on %s, metrics at /metrics; upstream %s", *addr, *upstream)

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
func newRouter(version, upstream, health string, interval time.Duration) (*gin.Engine, *ginprom.Metrics) {
	r := gin.New()
	r.Use(gin.Recovery())
	m := ginprom.New(r, ginprom.WithBigBrother(version), ginprom.WithExcludedPaths("/health$"))

	// Outgoing calls feed dependency_request_seconds{name="upstream",...};
	// the URL never becomes a label.
	client := &http.Client{Transport: m.InstrumentClient("upstream", nil), Timeout: 5 * time.Second}

	// dependency_up{name="upstream"} is 1 while the check passes. The check
	// has a client of its own, so that it is not counted as a call.
	m.WatchDependency("upstream", ginprom.HTTPCheck(upstream+health, &http.Client{}),
		ginprom.WatchInterval(interval), ginprom.WatchTimeout(2*time.Second))

	r.GET("/health", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.GET("/users/:id", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "name": "user " + c.Param("id")})
	})
	r.POST("/users", func(c *gin.Context) {
		var u struct {
			Name string `json:"name" binding:"required"`
		}
		if err := c.ShouldBindJSON(&u); err != nil {
			// A fixed message per kind of error: the error's own text
			// could carry request data and make a series per request.
			ginprom.SetErrorMessage(c, "invalid user")
			c.JSON(http.StatusBadRequest, gin.H{"error": "invalid user"})
			return
		}
		c.JSON(http.StatusCreated, gin.H{"name": u.Name})
	})
	r.GET("/orders/:id", func(c *gin.Context) {
		id, err := strconv.Atoi(c.Param("id"))
		if err != nil || id%2 == 1 {
			ginprom.SetErrorMessage(c, "order store unavailable")
			c.JSON(http.StatusServiceUnavailable, gin.H{"error": "try again later"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"id": id})
	})
	r.GET("/upstream/*path", func(c *gin.Context) {
		req, err := http.NewRequestWithContext(c.Request.Context(), http.MethodGet, upstream+c.Param("path"), nil)
		if err != nil {
			c.String(http.StatusBadRequest, "%v\n", err)
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			ginprom.SetErrorMessage(c, "upstream unreachable")
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
