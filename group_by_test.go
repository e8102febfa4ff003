package ginprom_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// coreTenant is a group-by function reading the query parameter t.
func coreTenant(c *gin.Context) string { return c.Query("t") }

// coreHandler is a named handler, so that its name is known.
func coreHandler(c *gin.Context) { c.String(http.StatusOK, "handled") }

func TestGroupBy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		g    ginprom.GroupBy
		want map[string]uint64
	}{
		{"route is the default", ginprom.GroupBy{}, map[string]uint64{
			`method="GET",path="/users/:id",status="200"`:   3,
			`method="GET",path="/files/*name",status="200"`: 1,
			`method="GET",path="/other",status="200"`:       1,
			`method="GET",path="<unmatched>",status="404"`:  1,
		}},
		{"route", ginprom.GroupByRoute, map[string]uint64{
			`method="GET",path="/users/:id",status="200"`:   3,
			`method="GET",path="/files/*name",status="200"`: 1,
			`method="GET",path="/other",status="200"`:       1,
			`method="GET",path="<unmatched>",status="404"`:  1,
		}},
		{"path", ginprom.GroupByPath, map[string]uint64{
			`method="GET",path="/users/1",status="200"`:    2,
			`method="GET",path="/users/2",status="200"`:    1,
			`method="GET",path="/files/a/b",status="200"`:  1,
			`method="GET",path="/other",status="200"`:      1,
			`method="GET",path="<unmatched>",status="404"`: 1,
		}},
		{"handler", ginprom.GroupByHandler, map[string]uint64{
			`handler="github.com/gin-contrib/ginprom_test.ok",method="GET",status="200"`:          4,
			`handler="github.com/gin-contrib/ginprom_test.coreHandler",method="GET",status="200"`: 1,
			`handler="<unmatched>",method="GET",status="404"`:                                     1,
		}},
		{"func", ginprom.GroupByFunc("tenant", coreTenant), map[string]uint64{
			`method="GET",status="200",tenant="acme"`:        3,
			`method="GET",status="200",tenant=""`:            2,
			`method="GET",status="404",tenant="<unmatched>"`: 1,
		}},
		{"func named path", ginprom.GroupByFunc("path", coreTenant), map[string]uint64{
			`method="GET",path="acme",status="200"`:        3,
			`method="GET",path="",status="200"`:            2,
			`method="GET",path="<unmatched>",status="404"`: 1,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, ginprom.WithGroupBy(tt.g))
			a.r.GET("/users/:id", ok)
			a.r.GET("/files/*name", ok)
			// The handler is the route's last one, not a middleware.
			a.r.GET("/other", func(c *gin.Context) { c.Next() }, coreHandler)
			for _, p := range []string{"/users/1?t=acme", "/users/1?t=acme", "/users/2", "/files/a/b?t=acme", "/other", "/nowhere?t=acme"} {
				a.do(http.MethodGet, p)
			}
			assert.Equal(t, tt.want, samples(t, a.reg, coreDuration))
			// The counters know nothing of the group-by.
			requireExposition(t, a.reg, coreTotalHead+`
gin_http_request_total{method="GET",status="200"} 5
gin_http_request_total{method="GET",status="404"} 1
`, coreTotal)
		})
	}
}

func TestGroupByLastWins(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithGroupBy(ginprom.GroupByHandler), ginprom.WithGroupBy(ginprom.GroupByPath), ginprom.WithGroupBy(ginprom.GroupBy{}))
	a.r.GET("/users/:id", ok)
	a.do(http.MethodGet, "/users/7")
	assert.Equal(t, map[string]uint64{`method="GET",path="/users/7",status="200"`: 1}, samples(t, a.reg, coreDuration))
}

