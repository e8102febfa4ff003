package ginprom_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Names and exposition headers of the default metrics with the default
// prefix.
const (
	coreDuration   = "gin_http_request_duration_seconds"
	coreTotal      = "gin_http_request_total"
	coreExceptions = "gin_http_request_exceptions_total"
	coreInfo       = "gin_exporter_info"

	coreTotalHead = "# HELP gin_http_request_total Total number of HTTP requests served by Gin.\n" +
		"# TYPE gin_http_request_total counter\n"
	coreExceptionsHead = "# HELP gin_http_request_exceptions_total Total number of HTTP requests whose handler panicked.\n" +
		"# TYPE gin_http_request_exceptions_total counter\n"
	coreInfoHead = "# HELP gin_exporter_info Information about the ginprom exporter; always 1.\n" +
		"# TYPE gin_exporter_info gauge\n"
)

// corePanic runs f and returns the text of the value it panics with; the
// test fails if f does not panic.
func corePanic(t testing.TB, f func()) string {
	t.Helper()
	var r any
	func() {
		defer func() { r = recover() }()
		f()
	}()
	require.NotNil(t, r, "expected a panic")
	return fmt.Sprint(r)
}

// coreRequireSetupPanic asserts that f panics with a ginprom message that
// names culprit.
func coreRequireSetupPanic(t testing.TB, culprit string, f func()) {
	t.Helper()
	msg := corePanic(t, f)
	assert.True(t, strings.HasPrefix(msg, "ginprom:"), "message %q does not start with ginprom:", msg)
	assert.Contains(t, msg, culprit)
}

// coreLaxWriter is a ResponseWriter that, unlike httptest.ResponseRecorder,
// accepts any status code, as a handler may pass to c.Status.
type coreLaxWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (w *coreLaxWriter) Header() http.Header { return w.header }

func (w *coreLaxWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *coreLaxWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// coreServeLax serves one request through h into a coreLaxWriter.
func coreServeLax(h http.Handler, method, target string) *coreLaxWriter {
	w := &coreLaxWriter{header: http.Header{}}
	h.ServeHTTP(w, httptest.NewRequestWithContext(context.Background(), method, target, nil))
	return w
}

// coreRecovery is gin.Recovery writing its report nowhere.
func coreRecovery() gin.HandlerFunc { return gin.RecoveryWithWriter(io.Discard) }

// coreGinOutput switches Gin to mode and captures what it writes to
// gin.DefaultWriter, until the test ends. Tests that call it change global
// state and must not run in parallel.
func coreGinOutput(t testing.TB, mode string) *bytes.Buffer {
	t.Helper()
	oldMode, oldWriter := gin.Mode(), gin.DefaultWriter
	t.Cleanup(func() {
		gin.SetMode(oldMode)
		gin.DefaultWriter = oldWriter
	})
	out := &bytes.Buffer{}
	gin.DefaultWriter = out
	gin.SetMode(mode)
	return out
}

// coreBoom is a handler that panics with coreBoomValue.
func coreBoom(*gin.Context) { panic(coreBoomValue) }

type corePanicValue struct{ what string }

var coreBoomValue = corePanicValue{"boom"}

func TestNewInstrumentsEngine(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.r.GET("/users/:id", ok)

	routes := a.r.Routes()
	require.NotEmpty(t, routes)
	assert.Equal(t, http.MethodGet, routes[0].Method)
	assert.Equal(t, "/metrics", routes[0].Path)

	require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/users/1").Code)
	w := a.do(http.MethodGet, "/metrics")
	assert.Equal(t, http.StatusOK, w.Code)
	coreScrape(w.Body.String()).require(t, coreTotalHead+`gin_http_request_total{method="GET",status="200"} 1`+"\n", coreTotal)
	assert.Equal(t, map[string]uint64{`method="GET",path="/users/:id",status="200"`: 1},
		samples(t, a.reg, coreDuration))
}

func TestNewNilIsAppFactory(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := ginprom.New(nil, ginprom.WithRegistry(reg))
	// The collectors are registered before any engine exists.
	requireExposition(t, reg, coreInfoHead+fmt.Sprintf("gin_exporter_info{version=%q} 1\n", ginprom.Version), coreInfo)

	r := gin.New()
	assert.Empty(t, r.Routes(), "New(nil) must not touch any engine")
	assert.Equal(t, http.StatusNotFound, serve(r, http.MethodGet, "/metrics").Code)

	m.Instrument(r)
	r.GET("/a", ok)
	require.Equal(t, http.StatusOK, serve(r, http.MethodGet, "/a").Code)
	assert.Equal(t, http.StatusOK, serve(r, http.MethodGet, "/metrics").Code)
	requireExposition(t, reg, coreTotalHead+`gin_http_request_total{method="GET",status="200"} 1`+"\n", coreTotal)
}

func TestInstrumentPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		culprit string
		run     func(m *ginprom.Metrics)
	}{
		{"nil engine", "Instrument(nil)", func(m *ginprom.Metrics) { m.Instrument(nil) }},
		{"same engine twice", "already instrumented", func(m *ginprom.Metrics) {
			r := gin.New()
			m.Instrument(r)
			m.Instrument(r)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := ginprom.New(nil, ginprom.WithRegistry(prometheus.NewRegistry()))
			coreRequireSetupPanic(t, tt.culprit, func() { tt.run(m) })
		})
	}
}

