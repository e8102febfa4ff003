package ginprom_test

import (
	"compress/gzip"
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// coreScrape is a scraped text exposition.
type coreScrape string

// require asserts that the exposition holds exactly the metrics of expected
// in the named families (all families if none are named). It serves the
// exposition to testutil.ScrapeAndCompare, which parses it as Prometheus
// would.
func (s coreScrape) require(t testing.TB, expected string, names ...string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = io.WriteString(w, string(s))
	}))
	defer srv.Close()
	require.NoError(t, testutil.ScrapeAndCompare(srv.URL, strings.NewReader(expected), names...))
}

// families returns the names of the exposition's families, in order.
func (s coreScrape) families() []string {
	var names []string
	for _, line := range strings.Split(string(s), "\n") {
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, _, _ := strings.Cut(rest, " ")
			names = append(names, name)
		}
	}
	return names
}

// coreAuth returns an Authorization header value for HTTP basic auth.
func coreAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// coreAccounts are the credentials of the guarded metrics routes.
var coreAccounts = gin.Accounts{"u": "p"}

// coreGet sends a GET to a real server and returns the status and body.
func coreGet(t testing.TB, url string, header ...string) (int, string) {
	t.Helper()
	req := getRequest(t, url)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	require.NoError(t, err)
	text := body(t, resp.Body)
	require.NoError(t, resp.Body.Close())
	return resp.StatusCode, text
}

// coreStart starts the metrics server of m on a free port and shuts it
// down when the test ends.
func coreStart(t testing.TB, m *ginprom.Metrics) *http.Server {
	t.Helper()
	srv, err := m.StartHTTPServer("127.0.0.1:0")
	require.NoError(t, err)
	require.NotNil(t, srv)
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return srv
}

func TestWithPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []ginprom.Option
		serves   string // "" for no metrics route
		notFound []string
	}{
		{"default", nil, "/metrics", []string{"/custom"}},
		{"custom", []ginprom.Option{ginprom.WithPath("/custom")}, "/custom", []string{"/metrics"}},
		{"nested", []ginprom.Option{ginprom.WithPath("/internal/metrics")}, "/internal/metrics", []string{"/metrics"}},
		{"last wins", []ginprom.Option{ginprom.WithPath("/first"), ginprom.WithPath("/second")}, "/second", []string{"/first", "/metrics"}},
		{"empty adds none", []ginprom.Option{ginprom.WithPath("")}, "", []string{"/metrics"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, tt.opts...)
			if tt.serves == "" {
				assert.Empty(t, a.r.Routes())
			} else {
				require.Len(t, a.r.Routes(), 1)
				assert.Equal(t, tt.serves, a.r.Routes()[0].Path)
				w := a.do(http.MethodGet, tt.serves)
				assert.Equal(t, http.StatusOK, w.Code)
				coreScrape(w.Body.String()).require(t,
					coreInfoHead+`gin_exporter_info{version="`+ginprom.Version+`"} 1`+"\n", coreInfo)
			}
			for _, p := range tt.notFound {
				assert.Equal(t, http.StatusNotFound, a.do(http.MethodGet, p).Code, p)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithPath(""), ginprom.WithMetricsMiddleware(gin.BasicAuth(coreAccounts)))
	a.m.Info("core_app_info", "App info.", nil)
	a.r.GET("/a", ok)
	a.do(http.MethodGet, "/a")

	other := gin.New()
	other.GET("/raw", a.m.Handler())
	w := serve(other, http.MethodGet, "/raw")
	require.Equal(t, http.StatusOK, w.Code, "Handler is not behind the metrics middleware")
	g := coreScrape(w.Body.String())
	// Exactly the instance's registry: not client_golang's default one.
	assert.Equal(t, families(t, a.reg), g.families())
	assert.NotContains(t, g.families(), "go_goroutines")
	g.require(t, coreTotalHead+`gin_http_request_total{method="GET",status="200"} 1`+"\n", coreTotal)
}

func TestRegisterEndpoint(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithPath(""))
	a.m.RegisterEndpoint("/m", a.r)
	a.m.RegisterEndpoint("/metrics", a.r.Group("/admin"))
	elsewhere := gin.New()
	a.m.RegisterEndpoint("/x", elsewhere)
	a.r.GET("/a", ok)
	a.do(http.MethodGet, "/a")

	endpoints := []struct {
		name string
		h    http.Handler
		path string
	}{
		{"engine", a.r, "/m"},
		{"group", a.r, "/admin/metrics"},
		{"engine not instrumented", elsewhere, "/x"},
	}
	for _, tc := range endpoints {
		t.Run(tc.name, func(t *testing.T) {
			w := serve(tc.h, http.MethodGet, tc.path)
			require.Equal(t, http.StatusOK, w.Code)
			coreScrape(w.Body.String()).require(t,
				coreTotalHead+`gin_http_request_total{method="GET",status="200"} 1`+"\n", coreTotal)
		})
	}
	for _, tc := range endpoints {
		assert.Equal(t, http.StatusNotFound, serve(tc.h, http.MethodPost, tc.path).Code, "%s: GET only", tc.name)
	}
}

func TestRegisterEndpointPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		path    string
		router  gin.IRoutes
		culprit string
	}{
		{"nil router", "/m", nil, "router is nil"},
		{"nil engine", "/m", (*gin.Engine)(nil), "router is nil"},
		{"nil group", "/m", (*gin.RouterGroup)(nil), "router is nil"},
		{"relative path", "m", gin.New(), `"m"`},
		{"empty path", "", gin.New(), `""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := ginprom.New(nil, ginprom.WithRegistry(prometheus.NewRegistry()))
			coreRequireSetupPanic(t, tt.culprit, func() { m.RegisterEndpoint(tt.path, tt.router) })
		})
	}
}

func TestMetricsRouteNeverCounted(t *testing.T) {
	t.Parallel()
	auth := ginprom.WithMetricsMiddleware(gin.BasicAuth(coreAccounts))
	tests := []struct {
		name string
		// build returns an engine on reg with GET /a and its metrics
		// routes.
		build  func(reg *prometheus.Registry) *gin.Engine
		scrape []string
		key    string // the series of the one GET /a
	}{
		{
			name: "default route",
			build: func(reg *prometheus.Registry) *gin.Engine {
				r := gin.New()
				ginprom.New(r, ginprom.WithRegistry(reg))
				return r
			},
			scrape: []string{"/metrics"},
		},
		{
			name: "custom path, grouped by path",
			build: func(reg *prometheus.Registry) *gin.Engine {
				r := gin.New()
				ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithPath("/custom"), ginprom.WithGroupBy(ginprom.GroupByPath))
				return r
			},
			scrape: []string{"/custom"},
		},
		{
			name: "grouped by func with per-request labels",
			build: func(reg *prometheus.Registry) *gin.Engine {
				r := gin.New()
				ginprom.New(r, ginprom.WithRegistry(reg),
					ginprom.WithGroupBy(ginprom.GroupByFunc("path", func(*gin.Context) string { return "fn" })),
					ginprom.WithDefaultLabels(ginprom.Labels{"zone": func(*gin.Context) string { return "z" }}))
				return r
			},
			scrape: []string{"/metrics"},
			key:    `method="GET",path="fn",status="200",zone="z"`,
		},
		{
			name: "RegisterEndpoint on the engine and a group",
			build: func(reg *prometheus.Registry) *gin.Engine {
				r := gin.New()
				m := ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithPath(""))
				m.RegisterEndpoint("/m", r)
				m.RegisterEndpoint("/metrics", r.Group("/admin"))
				return r
			},
			scrape: []string{"/m", "/admin/metrics"},
		},
		{
			name: "RegisterEndpoint behind the middleware",
			build: func(reg *prometheus.Registry) *gin.Engine {
				r := gin.New()
				m := ginprom.New(nil, ginprom.WithRegistry(reg))
				r.Use(m.Middleware())
				m.RegisterEndpoint("/m", r)
				return r
			},
			scrape: []string{"/m"},
		},
		{
			name: "RegisterEndpoint behind the middleware, with auth",
			build: func(reg *prometheus.Registry) *gin.Engine {
				r := gin.New()
				m := ginprom.New(nil, ginprom.WithRegistry(reg), auth)
				r.Use(m.Middleware())
				m.RegisterEndpoint("/m", r)
				return r
			},
			scrape: []string{"/m"},
		},
		{
			name: "auth on the engine route",
			build: func(reg *prometheus.Registry) *gin.Engine {
				r := gin.New()
				ginprom.New(r, ginprom.WithRegistry(reg), auth)
				return r
			},
			scrape: []string{"/metrics"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			r := tt.build(reg)
			r.GET("/a", ok)
			for _, p := range tt.scrape {
				serve(r, http.MethodGet, p)                                          // no credentials
				serve(r, http.MethodGet, p, "Authorization", coreAuth("u", "wrong")) // wrong ones
				w := serve(r, http.MethodGet, p, "Authorization", coreAuth("u", "p"))
				require.Equal(t, http.StatusOK, w.Code, p)
			}
			require.Equal(t, http.StatusOK, serve(r, http.MethodGet, "/a").Code)

			key := tt.key
			if key == "" {
				key = `method="GET",path="/a",status="200"`
			}
			assert.Equal(t, map[string]uint64{key: 1}, samples(t, reg, coreDuration))
		})
	}
}

func TestMetricsMiddlewareGuardsEveryRoute(t *testing.T) {
	t.Parallel()
	opts := []ginprom.Option{ginprom.WithMetricsMiddleware(gin.BasicAuth(coreAccounts))}
	tests := []struct {
		name string
		// get sends a GET for the metrics with the headers, and returns
		// the status.
		get func(t *testing.T, header ...string) int
	}{
		{"engine route", func(t *testing.T, header ...string) int {
			a := newApp(t, opts...)
			return serve(a.r, http.MethodGet, "/metrics", header...).Code
		}},
		{"RegisterEndpoint", func(t *testing.T, header ...string) int {
			a := newApp(t, append(opts, ginprom.WithPath(""))...)
			a.m.RegisterEndpoint("/m", a.r.Group("/g"))
			return serve(a.r, http.MethodGet, "/g/m", header...).Code
		}},
		{"StartHTTPServer", func(t *testing.T, header ...string) int {
			a := newApp(t, opts...)
			srv := coreStart(t, a.m)
			code, _ := coreGet(t, "http://"+srv.Addr+"/metrics", header...)
			return code
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, http.StatusUnauthorized, tt.get(t), "no credentials")
			assert.Equal(t, http.StatusUnauthorized, tt.get(t, "Authorization", coreAuth("u", "wrong")), "wrong password")
			assert.Equal(t, http.StatusUnauthorized, tt.get(t, "Authorization", coreAuth("x", "p")), "wrong user")
			assert.Equal(t, http.StatusOK, tt.get(t, "Authorization", coreAuth("u", "p")), "right credentials")
		})
	}
	t.Run("Handler is not guarded", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, opts...)
		r := gin.New()
		r.GET("/raw", a.m.Handler())
		assert.Equal(t, http.StatusOK, serve(r, http.MethodGet, "/raw").Code)
	})
	t.Run("repeated use appends", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, ginprom.WithMetricsMiddleware(func(c *gin.Context) { c.Header("X-Core", "first") }),
			ginprom.WithMetricsMiddleware(gin.BasicAuth(coreAccounts)))
		w := a.do(http.MethodGet, "/metrics")
		assert.Equal(t, http.StatusUnauthorized, w.Code)
		assert.Equal(t, "first", w.Header().Get("X-Core"))
	})
}

func TestExposition(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.r.GET("/a", ok)
	a.do(http.MethodGet, "/a")
	plain := a.do(http.MethodGet, "/metrics")
	require.Equal(t, http.StatusOK, plain.Code)

	t.Run("text by default", func(t *testing.T) {
		assert.True(t, strings.HasPrefix(plain.Header().Get("Content-Type"), "text/plain; version=0.0.4"),
			plain.Header().Get("Content-Type"))
		assert.Empty(t, plain.Header().Get("Content-Encoding"))
		g := coreScrape(plain.Body.String())
		assert.Equal(t, []string{coreInfo, coreDuration, coreTotal}, g.families())
		g.require(t, coreTotalHead+`gin_http_request_total{method="GET",status="200"} 1`+"\n", coreTotal)
	})
	t.Run("OpenMetrics on request", func(t *testing.T) {
		w := a.do(http.MethodGet, "/metrics")
		require.Empty(t, w.Header().Get("Content-Encoding"))
		w = serve(a.r, http.MethodGet, "/metrics", "Accept", "application/openmetrics-text;version=1.0.0")
		require.Equal(t, http.StatusOK, w.Code)
		assert.True(t, strings.HasPrefix(w.Header().Get("Content-Type"), "application/openmetrics-text"),
			w.Header().Get("Content-Type"))
		assert.True(t, strings.HasSuffix(w.Body.String(), "# EOF\n"))
		assert.False(t, strings.HasSuffix(plain.Body.String(), "# EOF\n"))
	})
	t.Run("gzip when accepted", func(t *testing.T) {
		w := serve(a.r, http.MethodGet, "/metrics", "Accept-Encoding", "gzip")
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, "gzip", w.Header().Get("Content-Encoding"))
		zr, err := gzip.NewReader(w.Body)
		require.NoError(t, err)
		assert.Equal(t, plain.Body.String(), body(t, zr))
	})
	t.Run("name[] filters families", func(t *testing.T) {
		w := a.do(http.MethodGet, "/metrics?name[]="+coreTotal)
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, []string{coreTotal}, coreScrape(w.Body.String()).families())

		w = a.do(http.MethodGet, "/metrics?name[]="+coreTotal+"&name[]="+coreInfo)
		assert.Equal(t, []string{coreInfo, coreTotal}, coreScrape(w.Body.String()).families())
	})
}

func TestStartHTTPServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []ginprom.Option
		serves   string
		notFound []string
	}{
		{"default path", nil, "/metrics", []string{"/", "/a", "/custom"}},
		{"custom path", []ginprom.Option{ginprom.WithPath("/custom")}, "/custom", []string{"/", "/a", "/metrics"}},
		{"no path on the engine", []ginprom.Option{ginprom.WithPath("")}, "/metrics", []string{"/", "/a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, tt.opts...)
			a.r.GET("/a", ok)
			a.do(http.MethodGet, "/a")

			srv := coreStart(t, a.m)
			host, port, err := net.SplitHostPort(srv.Addr)
			require.NoError(t, err)
			assert.Equal(t, "127.0.0.1", host)
			assert.NotEqual(t, "0", port, "Addr is the address actually bound")
			assert.Equal(t, ginprom.ServerReadHeaderTimeout, srv.ReadHeaderTimeout)
			assert.Equal(t, ginprom.ServerIdleTimeout, srv.IdleTimeout)
			assert.Positive(t, srv.ReadHeaderTimeout)
			assert.Positive(t, srv.IdleTimeout)

			// Bound before StartHTTPServer returned: the port is taken.
			if ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", srv.Addr); err == nil {
				assert.NoError(t, ln.Close())
				t.Fatalf("%s is not bound", srv.Addr)
			}

			code, text := coreGet(t, "http://"+srv.Addr+tt.serves)
			require.Equal(t, http.StatusOK, code)
			coreScrape(text).require(t,
				coreTotalHead+`gin_http_request_total{method="GET",status="200"} 1`+"\n", coreTotal)
			for _, p := range tt.notFound {
				code, _ := coreGet(t, "http://"+srv.Addr+p)
				assert.Equal(t, http.StatusNotFound, code, p)
			}
		})
	}
}

func TestStartHTTPServerShutdown(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	srv, err := a.m.StartHTTPServer("127.0.0.1:0")
	require.NoError(t, err)
	code, _ := coreGet(t, "http://"+srv.Addr+"/metrics")
	require.Equal(t, http.StatusOK, code)

	require.NoError(t, srv.Shutdown(context.Background()))
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(getRequest(t, "http://"+srv.Addr+"/metrics"))
	if err == nil {
		require.NoError(t, resp.Body.Close())
	}
	assert.Error(t, err, "the server still answers after Shutdown")
}

func TestStartHTTPServerBusyPort(t *testing.T) {
	t.Parallel()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { assert.NoError(t, ln.Close()) }()

	a := newApp(t)
	srv, err := a.m.StartHTTPServer(ln.Addr().String())
	assert.Nil(t, srv)
	require.Error(t, err)
	assert.Contains(t, err.Error(), ln.Addr().String())

	srv, err = a.m.StartHTTPServer("not an address")
	assert.Nil(t, srv)
	assert.Error(t, err)
}

// TestAppRouteWithPathOfAnotherRoutersMetricsRouteIsCounted: a route of the
// application that shares the path of a metrics route registered on
// another engine is not a metrics route, and is counted.
func TestAppRouteWithPathOfAnotherRoutersMetricsRouteIsCounted(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithPath(""))
	admin := gin.New()
	m.RegisterEndpoint("/status", admin)

	app := gin.New()
	m.Instrument(app)
	app.GET("/status", ok)
	require.Equal(t, http.StatusOK, serve(app, http.MethodGet, "/status").Code)
	require.Equal(t, http.StatusOK, serve(admin, http.MethodGet, "/status").Code)
	assert.Equal(t, map[string]uint64{`method="GET",path="/status",status="200"`: 1}, samples(t, reg, coreDuration))
}