func TestUnmatchedRequests(t *testing.T) {
	t.Parallel()
	groupBys := []struct {
		name  string
		g     ginprom.GroupBy
		label string
	}{
		{"route", ginprom.GroupByRoute, "path"},
		{"path", ginprom.GroupByPath, "path"},
		{"handler", ginprom.GroupByHandler, "handler"},
		{"func", ginprom.GroupByFunc("tenant", coreTenant), "tenant"},
	}
	kinds := []struct {
		name   string
		setup  func(r *gin.Engine)
		method string
		code   int
	}{
		{"404", func(*gin.Engine) {}, http.MethodGet, http.StatusNotFound},
		{"405", func(r *gin.Engine) { r.HandleMethodNotAllowed = true }, http.MethodGet, http.StatusMethodNotAllowed},
		{"NoRoute", func(r *gin.Engine) {
			r.NoRoute(func(c *gin.Context) { c.String(http.StatusTeapot, "custom") })
		}, http.MethodGet, http.StatusTeapot},
		{"NoRoute answering 200", func(r *gin.Engine) { r.NoRoute(ok) }, http.MethodGet, http.StatusOK},
		{"NoMethod", func(r *gin.Engine) {
			r.HandleMethodNotAllowed = true
			r.NoMethod(func(c *gin.Context) { c.String(http.StatusMethodNotAllowed, "no") })
		}, http.MethodGet, http.StatusMethodNotAllowed},
		{"unknown method", func(*gin.Engine) {}, "BREW", http.StatusNotFound},
	}
	for _, gb := range groupBys {
		for _, k := range kinds {
			t.Run(gb.name+"/"+k.name, func(t *testing.T) {
				t.Parallel()
				a := newApp(t, ginprom.WithGroupBy(gb.g))
				a.r.POST("/only-post/:id", ok)
				k.setup(a.r)
				method := "GET"
				if k.method != http.MethodGet {
					method = "OTHER"
				}
				for i := 0; i < 20; i++ {
					w := a.do(k.method, fmt.Sprintf("/only-post/%d?t=x%d", i, i))
					require.Equal(t, k.code, w.Code)
				}
				assert.Equal(t, map[string]uint64{
					coreKey(gb.label+`="<unmatched>"`, `method="`+method+`"`, fmt.Sprintf(`status="%d"`, k.code)): 20,
				}, samples(t, a.reg, coreDuration))
			})
		}
	}
}

// coreKey joins name="value" pairs into a samples key, sorted by name.
func coreKey(pairs ...string) string {
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}

func TestManyRandomURLsMakeOneSeries(t *testing.T) {
	t.Parallel()
	for _, g := range []struct {
		name string
		g    ginprom.GroupBy
	}{
		{"route", ginprom.GroupByRoute},
		{"path", ginprom.GroupByPath},
		{"handler", ginprom.GroupByHandler},
		{"func", ginprom.GroupByFunc("tenant", coreTenant)},
	} {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, ginprom.WithGroupBy(g.g))
			a.r.GET("/known", ok)
			for i := 0; i < 1000; i++ {
				a.do(http.MethodGet, fmt.Sprintf("/scan/%d/x%d?t=%d", i, i*7, i))
			}
			s := samples(t, a.reg, coreDuration)
			require.Len(t, s, 1)
			for k, v := range s {
				assert.Contains(t, k, `="<unmatched>"`)
				assert.Equal(t, uint64(1000), v)
			}
		})
	}
}

func TestGroupByFuncNotCalledForUnmatched(t *testing.T) {
	t.Parallel()
	var calls []string
	a := newApp(t, ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", func(c *gin.Context) string {
		calls = append(calls, c.Request.URL.Path)
		return "t"
	})))
	a.r.GET("/a", ok)
	a.do(http.MethodGet, "/a")
	a.do(http.MethodGet, "/nowhere")
	a.do(http.MethodGet, "/a")
	assert.Equal(t, []string{"/a", "/a"}, calls)
}

func TestGroupByFuncRunsAfterTheChain(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithGroupBy(ginprom.GroupByFunc("outcome", func(c *gin.Context) string {
		return fmt.Sprintf("%s-%d", c.GetString("outcome"), c.Writer.Status())
	})))
	a.r.GET("/a", func(c *gin.Context) {
		c.Set("outcome", "made")
		c.Status(http.StatusAccepted)
	})
	a.do(http.MethodGet, "/a")
	assert.Equal(t, map[string]uint64{`method="GET",outcome="made-202",status="202"`: 1}, samples(t, a.reg, coreDuration))
}

func TestGroupByFuncPanicsOnBadArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		label   string
		fn      func(*gin.Context) string
		culprit string
	}{
		{"leading digit", "1x", coreTenant, `"1x"`},
		{"dash", "a-b", coreTenant, `"a-b"`},
		{"reserved prefix", "__x", coreTenant, `"__x"`},
		{"empty", "", coreTenant, `""`},
		{"method", "method", coreTenant, `"method"`},
		{"status", "status", coreTenant, `"status"`},
		{"histogram bucket label", "le", coreTenant, `"le"`},
		{"summary quantile label", "quantile", coreTenant, `"quantile"`},
		{"nil func", "tenant", nil, "nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			coreRequireSetupPanic(t, tt.culprit, func() { ginprom.GroupByFunc(tt.label, tt.fn) })
		})
	}
}

