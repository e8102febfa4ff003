package ginprom_test

import (
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// groupByPathApp serves /s/:id under WithSchema(DefaultSchema("gin")),
// then WithGroupBy(GroupByPath) and WithTotalsByGroup: a request answers
// "ok", one with ?p=1 starts an event stream and panics.
func groupByPathApp() (*gin.Engine, *prometheus.Registry) {
	reg := prometheus.NewRegistry()
	r := gin.New()
	r.Use(gin.CustomRecovery(func(c *gin.Context, _ any) { c.AbortWithStatus(http.StatusInternalServerError) }))
	ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithSchema(ginprom.DefaultSchema("gin")),
		ginprom.WithGroupBy(ginprom.GroupByPath), ginprom.WithTotalsByGroup())
	r.GET("/s/:id", func(c *gin.Context) {
		if c.Query("p") == "" {
			c.String(http.StatusOK, "ok")
			return
		}
		c.Header("Content-Type", "text/event-stream")
		c.String(http.StatusOK, "data: x\n\n")
		panic("boom")
	})
	r.GET("/boom/:id", func(*gin.Context) { panic("boom") })
	return r, reg
}

// TestSchemaGroupByPathPanic: under WithSchema(DefaultSchema("gin")) and
// a later WithGroupBy(GroupByPath), the panic of a handler is counted under
// the request's path, whether or not the route had seen that path before:
// for a request, and for an event stream, whose exception carries the path
// with WithTotalsByGroup. (An event stream on a path the route had served
// before was counted under an empty path.)
func TestSchemaGroupByPathPanic(t *testing.T) {
	r, reg := groupByPathApp()
	serve(r, http.MethodGet, "/boom/1")
	serve(r, http.MethodGet, "/boom/1")
	serve(r, http.MethodGet, "/s/1")
	serve(r, http.MethodGet, "/s/1?p=1", "Accept", "text/event-stream") // path already in the route's index
	serve(r, http.MethodGet, "/s/2?p=1", "Accept", "text/event-stream") // path new to the route
	assert.Equal(t, map[string]uint64{
		`method="GET",path="/boom/1",status="500"`: 2,
		`method="GET",path="/s/1",status="200"`:    1,
	}, samples(t, reg, "gin_http_request_duration_seconds"))
	requireExposition(t, reg, `
# HELP gin_http_request_exceptions_total Total number of HTTP requests whose handler panicked.
# TYPE gin_http_request_exceptions_total counter
gin_http_request_exceptions_total{method="GET",path="/boom/1",status="500"} 2
gin_http_request_exceptions_total{method="GET",path="/s/1",status="200"} 1
gin_http_request_exceptions_total{method="GET",path="/s/2",status="200"} 1
`, "gin_http_request_exceptions_total")
}
