// Command monitoring is the application of ginprom's monitoring stack: a
// Gin service with the default metrics, in-flight requests and body sizes
// on, which prometheus.yml scrapes, rules.yml aggregates and alerts on, and
// dashboard.json shows.
//
//	go run .                 # the service on :8080, metrics on /metrics
//	go run ./load            # traffic for it: several routes, 4xx, 5xx, panics, scans, slow requests
//
// POST /admin/errors?ratio=0.5 makes half of the requests to the API routes
// fail with 503, so that the error-ratio alert can be seen firing;
// ratio=0 turns it off again.
package main

import (
	"flag"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
)

// version would come from the build, for example with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	addr := flag.String("addr", envOr("ADDR", ":8080"), "address to listen on")
	flag.Parse()

	srv := &http.Server{Addr: *addr, Handler: newRouter(), ReadHeaderTimeout: 10 * time.Second}
	log.Printf("listening on %s; metrics at /metrics", *addr)
	log.Fatal(srv.ListenAndServe())
}

// service holds the error switch.
type service struct {
	// errorRatio is the share of API requests answered 503, as the bits
	// of a float64.
	errorRatio atomic.Uint64
}

func newRouter() *gin.Engine {
	s := &service{}
	r := gin.New()
	r.Use(gin.Recovery()) // before ginprom, so that panics are counted as exceptions
	m := ginprom.New(r,
		ginprom.WithExcludedPaths("/health$"),
		ginprom.WithInFlight(),
		ginprom.WithRequestSize(),
		ginprom.WithResponseSize(),
		// Native histograms, in the protobuf format, beside the classic
		// buckets: Prometheus 3 scrapes both (prometheus.yml).
		ginprom.WithNativeHistograms(1.1),
	)
	m.Info("app_info", "Information about the monitoring example application.", map[string]string{"version": version})

	r.GET("/health", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.POST("/admin/errors", m.DoNotTrack(), s.setErrorRatio)

	api := r.Group("/", s.maybeFail)
	api.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "monitoring example\n") })
	api.GET("/users/:id", s.getUser)
	api.POST("/orders", s.createOrder)
	api.GET("/search", s.search)
	api.GET("/slow", func(c *gin.Context) {
		sleep(300*time.Millisecond, 900*time.Millisecond)
		c.String(http.StatusOK, "done\n")
	})
	api.GET("/panic", func(*gin.Context) { panic("the example's panic route") })
	return r
}

// maybeFail answers 503 for the share of requests the error switch sets.
func (s *service) maybeFail(c *gin.Context) {
	if random() < math.Float64frombits(s.errorRatio.Load()) {
		c.AbortWithStatusJSON(http.StatusServiceUnavailable, gin.H{"error": "failing on purpose"})
	}
}

func (s *service) setErrorRatio(c *gin.Context) {
	ratio, err := strconv.ParseFloat(c.Query("ratio"), 64)
	if err != nil || ratio < 0 || ratio > 1 {
		c.String(http.StatusBadRequest, "ratio must be a number from 0 to 1\n")
		return
	}
	s.errorRatio.Store(math.Float64bits(ratio))
	c.String(http.StatusOK, "error ratio %g\n", ratio)
}

func (s *service) getUser(c *gin.Context) {
	sleep(0, 40*time.Millisecond)
	id, err := strconv.Atoi(c.Param("id"))
	switch {
	case err != nil:
		c.JSON(http.StatusBadRequest, gin.H{"error": "the id is not a number"})
	case id >= 1000:
		c.JSON(http.StatusNotFound, gin.H{"error": "no such user"})
	default:
		c.JSON(http.StatusOK, gin.H{"id": id, "name": "user " + strconv.Itoa(id)})
	}
}

func (s *service) createOrder(c *gin.Context) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, 1<<20))
	if err != nil || len(body) == 0 {
		c.JSON(http.StatusBadRequest, gin.H{"error": "an order needs a body"})
		return
	}
	sleep(5*time.Millisecond, 60*time.Millisecond)
	if random() < 0.02 {
		c.JSON(http.StatusInternalServerError, gin.H{"error": "the order store failed"})
		return
	}
	c.JSON(http.StatusCreated, gin.H{"bytes": len(body)})
}

func (s *service) search(c *gin.Context) {
	q := c.Query("q")
	if q == "" {
		c.JSON(http.StatusBadRequest, gin.H{"error": "q is required"})
		return
	}
	sleep(10*time.Millisecond, 150*time.Millisecond)
	results := make([]string, int(random()*50))
	for i := range results {
		results[i] = q + " result " + strconv.Itoa(i)
	}
	c.JSON(http.StatusOK, gin.H{"results": results})
}

// sleep waits a random time from lo to hi, as real work would.
func sleep(lo, hi time.Duration) {
	time.Sleep(lo + time.Duration(random()*float64(hi-lo)))
}

// random returns a number in [0, 1): the example's made-up latencies and
// failures need variety, not secrecy.
func random() float64 {
	return rand.Float64() //nolint:gosec // G404: made-up latencies and failures, not a secret.
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
