package ginprom_test

import (
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// TestSchemaCounterFinerThanDuration: a request counter with a label that
// the duration leaves out (gin-metrics' code and method, which its
// duration has not) counts every request under its own value, while the
// duration shows the requests it cannot tell apart as one series, whose
// count is all of them; with native histograms too, and within the series
// budget.
func TestSchemaCounterFinerThanDuration(t *testing.T) {
	for _, native := range []bool{false, true} {
		reg := prometheus.NewRegistry()
		r := gin.New()
		opts := []ginprom.Option{ginprom.WithRegistry(reg), ginprom.WithSchema(ginprom.GinMetricsSchema())}
		if native {
			opts = append(opts, ginprom.WithNativeHistograms(1.1))
		}
		ginprom.New(r, opts...)
		h := func(c *gin.Context) {
			code, _ := strconv.Atoi(c.Query("code"))
			c.Status(code)
		}
		r.GET("/a", h)
		r.POST("/a", h)
		for _, target := range []string{"/a?code=200", "/a?code=500", "/a?code=500"} {
			serve(r, http.MethodGet, target)
		}
		serve(r, http.MethodPost, "/a?code=201")
		requireExposition(t, reg, `
# HELP gin_uri_request_total all the server received request num with every uri.
# TYPE gin_uri_request_total counter
gin_uri_request_total{code="200",method="GET",uri="/a"} 1
gin_uri_request_total{code="201",method="POST",uri="/a"} 1
gin_uri_request_total{code="500",method="GET",uri="/a"} 2
`, "gin_uri_request_total")
		got := observations(t, reg, "gin_request_duration")
		require.Len(t, got, 1, "the duration's series")
		for _, o := range got {
			require.EqualValues(t, 4, o.count)
		}
		mfs, err := reg.Gather()
		require.NoError(t, err)
		checkNativeConsistent(t, mfs)
	}
}

// TestSchemaExceptionsDecided: New panics on exceptions with a value that
// neither the duration nor the request counter has: the exceptions are
// told apart as those series are, so a route on the exceptions alone,
// under GroupByPath, counted every panic of a route under the first path
// seen. With the value on the counter, each exception counts under its
// own.
func TestSchemaExceptionsDecided(t *testing.T) {
	dur := ginprom.Family{Name: "d_seconds", Labels: lbl("method", ginprom.Method)}
	coreRequireSetupPanic(t, `Exceptions has Route but neither Duration nor Requests has`, func() {
		ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithSchema(ginprom.Schema{
			Duration: dur, Exceptions: ginprom.Family{Name: "e_total", Labels: lbl("route", ginprom.Route)},
		}), ginprom.WithGroupBy(ginprom.GroupByPath))
	})
	coreRequireSetupPanic(t, `Exceptions has Status but neither Duration nor Requests has`, func() {
		ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithSchema(ginprom.Schema{
			Duration: dur, Requests: ginprom.Family{Name: "c_total", Labels: lbl("method", ginprom.Method)},
			Exceptions: ginprom.Family{Name: "e_total", Labels: lbl("status", ginprom.Status)},
		}))
	})

	reg := prometheus.NewRegistry()
	r := gin.New()
	r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(http.StatusInternalServerError) }))
	ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithSchema(ginprom.Schema{
		Duration:   dur,
		Requests:   ginprom.Family{Name: "c_total", Labels: lbl("method", ginprom.Method)},
		Exceptions: ginprom.Family{Name: "e_total", Labels: lbl("method", ginprom.Method)},
	}), ginprom.WithGroupBy(ginprom.GroupByPath), ginprom.WithTotalsByGroup())
	r.GET("/p/:id", func(*gin.Context) { panic("boom") })
	for _, target := range []string{"/p/1", "/p/2", "/p/2"} {
		serve(r, http.MethodGet, target)
	}
	requireExposition(t, reg, `
# HELP c_total Total number of HTTP requests served by Gin.
# TYPE c_total counter
c_total{method="GET",path="/p/1"} 1
c_total{method="GET",path="/p/2"} 2
# HELP e_total Total number of HTTP requests whose handler panicked.
# TYPE e_total counter
e_total{method="GET",path="/p/1"} 1
e_total{method="GET",path="/p/2"} 2
`, "c_total", "e_total")
}
