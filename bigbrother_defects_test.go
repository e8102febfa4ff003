package ginprom_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The defects of bancodobrasil/gin-monitor and labbsr0x/flask-monitor that
// concern the request metrics, one test each, showing that ginprom's
// WithBigBrother does not have them. (The dependency-checker defects are
// tested with WatchDependency.)

// gin-monitor records every request as 200 with 0 bytes, because its
// response-writer wrapper is never installed. ginprom records the status
// and body bytes the client got.
func TestBigBrotherDefectStatusAndBytesAreReal(t *testing.T) {
	a := newApp(t, ginprom.WithBigBrother("1"))
	a.r.POST("/items", func(c *gin.Context) { c.JSON(http.StatusCreated, gin.H{"id": 7}) })
	a.r.GET("/items/:id", func(c *gin.Context) { c.String(http.StatusNotFound, "no item %s", c.Param("id")) })
	a.r.DELETE("/items/:id", func(c *gin.Context) { c.AbortWithStatus(http.StatusForbidden) })

	created := a.do(http.MethodPost, "/items")
	missing := a.do(http.MethodGet, "/items/9")
	forbidden := a.do(http.MethodDelete, "/items/9")

	requireExposition(t, a.reg, bbBytesHead+
		`response_size_bytes{addr="/items",errorMessage="",isError="false",method="POST",status="201",type="http"} `+itoa(created.Body.Len())+`
response_size_bytes{addr="/items/:id",errorMessage="",isError="true",method="GET",status="404",type="http"} `+itoa(missing.Body.Len())+`
response_size_bytes{addr="/items/:id",errorMessage="",isError="true",method="DELETE",status="403",type="http"} 0
`, bbBytes)
	assert.Equal(t, "0", itoa(forbidden.Body.Len()))
	assert.Equal(t, map[string]uint64{
		bbSeries("201", "POST", "/items", "false", ""):      1,
		bbSeries("404", "GET", "/items/:id", "true", ""):    1,
		bbSeries("403", "DELETE", "/items/:id", "true", ""): 1,
	}, samples(t, a.reg, bbDuration))
}

func itoa(n int) string { return strconv.Itoa(n) }

// gin-monitor labels requests by their raw path. ginprom's addr is the
// route template, so a thousand ids make one series.
func TestBigBrotherDefectRouteTemplateNotRawPath(t *testing.T) {
	a := newApp(t, ginprom.WithBigBrother("1"))
	a.r.GET("/users/:id/orders/*rest", ok)
	for _, p := range []string{"/users/1/orders/a", "/users/2/orders/b/c", "/users/%2e%2e/orders/x"} {
		a.do(http.MethodGet, p)
	}
	assert.Equal(t, map[string]uint64{bbSeries("200", "GET", "/users/:id/orders/*rest", "false", ""): 3}, samples(t, a.reg, bbDuration))
}

// gin-monitor reads errorMessage from a request header, so any client can
// create series. ginprom takes it from SetErrorMessage alone: no header,
// query parameter, cookie or form value reaches it.
func TestBigBrotherDefectErrorMessageNeverFromTheClient(t *testing.T) {
	a := newApp(t, ginprom.WithBigBrother("1"))
	a.r.GET("/fail", func(c *gin.Context) { c.Status(http.StatusInternalServerError) })
	for i, header := range []string{"errorMessage", "X-Error-Message", "Error-Message", "errormessage"} {
		serve(a.r, http.MethodGet, "/fail?errorMessage=q"+itoa(i), header, "client says "+itoa(i), "Cookie", "errorMessage=c"+itoa(i))
	}
	assert.Equal(t, map[string]uint64{bbSeries("500", "GET", "/fail", "true", ""): 4}, samples(t, a.reg, bbDuration))
}