func TestOneMetricsSeveralEngines(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := ginprom.New(nil, ginprom.WithRegistry(reg))
	r1, r2 := gin.New(), gin.New()
	m.Instrument(r1)
	m.Instrument(r2)
	r1.GET("/a", ok)
	r2.GET("/a", ok)
	r2.GET("/b", ok)

	serve(r1, http.MethodGet, "/a")
	serve(r2, http.MethodGet, "/a")
	serve(r2, http.MethodGet, "/b")

	assert.Equal(t, map[string]uint64{
		`method="GET",path="/a",status="200"`: 2,
		`method="GET",path="/b",status="200"`: 1,
	}, samples(t, reg, coreDuration))
	requireExposition(t, reg, coreTotalHead+`gin_http_request_total{method="GET",status="200"} 3`+"\n", coreTotal)
	// Both engines serve the shared metrics.
	assert.Equal(t, serve(r1, http.MethodGet, "/metrics").Body.String(), serve(r2, http.MethodGet, "/metrics").Body.String())
}

func TestRoutesBeforeInstrumentAreNotMeasured(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	r := gin.New()
	r.GET("/early", ok)
	ginprom.New(r, ginprom.WithRegistry(reg))
	r.GET("/late", ok)

	require.Equal(t, http.StatusOK, serve(r, http.MethodGet, "/early").Code)
	require.Equal(t, http.StatusOK, serve(r, http.MethodGet, "/late").Code)
	assert.Equal(t, map[string]uint64{`method="GET",path="/late",status="200"`: 1}, samples(t, reg, coreDuration))
}

// TestInstrumentWarnsInDebugMode changes gin's mode and DefaultWriter, so
// it does not run in parallel.
func TestInstrumentWarnsInDebugMode(t *testing.T) {
	tests := []struct {
		name     string
		mode     string
		routes   []string
		contains string // "" means no ginprom warning at all
	}{
		{"debug with routes", gin.DebugMode, []string{"/a", "/b"}, "[WARNING] ginprom: 2 route"},
		{"debug with one route", gin.DebugMode, []string{"/a"}, "[WARNING] ginprom: 1 route"},
		{"debug without routes", gin.DebugMode, nil, ""},
		{"test mode", gin.TestMode, []string{"/a"}, ""},
		{"release mode", gin.ReleaseMode, []string{"/a"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := coreGinOutput(t, tt.mode)

			r := gin.New()
			for _, p := range tt.routes {
				r.GET(p, ok)
			}
			out.Reset()
			ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))

			if tt.contains == "" {
				assert.NotContains(t, out.String(), "[WARNING] ginprom")
			} else {
				assert.Contains(t, out.String(), tt.contains)
			}
		})
	}
}

func TestMiddlewareByHandOnGroup(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := ginprom.New(nil, ginprom.WithRegistry(reg))
	r := gin.New()
	r.GET("/out", ok)
	api := r.Group("/api", m.Middleware())
	api.GET("/in", ok)

	require.Equal(t, http.StatusOK, serve(r, http.MethodGet, "/out").Code)
	require.Equal(t, http.StatusOK, serve(r, http.MethodGet, "/api/in").Code)
	assert.Equal(t, map[string]uint64{`method="GET",path="/api/in",status="200"`: 1}, samples(t, reg, coreDuration))
}

func TestInstrumentAppliesRegisterDefault(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := ginprom.New(nil, ginprom.WithRegistry(reg))
	m.RegisterDefault(m.Counter("core_calls", "Calls.", nil))
	r := gin.New()
	m.Instrument(r)
	r.GET("/a", ok)

	serve(r, http.MethodGet, "/a")
	serve(r, http.MethodGet, "/a")
	serve(r, http.MethodGet, "/metrics")
	requireExposition(t, reg, "# HELP core_calls_total Calls.\n# TYPE core_calls_total counter\ncore_calls_total 2\n", "core_calls_total")
}

