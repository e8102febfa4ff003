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

// TestSchemaGroupByPathCustom: under a schema of one's own, a later
// WithGroupBy(GroupByPath) gives the request metrics' Route labels the
// path, under the schema's label names, while a session family's Route
// is the route template, as the README says.
func TestSchemaGroupByPathCustom(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithSchema(ginprom.Schema{
		Duration:        ginprom.Family{Name: "d_seconds", Labels: lbl("endpoint", ginprom.Route)},
		Requests:        ginprom.Family{Name: "r_total", Labels: lbl("endpoint", ginprom.Route, "code", ginprom.Status)},
		SessionDuration: ginprom.Family{Name: "s_seconds", Labels: lbl("endpoint", ginprom.Route)},
	}), ginprom.WithGroupBy(ginprom.GroupByPath))
	r.GET("/u/:id", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/events/:id", func(c *gin.Context) {
		c.Header("Content-Type", "text/event-stream")
		c.String(http.StatusOK, "data: x\n\n")
	})
	serve(r, http.MethodGet, "/u/1")
	serve(r, http.MethodGet, "/u/2")
	serve(r, http.MethodGet, "/events/7", "Accept", "text/event-stream")
	assert.Equal(t, map[string]uint64{`endpoint="/u/1"`: 1, `endpoint="/u/2"`: 1}, samples(t, reg, "d_seconds"))
	assert.Equal(t, map[string]uint64{`endpoint="/events/:id"`: 1}, samples(t, reg, "s_seconds"))
	requireExposition(t, reg, `
# HELP r_total Total number of HTTP requests served by Gin.
# TYPE r_total counter
r_total{code="200",endpoint="/u/1"} 1
r_total{code="200",endpoint="/u/2"} 1
`, "r_total")
}
