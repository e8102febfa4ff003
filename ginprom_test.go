package ginprom_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