func TestDefaultMetrics(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.r.GET("/users/:id", ok)
	a.r.POST("/users", func(c *gin.Context) { c.Status(http.StatusCreated) })

	a.do(http.MethodGet, "/users/1")
	a.do(http.MethodGet, "/users/2")
	a.do(http.MethodPost, "/users")
	a.do(http.MethodGet, "/nowhere")

	assert.Equal(t, []string{coreInfo, coreDuration, coreTotal}, families(t, a.reg),
		"no exceptions family before a handler panics")
	requireExposition(t, a.reg, coreInfoHead+fmt.Sprintf("gin_exporter_info{version=%q} 1\n", ginprom.Version), coreInfo)
	assert.Equal(t, map[string]uint64{
		`method="GET",path="/users/:id",status="200"`:  2,
		`method="POST",path="/users",status="201"`:     1,
		`method="GET",path="<unmatched>",status="404"`: 1,
	}, samples(t, a.reg, coreDuration))
	requireExposition(t, a.reg, coreTotalHead+`
gin_http_request_total{method="GET",status="200"} 2
gin_http_request_total{method="GET",status="404"} 1
gin_http_request_total{method="POST",status="201"} 1
`, coreTotal)

	mfs, err := a.reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != coreDuration {
			continue
		}
		assert.Equal(t, "HISTOGRAM", mf.GetType().String())
		for _, m := range mf.GetMetric() {
			assert.GreaterOrEqual(t, m.GetHistogram().GetSampleSum(), 0.0)
		}
	}
}

func TestDefaultBuckets(t *testing.T) {
	t.Parallel()
	// The Python client's buckets, which dashboards for the Flask exporter
	// rely on.
	want := []float64{.005, .01, .025, .05, .075, .1, .25, .5, .75, 1, 2.5, 5, 7.5, 10}
	assert.Equal(t, want, ginprom.DefaultBuckets)

	a := newApp(t)
	a.r.GET("/a", ok)
	a.do(http.MethodGet, "/a")
	got := buckets(t, a.reg, coreDuration, `method="GET",path="/a",status="200"`)
	var bounds []float64
	for b := range got {
		bounds = append(bounds, b)
	}
	sort.Float64s(bounds)
	assert.Equal(t, want, bounds)
	for i := 1; i < len(bounds); i++ {
		assert.LessOrEqual(t, got[bounds[i-1]], got[bounds[i]], "buckets are cumulative")
	}
	assert.LessOrEqual(t, got[10], uint64(1))
}

func TestTotalIsSumOfDurationCounts(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithGroupBy(ginprom.GroupByPath))
	a.r.GET("/items/:id", ok)
	a.r.GET("/other", ok)
	for _, p := range []string{"/items/1", "/items/2", "/items/2", "/other"} {
		a.do(http.MethodGet, p)
	}
	a.do(http.MethodDelete, "/other")

	s := samples(t, a.reg, coreDuration)
	assert.Equal(t, map[string]uint64{
		`method="GET",path="/items/1",status="200"`:       1,
		`method="GET",path="/items/2",status="200"`:       2,
		`method="GET",path="/other",status="200"`:         1,
		`method="DELETE",path="<unmatched>",status="404"`: 1,
	}, s)
	requireExposition(t, a.reg, coreTotalHead+`
gin_http_request_total{method="DELETE",status="404"} 1
gin_http_request_total{method="GET",status="200"} 4
`, coreTotal)
}

func TestMethodLabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, register, send, want string
	}{
		{"GET", http.MethodGet, http.MethodGet, "GET"},
		{"HEAD", http.MethodHead, http.MethodHead, "HEAD"},
		{"POST", http.MethodPost, http.MethodPost, "POST"},
		{"PUT", http.MethodPut, http.MethodPut, "PUT"},
		{"PATCH", http.MethodPatch, http.MethodPatch, "PATCH"},
		{"DELETE", http.MethodDelete, http.MethodDelete, "DELETE"},
		{"CONNECT", http.MethodConnect, http.MethodConnect, "CONNECT"},
		{"OPTIONS", http.MethodOptions, http.MethodOptions, "OPTIONS"},
		{"TRACE", http.MethodTrace, http.MethodTrace, "TRACE"},
		{"registered non-standard method", "PROPFIND", "PROPFIND", "OTHER"},
		{"invented method", http.MethodGet, "BREW", "OTHER"},
		{"lower case", http.MethodGet, "get", "OTHER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			a.r.Handle(tt.register, "/m", ok)
			w := a.do(tt.send, "/m")

			status, path := "200", "/m"
			if tt.register != tt.send {
				status, path = "404", ginprom.Unmatched
			}
			require.Equal(t, status, strconv.Itoa(w.Code))
			assert.Equal(t, map[string]uint64{
				fmt.Sprintf(`method=%q,path=%q,status=%q`, tt.want, path, status): 1,
			}, samples(t, a.reg, coreDuration))
			requireExposition(t, a.reg, coreTotalHead+
				fmt.Sprintf("gin_http_request_total{method=%q,status=%q} 1\n", tt.want, status), coreTotal)
		})
	}
}

func TestStatusLabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler gin.HandlerFunc
		code    int // what the client got
		want    string
	}{
		{"200 by writing", ok, 200, "200"},
		{"201 by c.Status", func(c *gin.Context) { c.Status(http.StatusCreated) }, 201, "201"},
		{"204", func(c *gin.Context) { c.Status(http.StatusNoContent) }, 204, "204"},
		{"302 redirect", func(c *gin.Context) { c.Redirect(http.StatusFound, "/x") }, 302, "302"},
		{"404 set by handler", func(c *gin.Context) { c.String(http.StatusNotFound, "no") }, 404, "404"},
		{"abort 409", func(c *gin.Context) { c.AbortWithStatus(http.StatusConflict) }, 409, "409"},
		{"503", func(c *gin.Context) { c.String(http.StatusServiceUnavailable, "later") }, 503, "503"},
		{"999 is the highest", func(c *gin.Context) { c.Status(999) }, 999, "999"},
		{"42 is out of range", func(c *gin.Context) { c.Status(42) }, 42, "500"},
		{"1000 is out of range", func(c *gin.Context) { c.Status(1000) }, 1000, "500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			a.r.GET("/s", tt.handler)
			w := coreServeLax(a.r, http.MethodGet, "/s")
			require.Equal(t, tt.code, w.code)

			assert.Equal(t, map[string]uint64{fmt.Sprintf(`method="GET",path="/s",status=%q`, tt.want): 1},
				samples(t, a.reg, coreDuration))
			requireExposition(t, a.reg, coreTotalHead+
				fmt.Sprintf("gin_http_request_total{method=\"GET\",status=%q} 1\n", tt.want), coreTotal)
			// None of these is an exception.
			requireExposition(t, a.reg, "", coreExceptions)
		})
	}
}

func TestHandlerPanic(t *testing.T) {
	t.Parallel()
	const exception = coreExceptionsHead + `gin_http_request_exceptions_total{method="GET",status="500"} 1` + "\n"
	tests := []struct {
		name string
		// build registers coreBoom at GET /p on an engine instrumented
		// on reg.
		build     func(reg *prometheus.Registry) *gin.Engine
		reraised  bool // ServeHTTP panics with coreBoomValue
		code      int  // what the client got, if not reraised
		exception string
	}{
		{
			name: "recovery before ginprom",
			build: func(reg *prometheus.Registry) *gin.Engine {
				r := gin.New()
				r.Use(coreRecovery())
				ginprom.New(r, ginprom.WithRegistry(reg))
				r.GET("/p", coreBoom)
				return r
			},
			code:      http.StatusInternalServerError,
			exception: exception,
		},
		{
			name: "no recovery",
			build: func(reg *prometheus.Registry) *gin.Engine {
				r := gin.New()
				ginprom.New(r, ginprom.WithRegistry(reg))
				r.GET("/p", coreBoom)
				return r
			},
			reraised:  true,
			exception: exception,
		},
		{
			name: "recovery after ginprom is an ordinary 500",
			build: func(reg *prometheus.Registry) *gin.Engine {
				r := gin.New()
				ginprom.New(r, ginprom.WithRegistry(reg))
				r.GET("/p", coreRecovery(), coreBoom)
				return r
			},
			code:      http.StatusInternalServerError,
			exception: "",
		},
		{
			name: "panic after setting a status",
			build: func(reg *prometheus.Registry) *gin.Engine {
				r := gin.New()
				r.Use(coreRecovery())
				ginprom.New(r, ginprom.WithRegistry(reg))
				r.GET("/p", func(c *gin.Context) {
					c.Status(http.StatusAccepted)
					coreBoom(c)
				})
				return r
			},
			code:      http.StatusInternalServerError,
			exception: exception,
		},
		{
			// The headers are gone, so the client sees 200, but the
			// request is still recorded as a 500 and an exception.
			name: "panic after writing a body",
			build: func(reg *prometheus.Registry) *gin.Engine {
				r := gin.New()
				r.Use(coreRecovery())
				ginprom.New(r, ginprom.WithRegistry(reg))
				r.GET("/p", func(c *gin.Context) {
					c.String(http.StatusOK, "partial")
					coreBoom(c)
				})
				return r
			},
			code:      http.StatusOK,
			exception: exception,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			r := tt.build(reg)
			if tt.reraised {
				assert.PanicsWithValue(t, coreBoomValue, func() { serve(r, http.MethodGet, "/p") })
			} else {
				assert.Equal(t, tt.code, serve(r, http.MethodGet, "/p").Code)
			}

			assert.Equal(t, map[string]uint64{`method="GET",path="/p",status="500"`: 1}, samples(t, reg, coreDuration))
			requireExposition(t, reg, coreTotalHead+`gin_http_request_total{method="GET",status="500"} 1`+"\n", coreTotal)
			requireExposition(t, reg, tt.exception, coreExceptions)
		})
	}
}

func TestPanicValueUnchanged(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("core: an error value")
	a := newApp(t)
	a.r.GET("/e", func(*gin.Context) { panic(errBoom) })
	a.r.GET("/abort", func(*gin.Context) { panic(http.ErrAbortHandler) })

	assert.PanicsWithError(t, errBoom.Error(), func() { a.do(http.MethodGet, "/e") })
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() { a.do(http.MethodGet, "/abort") })
	requireExposition(t, a.reg, coreExceptionsHead+`gin_http_request_exceptions_total{method="GET",status="500"} 2`+"\n", coreExceptions)
}