// gin-monitor registers its metrics in the process-wide registry. ginprom
// registers where WithRegistry says, nothing in the default registry, and
// two apps on two registries do not see each other.
func TestBigBrotherDefectNoGlobalRegistry(t *testing.T) {
	before := families(t, prometheus.DefaultGatherer)
	a := newApp(t, ginprom.WithBigBrother("1"))
	b := newApp(t, ginprom.WithBigBrother("2"))
	a.r.GET("/", ok)
	b.r.GET("/", ok)
	a.do(http.MethodGet, "/")
	a.do(http.MethodGet, "/")
	b.do(http.MethodGet, "/")

	assert.Equal(t, before, families(t, prometheus.DefaultGatherer), "the default registry changed")
	assert.Equal(t, map[string]uint64{bbSeries("200", "GET", "/", "false", ""): 2}, samples(t, a.reg, bbDuration))
	assert.Equal(t, map[string]uint64{bbSeries("200", "GET", "/", "false", ""): 1}, samples(t, b.reg, bbDuration))
}

// flask-monitor's README serves the metrics of another registry than the
// one it records in. ginprom's metrics route serves the instance's registry.
func TestBigBrotherDefectServesItsOwnRegistry(t *testing.T) {
	a := newApp(t, ginprom.WithBigBrother("3.1.4"))
	a.r.GET("/", ok)
	a.do(http.MethodGet, "/")
	w := serve(a.r, http.MethodGet, "/metrics")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), "\nrequest_seconds_count"+bbOKLabels+" 1\n")
	assert.Contains(t, w.Body.String(), "\napplication_info{version=\"3.1.4\"} 1\n")
}

// flask-monitor spells isError True and False, which the Big Brother
// dashboard's isError="true" never matches. ginprom spells "true" and
// "false".
func TestBigBrotherDefectIsErrorLowercase(t *testing.T) {
	a := newApp(t, ginprom.WithBigBrother("1"))
	a.r.GET("/ok", ok)
	a.r.GET("/fail", func(c *gin.Context) { c.Status(http.StatusBadGateway) })
	a.do(http.MethodGet, "/ok")
	a.do(http.MethodGet, "/fail")
	values := map[string]bool{}
	mfs, err := a.reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != bbDuration {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "isError" {
					values[l.GetValue()] = true
				}
			}
		}
	}
	assert.Equal(t, map[string]bool{"true": true, "false": true}, values)
}

// TestSchemaConflictAdvice: a schema Metrics that conflicts with another
// Metrics on its registry is told which metrics, in a list that reads, and
// not told to take WithDefaultsPrefix, which a schema refuses; a default
// Metrics that conflicts with a schema one is.
func TestSchemaConflictAdvice(t *testing.T) {
	reg := prometheus.NewRegistry()
	ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithSchema(ginprom.Schema{
		Duration: ginprom.Family{Name: "request_seconds", Labels: []ginprom.Label{{Name: "method", Value: ginprom.Method}}},
	}))
	msg := corePanic(t, func() { ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithBigBrother("1")) })
	assert.True(t, strings.HasPrefix(msg, `ginprom: cannot register metrics request_seconds and response_size_bytes: `), msg)
	assert.Contains(t, msg, "Give this Metrics another registry with WithRegistry (a schema's names take no WithDefaultsPrefix), or build both with the same options")

	reg = prometheus.NewRegistry()
	ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithSemconv())
	msg = corePanic(t, func() { ginprom.New(gin.New(), ginprom.WithRegistry(reg)) })
	assert.Contains(t, msg, "Give this Metrics another registry with WithRegistry, or other names with WithDefaultsPrefix, or build both with the same options")
}

// TestErrorStatusPanics: a WithErrorStatus function that panics makes New
// panic with a ginprom: message naming the status, on or off.
func TestErrorStatusPanics(t *testing.T) {
	rule := ginprom.WithErrorStatus(func(s int) bool {
		if s == http.StatusTeapot {
			panic("no teapots")
		}
		return s >= 500
	})
	for _, opts := range [][]ginprom.Option{
		{ginprom.WithBigBrother("1"), rule},
		{rule, ginprom.WithSemconv(), ginprom.WithEnabled(false)},
	} {
		msg := corePanic(t, func() { ginprom.New(gin.New(), append(opts, ginprom.WithRegistry(prometheus.NewRegistry()))...) })
		assert.Equal(t, "ginprom: WithErrorStatus: the function panicked for status 418: no teapots; it must answer for every code from 100 to 999", msg)
	}
}
