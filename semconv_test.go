package ginprom_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
)

const semconvDuration = "http_server_request_duration_seconds"

// scSeries is the label key of a semconv series. An empty route or error
// type is an empty label, which Prometheus stores as an absent one.
func scSeries(method, scheme, route, status, errorType string) string {
	return fmt.Sprintf("error_type=%q,http_request_method=%q,http_response_status_code=%q,http_route=%q,url_scheme=%q",
		errorType, method, status, route, scheme)
}

// TestSemconvNames: OpenTelemetry's names and labels: unknown methods are
// _OTHER, url_scheme comes from the request's TLS (never from a forwarded
// header), http_route is the template and absent for unmatched requests,
// error_type is the status of errors (500 and up) only.
func TestSemconvNames(t *testing.T) {
	a := newApp(t, ginprom.WithSemconv())
	a.r.GET("/users/:id", ok)
	a.r.Handle("PROPFIND", "/users/:id", ok)
	a.r.GET("/fail", func(c *gin.Context) { c.Status(http.StatusServiceUnavailable) })
	a.r.GET("/bad", func(c *gin.Context) { c.Status(http.StatusBadRequest) })

	a.do(http.MethodGet, "/users/1")
	a.do("PROPFIND", "/users/1")
	a.do(http.MethodGet, "/fail")
	a.do(http.MethodGet, "/bad")
	a.do(http.MethodGet, "/secret/path/of/a/scanner")
	serve(a.r, http.MethodGet, "https://example.com/users/2")
	serve(a.r, http.MethodGet, "/users/3", "X-Forwarded-Proto", "https", "Forwarded", "proto=https")

	assert.Equal(t, map[string]uint64{
		scSeries("GET", "http", "/users/:id", "200", ""):    2,
		scSeries("GET", "https", "/users/:id", "200", ""):   1,
		scSeries("_OTHER", "http", "/users/:id", "200", ""): 1,
		scSeries("GET", "http", "/fail", "503", "503"):      1,
		scSeries("GET", "http", "/bad", "400", ""):          1,
		scSeries("GET", "http", "", "404", ""):              1,
	}, samples(t, a.reg, semconvDuration))

	names := families(t, a.reg)
	assert.Contains(t, names, coreTotal, "metrics the schema does not name keep their defaults")
	assert.NotContains(t, names, coreDuration)
	assert.NotContains(t, names, bbInfo)
	var bounds []float64
	for b := range buckets(t, a.reg, semconvDuration, scSeries("GET", "http", "/users/:id", "200", "")) {
		bounds = append(bounds, b)
	}
	assert.ElementsMatch(t, ginprom.DefaultBuckets, bounds)
}

// TestSemconvErrorStatus: WithErrorStatus decides error_type under
// WithSemconv too, in either order.
func TestSemconvErrorStatus(t *testing.T) {
	clientErrors := ginprom.WithErrorStatus(func(s int) bool { return s >= 400 })
	for _, opts := range [][]ginprom.Option{{ginprom.WithSemconv(), clientErrors}, {clientErrors, ginprom.WithSemconv()}} {
		a := newApp(t, opts...)
		a.r.GET("/bad", func(c *gin.Context) { c.Status(http.StatusBadRequest) })
		a.do(http.MethodGet, "/bad")
		assert.Equal(t, map[string]uint64{scSeries("GET", "http", "/bad", "400", "400"): 1}, samples(t, a.reg, semconvDuration))
	}
}

// TestSemconvRefined: options after WithSemconv refine it (buckets, a
// group-by function for http_route, default labels, a summary); options
// before it are overridden.
func TestSemconvRefined(t *testing.T) {
	a := newApp(t, ginprom.WithBuckets(7, 8), ginprom.WithGroupBy(ginprom.GroupByHandler), ginprom.WithSemconv(),
		ginprom.WithBuckets(1, 2), ginprom.WithDefaultLabels(ginprom.Labels{"env": "prod"}))
	a.r.GET("/users/:id", ok)
	a.do(http.MethodGet, "/users/1")
	key := `env="prod",` + scSeries("GET", "http", "/users/:id", "200", "")
	assert.Equal(t, map[string]uint64{key: 1}, samples(t, a.reg, semconvDuration))
	assert.Len(t, buckets(t, a.reg, semconvDuration, key), 2)

	// http_route holds route templates only: a group-by function or the
	// handler name is refused, as a path is.
	for _, g := range []ginprom.GroupBy{ginprom.GroupByFunc("ignored", func(*gin.Context) string { return "users" }), ginprom.GroupByHandler} {
		coreRequireSetupPanic(t, "use GroupByRoute", func() { newApp(t, ginprom.WithSemconv(), ginprom.WithGroupBy(g)) })
	}

	s := newApp(t, ginprom.WithSemconv(), ginprom.WithLatencySummary())
	s.r.GET("/", ok)
	s.do(http.MethodGet, "/")
	assert.Equal(t, map[string]uint64{scSeries("GET", "http", "/", "200", ""): 1}, samples(t, s.reg, semconvDuration))
}