func TestMiddlewarePositionInChain(t *testing.T) {
	t.Parallel()
	deny := func(c *gin.Context) { c.AbortWithStatus(http.StatusUnauthorized) }

	t.Run("handlers before ginprom are outside", func(t *testing.T) {
		t.Parallel()
		reg := prometheus.NewRegistry()
		r := gin.New()
		r.Use(deny)
		ginprom.New(r, ginprom.WithRegistry(reg))
		r.GET("/a", ok)
		require.Equal(t, http.StatusUnauthorized, serve(r, http.MethodGet, "/a").Code)
		assert.Empty(t, samples(t, reg, coreDuration))
	})
	t.Run("handlers after ginprom are measured", func(t *testing.T) {
		t.Parallel()
		a := newApp(t)
		a.r.Use(deny)
		a.r.GET("/a", ok)
		require.Equal(t, http.StatusUnauthorized, a.do(http.MethodGet, "/a").Code)
		assert.Equal(t, map[string]uint64{`method="GET",path="/a",status="401"`: 1}, samples(t, a.reg, coreDuration))
	})
}

func TestDefaultsPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []ginprom.Option
		want []string // sorted family names after a normal and a panicking request
	}{
		{"default", nil, []string{
			"core_hits_total", "gin_exporter_info", "gin_http_request_duration_seconds",
			"gin_http_request_exceptions_total", "gin_http_request_total",
		}},
		{"myapp", []ginprom.Option{ginprom.WithDefaultsPrefix("myapp")}, []string{
			"core_hits_total", "myapp_exporter_info", "myapp_http_request_duration_seconds",
			"myapp_http_request_exceptions_total", "myapp_http_request_total",
		}},
		{"NoPrefix", []ginprom.Option{ginprom.WithDefaultsPrefix(ginprom.NoPrefix)}, []string{
			"core_hits_total", "exporter_info", "http_request_duration_seconds",
			"http_request_exceptions_total", "http_request_total",
		}},
		{"last wins", []ginprom.Option{ginprom.WithDefaultsPrefix("first"), ginprom.WithDefaultsPrefix("second")}, []string{
			"core_hits_total", "second_exporter_info", "second_http_request_duration_seconds",
			"second_http_request_exceptions_total", "second_http_request_total",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			r := gin.New()
			r.Use(coreRecovery())
			m := ginprom.New(r, append([]ginprom.Option{ginprom.WithRegistry(reg)}, tt.opts...)...)
			r.GET("/a", m.Counter("core_hits", "Hits.", nil), ok)
			r.GET("/p", coreBoom)
			serve(r, http.MethodGet, "/a")
			serve(r, http.MethodGet, "/p")

			assert.Equal(t, tt.want, families(t, reg))
			// The counter of /a and /p together, under the prefixed name.
			total := tt.want[4]
			requireExposition(t, reg, fmt.Sprintf(`# HELP %[1]s Total number of HTTP requests served by Gin.
# TYPE %[1]s counter
%[1]s{method="GET",status="200"} 1
%[1]s{method="GET",status="500"} 1
`, total), total)
		})
	}
}

func TestWithoutDefaults(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithoutDefaults())
	a.m.Info("core_app_info", "App info.", nil)
	ran := 0
	a.r.GET("/a", func(c *gin.Context) {
		ran++
		ok(c)
	})
	mw := a.m.Middleware()
	a.r.GET("/b", mw, ok)

	assert.Equal(t, "ok", a.do(http.MethodGet, "/a").Body.String())
	assert.Equal(t, "ok", a.do(http.MethodGet, "/b").Body.String())
	a.do(http.MethodGet, "/nowhere")
	assert.Equal(t, 1, ran)

	assert.Equal(t, []string{"core_app_info"}, families(t, a.reg))
	w := a.do(http.MethodGet, "/metrics")
	require.Equal(t, http.StatusOK, w.Code)
	coreScrape(w.Body.String()).require(t,
		"# HELP core_app_info App info.\n# TYPE core_app_info gauge\ncore_app_info 1\n")
}

func TestWithBuckets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		buckets []float64
		want    map[float64]uint64
	}{
		// Bounds far above any request's duration: every request lands
		// in each of them.
		{"custom", []float64{1e6, 1e9}, map[float64]uint64{1e6: 1, 1e9: 1}},
		{"one bound", []float64{1e9}, map[float64]uint64{1e9: 1}},
		{"trailing +Inf is implied", []float64{1e9, math.Inf(1)}, map[float64]uint64{1e9: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, ginprom.WithBuckets(tt.buckets...))
			a.r.GET("/a", ok)
			a.do(http.MethodGet, "/a")
			assert.Equal(t, tt.want, buckets(t, a.reg, coreDuration, `method="GET",path="/a",status="200"`))
		})
	}
	t.Run("no buckets keeps the default", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, ginprom.WithBuckets())
		a.r.GET("/a", ok)
		a.do(http.MethodGet, "/a")
		assert.Len(t, buckets(t, a.reg, coreDuration, `method="GET",path="/a",status="200"`), len(ginprom.DefaultBuckets))
	})
}