func TestLimitValues(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", ginprom.LimitValues(2, coreTenant))))
	a.r.GET("/a", ok)
	for _, v := range []string{"a", "b", "c", "a", "d", "b", "c"} {
		a.do(http.MethodGet, "/a?t="+v)
	}
	assert.Equal(t, map[string]uint64{
		`method="GET",status="200",tenant="a"`:          2,
		`method="GET",status="200",tenant="b"`:          2,
		`method="GET",status="200",tenant="<overflow>"`: 3,
	}, samples(t, a.reg, coreDuration))
	assert.Equal(t, "<overflow>", ginprom.Overflow)
}

func TestLimitValuesPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		max     int
		fn      func(*gin.Context) string
		culprit string
	}{
		{"zero", 0, coreTenant, "LimitValues(0"},
		{"negative", -3, coreTenant, "LimitValues(-3"},
		{"nil func", 5, nil, "nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			coreRequireSetupPanic(t, tt.culprit, func() { ginprom.LimitValues(tt.max, tt.fn) })
		})
	}
}

func TestGroupByRepairsUTF8(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		g      ginprom.GroupBy
		route  string
		target string
		want   string
	}{
		{"path", ginprom.GroupByPath, "/files/*name", "/files/%ff", "method=\"GET\",path=\"/files/\uFFFD\",status=\"200\""},
		{"path, several bad bytes", ginprom.GroupByPath, "/files/*name", "/files/a%ff%feb", "method=\"GET\",path=\"/files/a\uFFFDb\",status=\"200\""},
		{"route", ginprom.GroupByRoute, "/caf\xff", "/caf%ff", "method=\"GET\",path=\"/caf\uFFFD\",status=\"200\""},
		{
			"func", ginprom.GroupByFunc("raw", func(*gin.Context) string { return "x\xff" }), "/a", "/a",
			"method=\"GET\",raw=\"x\uFFFD\",status=\"200\"",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, ginprom.WithGroupBy(tt.g))
			a.r.GET(tt.route, ok)
			require.Equal(t, http.StatusOK, a.do(http.MethodGet, tt.target).Code)
			// samples gathers, which fails on invalid UTF-8.
			assert.Equal(t, map[string]uint64{tt.want: 1}, samples(t, a.reg, coreDuration))
			requireLint(t, a.reg)
		})
	}
}

func TestGroupByFuncPanicIsRecordedAndRaisedAgain(t *testing.T) {
	t.Parallel()
	boom := corePanicValue{"label"}
	a := newApp(t, ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", func(c *gin.Context) string {
		if c.Query("t") == "bad" {
			panic(boom)
		}
		return c.Query("t")
	})))
	a.r.GET("/a", ok)

	assert.PanicsWithValue(t, boom, func() { a.do(http.MethodGet, "/a?t=bad") })
	a.do(http.MethodGet, "/a?t=good")
	assert.Equal(t, map[string]uint64{
		`method="GET",status="200",tenant="<panic>"`: 1,
		`method="GET",status="200",tenant="good"`:    1,
	}, samples(t, a.reg, coreDuration))
	assert.Equal(t, "<panic>", ginprom.PanicValue)
}

// TestGroupByHandlerWithOneMiddlewareOnTwoEngines: one middleware placed
// on two engines labels each engine's route with its own handler, although
// the routes share a template.
func TestGroupByHandlerWithOneMiddlewareOnTwoEngines(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithGroupBy(ginprom.GroupByHandler))
	mw := m.Middleware()
	r1, r2 := gin.New(), gin.New()
	r1.Use(mw)
	r2.Use(mw)
	r1.GET("/x", ok)
	r2.GET("/x", coreHandler)
	serve(r1, http.MethodGet, "/x")
	serve(r2, http.MethodGet, "/x")
	assert.Equal(t, map[string]uint64{
		`handler="github.com/gin-contrib/ginprom_test.ok",method="GET",status="200"`:          1,
		`handler="github.com/gin-contrib/ginprom_test.coreHandler",method="GET",status="200"`: 1,
	}, samples(t, reg, coreDuration))
}