// TestSchemaSetupPanics: a schema with WithDefaultsPrefix in either order,
// two schemas, WithSemconv with GroupByPath in either order, and
// WithBigBrother without a version panic in New with a ginprom message.
func TestSchemaSetupPanics(t *testing.T) {
	path := ginprom.WithGroupBy(ginprom.GroupByPath)
	cases := []struct {
		name    string
		culprit string
		opts    []ginprom.Option
	}{
		{"Big Brother then prefix", "WithDefaultsPrefix", []ginprom.Option{ginprom.WithBigBrother("1"), ginprom.WithDefaultsPrefix("app")}},
		{"prefix then Big Brother", "WithDefaultsPrefix", []ginprom.Option{ginprom.WithDefaultsPrefix("app"), ginprom.WithBigBrother("1")}},
		{"semconv then prefix", "WithDefaultsPrefix", []ginprom.Option{ginprom.WithSemconv(), ginprom.WithDefaultsPrefix(ginprom.NoPrefix)}},
		{"prefix then semconv", "WithDefaultsPrefix", []ginprom.Option{ginprom.WithDefaultsPrefix("gin"), ginprom.WithSemconv()}},
		{"two schemas", "WithSemconv", []ginprom.Option{ginprom.WithBigBrother("1"), ginprom.WithSemconv()}},
		{"one schema twice", "WithBigBrother", []ginprom.Option{ginprom.WithBigBrother("1"), ginprom.WithBigBrother("2")}},
		{"semconv then path", "GroupByPath", []ginprom.Option{ginprom.WithSemconv(), path}},
		{"no version", "version", []ginprom.Option{ginprom.WithBigBrother("")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			coreRequireSetupPanic(t, tc.culprit, func() { newApp(t, tc.opts...) })
		})
	}

	// GroupByPath before WithSemconv is overridden by it, as every option
	// before a schema is: http_route is the template.
	a := newApp(t, path, ginprom.WithSemconv())
	a.r.GET("/users/:id", ok)
	a.do(http.MethodGet, "/users/42")
	assert.Equal(t, map[string]uint64{scSeries("GET", "http", "/users/:id", "200", ""): 1}, samples(t, a.reg, semconvDuration))
}

// TestSchemaSeriesPerVariant: each variant (message, scheme) is its own
// series, resolved once; the same variant again adds to it.
func TestSchemaSeriesPerVariant(t *testing.T) {
	a := newApp(t, ginprom.WithSemconv())
	a.r.GET("/", ok)
	for i := 0; i < 3; i++ {
		serve(a.r, http.MethodGet, "https://example.com/")
		a.do(http.MethodGet, "/")
	}
	assert.Equal(t, map[string]uint64{
		scSeries("GET", "http", "/", "200", ""):  3,
		scSeries("GET", "https", "/", "200", ""): 3,
	}, samples(t, a.reg, semconvDuration))

	req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "https://example.com/", nil)
	assert.NotNil(t, req.TLS, "httptest gives https requests a TLS state, as net/http does")
}

// TestSemconvSignals: with the signal options, OpenTelemetry's names for
// the active requests (by method and url_scheme) and the body sizes
// (labelled as the duration); under WithBigBrother, which does not name
// them, the size histograms keep their default names next to
// response_size_bytes.
func TestSemconvSignals(t *testing.T) {
	a := newApp(t, ginprom.WithSemconv(), ginprom.WithInFlight(), ginprom.WithRequestSize(), ginprom.WithResponseSize())
	inside := make(chan struct{})
	release := make(chan struct{})
	a.r.GET("/wait", func(c *gin.Context) {
		inside <- struct{}{}
		<-release
		c.String(http.StatusOK, "done")
	})
	a.r.GET("/users/:id", ok)
	done := make(chan struct{})
	go func() {
		defer close(done)
		serve(a.r, http.MethodGet, "https://example.com/wait")
	}()
	<-inside
	serve(a.r, "PROPFIND", "/users/1")
	requireExposition(t, a.reg, `# HELP http_server_active_requests Number of HTTP requests being served by Gin now.
# TYPE http_server_active_requests gauge
http_server_active_requests{http_request_method="GET",url_scheme="https"} 1
http_server_active_requests{http_request_method="_OTHER",url_scheme="http"} 0
`, "http_server_active_requests")
	close(release)
	<-done

	assert.Equal(t, map[string]float64{
		scSeries("GET", "https", "/wait", "200", ""): 4,
		scSeries("_OTHER", "http", "", "404", ""):    18, // Gin's own 404 body
	}, sums(t, a.reg, "http_server_response_body_size_bytes"))
	assert.Equal(t, map[string]uint64{
		scSeries("GET", "https", "/wait", "200", ""): 1,
		scSeries("_OTHER", "http", "", "404", ""):    1,
	}, samples(t, a.reg, "http_server_request_body_size_bytes"))
	names := families(t, a.reg)
	assert.NotContains(t, names, "gin_http_requests_in_flight")
	assert.NotContains(t, names, "gin_http_response_size_bytes")

	// Big Brother is the protocol alone: its response bytes and nothing
	// more (the signals it does not name panic, TestSchemaUnnamedSignals).
	b := newApp(t, ginprom.WithBigBrother("1"))
	b.r.GET("/", ok)
	b.do(http.MethodGet, "/")
	requireExposition(t, b.reg, bbBytesHead+`response_size_bytes{addr="/",errorMessage="",isError="false",method="GET",status="200",type="http"} 2
`, bbBytes)
	assert.Equal(t, []string{"application_info", bbDuration, bbBytes}, families(t, b.reg))
}

// TestErrorStatusWithoutSchema: the default names carry no error label, so
// WithErrorStatus changes nothing there.
func TestErrorStatusWithoutSchema(t *testing.T) {
	a := newApp(t, ginprom.WithErrorStatus(func(int) bool { return true }))
	a.r.GET("/", ok)
	a.do(http.MethodGet, "/")
	assert.Equal(t, map[string]uint64{`method="GET",path="/",status="200"`: 1}, samples(t, a.reg, coreDuration))
}