func TestWithLatencySummary(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithLatencySummary(), ginprom.WithBuckets(1, 2))
	a.r.GET("/a", ok)
	a.do(http.MethodGet, "/a")
	a.do(http.MethodGet, "/a")

	mfs, err := a.reg.Gather()
	require.NoError(t, err)
	found := false
	for _, mf := range mfs {
		if mf.GetName() != coreDuration {
			continue
		}
		found = true
		assert.Equal(t, "SUMMARY", mf.GetType().String())
		require.Len(t, mf.GetMetric(), 1)
		s := mf.GetMetric()[0].GetSummary()
		require.NotNil(t, s)
		assert.Empty(t, s.GetQuantile(), "the summary has no quantiles")
		assert.GreaterOrEqual(t, s.GetSampleSum(), 0.0)
	}
	require.True(t, found)
	assert.Equal(t, map[string]uint64{`method="GET",path="/a",status="200"`: 2}, samples(t, a.reg, coreDuration))
	requireExposition(t, a.reg, coreTotalHead+`gin_http_request_total{method="GET",status="200"} 2`+"\n", coreTotal)
}

// TestDefaultRegistry is the only test that uses client_golang's default
// registry; its prefix keeps it apart from anything else registered there,
// and running it again reuses what the first run registered.
func TestDefaultRegistry(t *testing.T) {
	t.Parallel()
	r := gin.New()
	ginprom.New(r, ginprom.WithDefaultsPrefix("coredefaultreg"))
	r.GET("/a", ok)
	serve(r, http.MethodGet, "/a")

	names := families(t, prometheus.DefaultGatherer)
	assert.Contains(t, names, "coredefaultreg_exporter_info")
	assert.Contains(t, names, "coredefaultreg_http_request_total")
	// The route serves the default gatherer, Go runtime metrics included.
	assert.Contains(t, coreScrape(serve(r, http.MethodGet, "/metrics").Body.String()).families(), "go_goroutines")
}

func TestSameAppTwiceOnOneRegistry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []ginprom.Option
		key  string // the one duration series after a GET /a on each app
	}{
		{"defaults", nil, `method="GET",path="/a",status="200"`},
		{"summary", []ginprom.Option{ginprom.WithLatencySummary()}, `method="GET",path="/a",status="200"`},
		{"buckets", []ginprom.Option{ginprom.WithBuckets(1, 2, 3)}, `method="GET",path="/a",status="200"`},
		{"prefix", []ginprom.Option{ginprom.WithDefaultsPrefix("twice")}, `method="GET",path="/a",status="200"`},
		{
			"static labels",
			[]ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"env": "prod"})},
			`env="prod",method="GET",path="/a",status="200"`,
		},
		{"dynamic labels", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{
			"zone": func(*gin.Context) string { return "z1" },
		})}, `method="GET",path="/a",status="200",zone="z1"`},
		{
			"group by handler",
			[]ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByHandler)},
			`handler="github.com/gin-contrib/ginprom_test.ok",method="GET",status="200"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			name := coreDuration
			if tt.name == "prefix" {
				name = "twice_http_request_duration_seconds"
			}
			for i := 0; i < 2; i++ {
				r := gin.New()
				require.NotPanics(t, func() {
					m := ginprom.New(r, append([]ginprom.Option{ginprom.WithRegistry(reg)}, tt.opts...)...)
					m.Info("core_app_info", "App info.", prometheus.Labels{"v": "1"})
				})
				r.GET("/a", ok)
				serve(r, http.MethodGet, "/a")
			}
			assert.Equal(t, map[string]uint64{tt.key: 2}, samples(t, reg, name))
		})
	}
}

func TestConflictingMetricPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		before  func(reg *prometheus.Registry)
		opts    []ginprom.Option
		culprit string
	}{
		{
			name: "exceptions registered as a gauge",
			before: func(reg *prometheus.Registry) {
				reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: coreExceptions, Help: "Not ours."}))
			},
			culprit: coreExceptions,
		},
		{
			name: "exceptions with the same labels but another help",
			before: func(reg *prometheus.Registry) {
				reg.MustRegister(prometheus.NewCounterVec(prometheus.CounterOpts{Name: coreExceptions, Help: "Not ours."},
					[]string{"method", "status"}))
			},
			culprit: coreExceptions,
		},
		{
			name: "total with other labels",
			before: func(reg *prometheus.Registry) {
				reg.MustRegister(prometheus.NewCounterVec(prometheus.CounterOpts{
					Name: coreTotal, Help: "Total number of HTTP requests served by Gin.",
				}, []string{"code"}))
			},
			culprit: coreTotal,
		},
		{
			name: "duration registered as a counter",
			before: func(reg *prometheus.Registry) {
				reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: coreDuration, Help: "Not ours."}))
			},
			culprit: coreDuration,
		},
		{
			name: "exporter info registered as a counter",
			before: func(reg *prometheus.Registry) {
				reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{
					Name: coreInfo, Help: "Information about the ginprom exporter; always 1.",
					ConstLabels: prometheus.Labels{"version": ginprom.Version},
				}))
			},
			culprit: coreInfo,
		},
		{
			name:    "summary after histogram",
			before:  func(reg *prometheus.Registry) { ginprom.New(nil, ginprom.WithRegistry(reg)) },
			opts:    []ginprom.Option{ginprom.WithLatencySummary()},
			culprit: coreDuration,
		},
		{
			name: "histogram after summary",
			before: func(reg *prometheus.Registry) {
				ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithLatencySummary())
			},
			culprit: coreDuration,
		},
		{
			name:    "other buckets",
			before:  func(reg *prometheus.Registry) { ginprom.New(nil, ginprom.WithRegistry(reg)) },
			opts:    []ginprom.Option{ginprom.WithBuckets(1, 2)},
			culprit: coreDuration,
		},
		{
			name:    "other group-by label",
			before:  func(reg *prometheus.Registry) { ginprom.New(nil, ginprom.WithRegistry(reg)) },
			opts:    []ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByHandler)},
			culprit: coreDuration,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			tt.before(reg)
			coreRequireSetupPanic(t, tt.culprit, func() {
				ginprom.New(nil, append([]ginprom.Option{ginprom.WithRegistry(reg)}, tt.opts...)...)
			})
		})
	}
}

func TestSetupErrorsPanic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    []ginprom.Option
		culprit string
	}{
		{"nil option", []ginprom.Option{nil}, "option 2 of 2"},
		{"nil option after others", []ginprom.Option{ginprom.WithPath("/m"), nil}, "option 3 of 3"},
		{"path without slash", []ginprom.Option{ginprom.WithPath("metrics")}, `WithPath("metrics")`},
		{"nil metrics middleware", []ginprom.Option{ginprom.WithMetricsMiddleware(nil)}, "WithMetricsMiddleware"},
		{"second metrics middleware nil", []ginprom.Option{ginprom.WithMetricsMiddleware(ok, nil)}, "handler 2"},
		{"prefix with a leading digit", []ginprom.Option{ginprom.WithDefaultsPrefix("1bad")}, `"1bad"`},
		{"prefix with a dash", []ginprom.Option{ginprom.WithDefaultsPrefix("my-app")}, `"my-app"`},
		{"decreasing buckets", []ginprom.Option{ginprom.WithBuckets(1, 0.5)}, "0.5"},
		{"repeated bucket", []ginprom.Option{ginprom.WithBuckets(1, 2, 2)}, "WithBuckets"},
		{"NaN bucket", []ginprom.Option{ginprom.WithBuckets(1, math.NaN())}, "NaN"},
		{"bad regular expression", []ginprom.Option{ginprom.WithExcludedPaths("(")}, `"("`},
		{"second regular expression bad", []ginprom.Option{ginprom.WithExcludedPaths("/ok", "[z-a]")}, `"[z-a]"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			coreRequireSetupPanic(t, tt.culprit, func() {
				ginprom.New(nil, append([]ginprom.Option{ginprom.WithRegistry(prometheus.NewRegistry())}, tt.opts...)...)
			})
		})
	}
	t.Run("only nil option", func(t *testing.T) {
		t.Parallel()
		coreRequireSetupPanic(t, "nil", func() { ginprom.New(nil, nil) })
	})
}

