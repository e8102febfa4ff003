package ginprom_test

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
