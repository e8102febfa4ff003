package ginprom_test

import (
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const inflightName = "gin_http_requests_in_flight"

// inflight returns the in-flight gauge by method, as seriesKey keys it.
func inflight(t testing.TB, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() == inflightName {
			for _, m := range mf.GetMetric() {
				out[seriesKey(m.GetLabel())] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

// TestInFlight: the gauge is up while a request is in the chain, and back
// at 0 after it, also after a panic; its labels are the method and the
// static default labels.
func TestInFlight(t *testing.T) {
	a := newApp(t, ginprom.WithInFlight(), ginprom.WithDefaultLabels(ginprom.Labels{
		"env":    "prod",
		"tenant": func(c *gin.Context) string { return c.GetHeader("X-Tenant") },
	}))
	a.r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(http.StatusInternalServerError) }))
	entered, release := make(chan struct{}), make(chan struct{})
	a.r.GET("/slow", func(c *gin.Context) {
		entered <- struct{}{}
		<-release
		c.Status(http.StatusOK)
	})
	a.r.POST("/boom", func(c *gin.Context) { panic("boom") })

	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.do(http.MethodGet, "/slow")
		}()
		<-entered
	}
	assert.Equal(t, map[string]float64{`env="prod",method="GET"`: 2}, inflight(t, a.reg))
	close(release)
	wg.Wait()

	assert.Equal(t, http.StatusInternalServerError, a.do(http.MethodPost, "/boom").Code)
	assert.Equal(t, map[string]float64{`env="prod",method="GET"`: 0, `env="prod",method="POST"`: 0}, inflight(t, a.reg))
	requireLint(t, a.reg)
}

// TestInFlightLeavesOutUnmeasured: excluded, skipped and metrics-route
// requests never touch the gauge, so a scrape never counts itself.
func TestInFlightLeavesOutUnmeasured(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	a := newApp(t, ginprom.WithInFlight(), ginprom.WithExcludedPaths("/health"),
		ginprom.WithSkipper(func(c *gin.Context) bool { return c.GetHeader("X-Probe") == "1" }))
	a.r.GET("/slow", func(c *gin.Context) {
		entered <- struct{}{}
		<-release
	})
	a.r.GET("/health", func(c *gin.Context) {
		entered <- struct{}{}
		<-release
	})
	a.do(http.MethodGet, "/no/such/page") // makes the GET series

	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		a.do(http.MethodGet, "/health")
	}()
	<-entered
	go func() {
		defer wg.Done()
		serve(a.r, http.MethodGet, "/slow", "X-Probe", "1")
	}()
	<-entered
	assert.Equal(t, map[string]float64{`method="GET"`: 0}, inflight(t, a.reg), "while an excluded and a skipped request run")
	scrape := a.do(http.MethodGet, "/metrics").Body.String()
	assert.Contains(t, scrape, "\n"+inflightName+`{method="GET"} 0`+"\n", "a scrape does not count itself")
	close(release)
	wg.Wait()
}

// TestInFlightOffByDefault: no gauge without WithInFlight.
func TestInFlightOffByDefault(t *testing.T) {
	a := newApp(t)
	a.r.GET("/", ok)
	a.do(http.MethodGet, "/")
	assert.NotContains(t, families(t, a.reg), inflightName)
}