func TestConcurrentRequestsAreAllCounted(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.r.GET("/a", ok)
	a.r.GET("/b/:id", ok)

	const workers, each = 8, 50
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < each; j++ {
				if j%2 == 0 {
					a.do(http.MethodGet, "/a")
				} else {
					a.do(http.MethodGet, fmt.Sprintf("/b/%d", i))
				}
				if j%10 == 0 {
					a.do(http.MethodGet, "/metrics")
				}
			}
		}(i)
	}
	wg.Wait()

	assert.Equal(t, map[string]uint64{
		`method="GET",path="/a",status="200"`:     workers * each / 2,
		`method="GET",path="/b/:id",status="200"`: workers * each / 2,
	}, samples(t, a.reg, coreDuration))
	requireExposition(t, a.reg, coreTotalHead+fmt.Sprintf("gin_http_request_total{method=\"GET\",status=\"200\"} %d\n", workers*each), coreTotal)
}

func TestLintTypicalApp(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	r := gin.New()
	r.Use(coreRecovery())
	m := ginprom.New(r, ginprom.WithRegistry(reg),
		ginprom.WithDefaultLabels(ginprom.Labels{"env": "prod", "zone": func(*gin.Context) string { return "z1" }}),
		ginprom.WithExcludedPaths("/health$"))
	m.Info("core_app_info", "Application info.", prometheus.Labels{"version": "1.0.3"})
	r.GET("/users/:id", m.Counter("core_user_reads", "User reads.", nil), ok)
	r.GET("/p", coreBoom)
	r.GET("/health", ok)
	for _, p := range []string{"/users/1", "/p", "/health", "/nowhere"} {
		serve(r, http.MethodGet, p)
	}
	require.Len(t, families(t, reg), 6)
	requireLint(t, reg)

	summary := newApp(t, ginprom.WithLatencySummary(), ginprom.WithDefaultsPrefix(ginprom.NoPrefix))
	summary.r.GET("/a", ok)
	summary.do(http.MethodGet, "/a")
	requireLint(t, summary.reg)
}

