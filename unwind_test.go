package ginprom_test

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const exceptionsName = "gin_http_request_exceptions_total"

// Gap 7: a handler that writes an informational 103 Early Hints, then its
// answer, is recorded with the final status the client got, 200.
func TestInformationalStatusRecordsFinal(t *testing.T) {
	a := newApp(t)
	a.r.GET("/hints", func(c *gin.Context) {
		c.Header("Link", "</style.css>; rel=preload")
		c.Status(http.StatusEarlyHints)
		c.Writer.WriteHeaderNow()
		c.String(http.StatusOK, "body")
	})
	a.r.GET("/only-hints", func(c *gin.Context) { c.Status(http.StatusEarlyHints) })
	srv := httptest.NewServer(a.r)
	defer srv.Close()
	for _, p := range []string{"/hints", "/only-hints"} {
		resp, err := http.DefaultClient.Do(getRequest(t, srv.URL+p))
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: the final status the client got", p)
	}
	assert.Equal(t, map[string]uint64{
		`method="GET",path="/hints",status="200"`:      1,
		`method="GET",path="/only-hints",status="200"`: 1,
	}, samples(t, a.reg, coreDuration))
}

// Gap 8: a decorator's label function that panics after the handler
// answered is not the handler's exception: the default metrics record the
// status the handler wrote, and no exception; the panic still reaches
// Recovery.
func TestDecoratorLabelPanicIsNotAnException(t *testing.T) {
	a := newRecoveringApp(t)
	a.r.GET("/x", a.m.Counter("x", "X.", ginprom.Labels{"bad": func(*gin.Context) string { panic("label bug") }}), func(c *gin.Context) {
		c.String(http.StatusCreated, "made")
	})
	w := a.do(http.MethodGet, "/x")
	assert.Equal(t, http.StatusCreated, w.Code)
	assert.Equal(t, map[string]uint64{`method="GET",path="/x",status="201"`: 1}, samples(t, a.reg, coreDuration))
	assert.NotContains(t, families(t, a.reg), exceptionsName)
	requireExposition(t, a.reg, `
# HELP x_total X.
# TYPE x_total counter
x_total{bad="<panic>"} 1
`, "x_total")
}

// goexitServe serves one request on a goroutine of its own, as net/http
// does, and waits for it to end, by return or by runtime.Goexit.
func goexitServe(t testing.TB, h http.Handler, target string) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), http.MethodGet, target, nil))
	}()
	<-done
}

// Gap 9: runtime.Goexit in a label function still leaves the request
// recorded, with PanicValue for the label functions' values.
func TestGoexitInLabelFunctionStillRecords(t *testing.T) {
	exit := func(*gin.Context) string {
		runtime.Goexit()
		return "never"
	}
	cases := []struct {
		name string
		opts []ginprom.Option
		key  string
	}{
		{
			"group by func",
			[]ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByFunc("endpoint", exit))},
			`endpoint="<panic>",method="GET",status="200"`,
		},
		{
			"default label",
			[]ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"tenant": exit, "env": "prod"})},
			`env="prod",method="GET",path="/",status="200",tenant="<panic>"`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, tc.opts...)
			a.r.GET("/", ok)
			goexitServe(t, a.r, "/")
			goexitServe(t, a.r, "/")
			assert.Equal(t, map[string]uint64{tc.key: 2}, samples(t, a.reg, coreDuration))
			assert.NotContains(t, families(t, a.reg), exceptionsName)
		})
	}
}

// runtime.Goexit in the exemplar function, after the request was recorded,
// records it once, whichever way the middleware resolved its series.
func TestGoexitInExemplarFunctionCountsOnce(t *testing.T) {
	exit := func(*gin.Context) prometheus.Labels {
		runtime.Goexit()
		return nil
	}
	tenant := func(c *gin.Context) string { return "t1" }
	cases := []struct {
		name string
		opts []ginprom.Option
		key  string
	}{
		{"route", nil, `method="GET",path="/",status="200"`},
		{"default label", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"tenant": tenant})}, `method="GET",path="/",status="200",tenant="t1"`},
		{"group by func", []ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", tenant))}, `method="GET",status="200",tenant="t1"`},
		{"group by path", []ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByPath)}, `method="GET",path="/",status="200"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, append(tc.opts, ginprom.WithExemplars(exit), ginprom.WithInFlight())...)
			a.r.GET("/", ok)
			goexitServe(t, a.r, "/")
			goexitServe(t, a.r, "/")
			assert.Equal(t, map[string]uint64{tc.key: 2}, samples(t, a.reg, coreDuration))
			assert.Equal(t, map[string]float64{`method="GET"`: 0}, inflight(t, a.reg))
		})
	}
}