// coreSlow is a handler that works for 30 ms and stores in *took how long
// it ran by its own clock. The middleware's measurement encloses it.
func coreSlow(took *time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		time.Sleep(30 * time.Millisecond) // the work being measured
		*took = time.Since(start)
		c.Status(http.StatusOK)
	}
}

// TestDurationEnclosesTheChain: the duration is the time spent in the
// handlers after the middleware, so it is at least what the handler
// measured itself, and a 30 ms request lands above the 25 ms bucket.
func TestDurationEnclosesTheChain(t *testing.T) {
	t.Parallel()
	const series = `method="GET",path="/slow",status="200"`
	for _, summary := range []bool{false, true} {
		name := "histogram"
		var opts []ginprom.Option
		if summary {
			name = "summary"
			opts = append(opts, ginprom.WithLatencySummary())
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, opts...)
			var took time.Duration
			a.r.GET("/slow", coreSlow(&took))
			a.do(http.MethodGet, "/slow")

			require.Equal(t, map[string]uint64{series: 1}, samples(t, a.reg, coreDuration))
			assert.GreaterOrEqual(t, sums(t, a.reg, coreDuration)[series], took.Seconds())
			if !summary {
				b := buckets(t, a.reg, coreDuration, series)
				assert.Equal(t, uint64(0), b[0.025], "requests of at most 25 ms")
				assert.Equal(t, uint64(1), b[10], "requests of at most 10 s")
			}
		})
	}
}

// TestHandleContextRecordsEachDispatch: a handler that hands the request
// to engine.HandleContext runs a second route; each dispatch is recorded
// under its own route, the first with the status the client got.
func TestHandleContextRecordsEachDispatch(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.r.GET("/new", func(c *gin.Context) { c.String(http.StatusAccepted, "new") })
	a.r.GET("/old", func(c *gin.Context) {
		c.Request.URL.Path = "/new"
		a.r.HandleContext(c)
	})
	require.Equal(t, http.StatusAccepted, a.do(http.MethodGet, "/old").Code)
	assert.Equal(t, map[string]uint64{
		`method="GET",path="/old",status="202"`: 1,
		`method="GET",path="/new",status="202"`: 1,
	}, samples(t, a.reg, coreDuration))
}

// TestDefaultBucketsAreCopied: metrics copy DefaultBuckets when they are
// made, so changing the variable later does not reach them. Not parallel:
// it changes a package variable, and restores it.
func TestDefaultBucketsAreCopied(t *testing.T) {
	saved := slices.Clone(ginprom.DefaultBuckets)
	defer copy(ginprom.DefaultBuckets, saved)

	a := newApp(t)
	a.r.GET("/x", a.m.Histogram("x_seconds", "X.", nil), ok)
	a.do(http.MethodGet, "/x")
	ginprom.DefaultBuckets[0] = 100
	a.do(http.MethodGet, "/x")

	bounds := func(b map[float64]uint64) []float64 {
		keys := slices.Collect(maps.Keys(b))
		slices.Sort(keys)
		return keys
	}
	want := saved // the exposition's +Inf bucket is implicit
	assert.Equal(t, want, bounds(buckets(t, a.reg, coreDuration, `method="GET",path="/x",status="200"`)))
	assert.Equal(t, want, bounds(buckets(t, a.reg, "x_seconds", "")))
	requireLint(t, a.reg)
}

// TestWithRegistryTypedNil: a nil *prometheus.Registry keeps the default
// registry, as a nil Registry does, instead of failing inside New.
func TestWithRegistryTypedNil(t *testing.T) {
	var reg *prometheus.Registry
	require.NotPanics(t, func() {
		ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithDefaultsPrefix("typed_nil"))
	})
	assert.Contains(t, families(t, prometheus.DefaultGatherer), "typed_nil_exporter_info")
}

// TestWarnsOfRecoveryAfterMiddleware: in debug mode, the first request to a
// route whose gin.Recovery runs after the ginprom middleware warns that its
// panics are not counted as exceptions. Not parallel: it changes Gin's mode
// and writer.
func TestWarnsOfRecoveryAfterMiddleware(t *testing.T) {
	out := coreGinOutput(t, gin.DebugMode)

	r := gin.New()
	r.Use(coreRecovery()) // before ginprom: no warning for the other routes
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))
	r.GET("/inner", coreRecovery(), coreBoom)
	r.GET("/plain", ok)
	out.Reset()

	serve(r, http.MethodGet, "/plain")
	assert.NotContains(t, out.String(), "[WARNING] ginprom")
	serve(r, http.MethodGet, "/inner")
	assert.Contains(t, out.String(), "[WARNING] ginprom: GET /inner runs gin.Recovery after the ginprom middleware")
	out.Reset()
	serve(r, http.MethodGet, "/inner")
	assert.Empty(t, out.String(), "the warning comes once per route")
}
