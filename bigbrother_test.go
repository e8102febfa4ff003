package ginprom_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Names and exposition headers of the Big Brother protocol.
const (
	bbDuration = "request_seconds"
	bbBytes    = "response_size_bytes"
	bbInfo     = "application_info"

	bbBytesHead = "# HELP response_size_bytes Bytes of HTTP response bodies sent by Gin (Big Brother protocol).\n" +
		"# TYPE response_size_bytes counter\n"
	bbInfoHead = "# HELP application_info Information about the application; always 1 (Big Brother protocol).\n" +
		"# TYPE application_info gauge\n"
)

// bbSeries is the label key (as seriesKey makes it) of a Big Brother series.
func bbSeries(status, method, addr, isError, msg string) string {
	return fmt.Sprintf("addr=%q,errorMessage=%q,isError=%q,method=%q,status=%q,type=\"http\"", addr, msg, isError, method, status)
}

// bbApp is an app under WithBigBrother("1.2.3") and opts, with routes that
// answer 200, 201 with a JSON body, 400, 500 with an error message, and an
// aborted 409.
func bbApp(t testing.TB, opts ...ginprom.Option) *app {
	t.Helper()
	a := newApp(t, append([]ginprom.Option{ginprom.WithBigBrother("1.2.3")}, opts...)...)
	a.r.GET("/users/:id", ok)
	a.r.POST("/users", func(c *gin.Context) { c.JSON(http.StatusCreated, gin.H{"id": 42}) })
	a.r.GET("/bad", func(c *gin.Context) { c.String(http.StatusBadRequest, "bad request") })
	a.r.GET("/fail", func(c *gin.Context) {
		ginprom.SetErrorMessage(c, "database down")
		c.String(http.StatusInternalServerError, "sorry")
	})
	a.r.GET("/conflict", func(c *gin.Context) { c.AbortWithStatus(http.StatusConflict) })
	return a
}

// TestBigBrotherProtocol: request_seconds and response_size_bytes carry
// exactly the protocol's labels and spellings, unprefixed, and
// application_info{version} is 1.
func TestBigBrotherProtocol(t *testing.T) {
	a := bbApp(t)
	a.do(http.MethodGet, "/users/1")
	a.do(http.MethodGet, "/users/2")
	a.do(http.MethodPost, "/users")
	a.do(http.MethodGet, "/bad")
	a.do(http.MethodGet, "/fail")
	a.do(http.MethodGet, "/conflict")
	a.do(http.MethodGet, "/no/such/page")

	assert.Equal(t, map[string]uint64{
		bbSeries("200", "GET", "/users/:id", "false", ""):        2,
		bbSeries("201", "POST", "/users", "false", ""):           1,
		bbSeries("400", "GET", "/bad", "true", ""):               1,
		bbSeries("500", "GET", "/fail", "true", "database down"): 1,
		bbSeries("409", "GET", "/conflict", "true", ""):          1,
		bbSeries("404", "GET", ginprom.Unmatched, "true", ""):    1,
	}, samples(t, a.reg, bbDuration))

	requireExposition(t, a.reg, bbBytesHead+
		`response_size_bytes{addr="/users/:id",errorMessage="",isError="false",method="GET",status="200",type="http"} 4
response_size_bytes{addr="/users",errorMessage="",isError="false",method="POST",status="201",type="http"} 9
response_size_bytes{addr="/bad",errorMessage="",isError="true",method="GET",status="400",type="http"} 11
response_size_bytes{addr="/fail",errorMessage="database down",isError="true",method="GET",status="500",type="http"} 5
response_size_bytes{addr="/conflict",errorMessage="",isError="true",method="GET",status="409",type="http"} 0
response_size_bytes{addr="<unmatched>",errorMessage="",isError="true",method="GET",status="404",type="http"} 18
`+bbInfoHead+`application_info{version="1.2.3"} 1
`, bbBytes, bbInfo)

	// The protocol alone: no request counters, no gin_exporter_info.
	assert.Equal(t, []string{bbInfo, bbDuration, bbBytes}, families(t, a.reg))
}

// TestBigBrotherBuckets: request_seconds has the buckets 0.1 0.3 1.5 10.5,
// unless WithBuckets follows; a WithBuckets before the schema is overridden.
func TestBigBrotherBuckets(t *testing.T) {
	cases := []struct {
		name string
		opts []ginprom.Option
		want []float64
	}{
		{"protocol", nil, []float64{0.1, 0.3, 1.5, 10.5}},
		{"WithBuckets after", []ginprom.Option{ginprom.WithBigBrother("1"), ginprom.WithBuckets(1, 2)}, []float64{1, 2}},
		{"WithBuckets before", []ginprom.Option{ginprom.WithBuckets(1, 2), ginprom.WithBigBrother("1")}, []float64{0.1, 0.3, 1.5, 10.5}},
		{"WithLatencySummary before", []ginprom.Option{ginprom.WithLatencySummary(), ginprom.WithBigBrother("1")}, []float64{0.1, 0.3, 1.5, 10.5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			if opts == nil {
				opts = []ginprom.Option{ginprom.WithBigBrother("1")}
			}
			a := newApp(t, opts...)
			a.r.GET("/users/:id", ok)
			a.do(http.MethodGet, "/users/1")
			var bounds []float64
			for b := range buckets(t, a.reg, bbDuration, bbSeries("200", "GET", "/users/:id", "false", "")) {
				bounds = append(bounds, b)
			}
			assert.ElementsMatch(t, tc.want, bounds)
		})
	}
}

// TestBigBrotherErrorStatus: isError is "true" from status 400 by default,
// and follows WithErrorStatus, in either order of the options.
func TestBigBrotherErrorStatus(t *testing.T) {
	statuses := []int{200, 399, 400, 404, 499, 500, 503}
	only5xx := func(status int) bool { return status >= 500 }
	cases := []struct {
		name string
		opts []ginprom.Option
		want map[int]string
	}{
		{
			"default 400 and up",
			[]ginprom.Option{ginprom.WithBigBrother("1")},
			map[int]string{200: "false", 399: "false", 400: "true", 404: "true", 499: "true", 500: "true", 503: "true"},
		},
		{
			"WithErrorStatus after",
			[]ginprom.Option{ginprom.WithBigBrother("1"), ginprom.WithErrorStatus(only5xx)},
			map[int]string{200: "false", 399: "false", 400: "false", 404: "false", 499: "false", 500: "true", 503: "true"},
		},
		{
			"WithErrorStatus before",
			[]ginprom.Option{ginprom.WithErrorStatus(only5xx), ginprom.WithBigBrother("1")},
			map[int]string{200: "false", 399: "false", 400: "false", 404: "false", 499: "false", 500: "true", 503: "true"},
		},
		{
			"nil keeps the default",
			[]ginprom.Option{ginprom.WithBigBrother("1"), ginprom.WithErrorStatus(nil)},
			map[int]string{200: "false", 399: "false", 400: "true", 404: "true", 499: "true", 500: "true", 503: "true"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, tc.opts...)
			a.r.GET("/status/:code", func(c *gin.Context) {
				code, err := strconv.Atoi(c.Param("code"))
				if err != nil {
					code = http.StatusBadRequest
				}
				c.Status(code)
			})
			want := map[string]uint64{}
			for _, s := range statuses {
				a.do(http.MethodGet, fmt.Sprintf("/status/%d", s))
				want[bbSeries(strconv.Itoa(s), "GET", "/status/:code", tc.want[s], "")] = 1
			}
			assert.Equal(t, want, samples(t, a.reg, bbDuration))
		})
	}
}

// TestBigBrotherAddr: addr is the group-by value, the route template by
// default; a WithGroupBy after the schema refines it, one before it is
// overridden.
func TestBigBrotherAddr(t *testing.T) {
	byHandler := ginprom.WithGroupBy(ginprom.GroupByHandler)
	cases := []struct {
		name string
		opts []ginprom.Option
		want string
	}{
		{"route template", []ginprom.Option{ginprom.WithBigBrother("1")}, "/users/:id"},
		{"group-by after", []ginprom.Option{ginprom.WithBigBrother("1"), byHandler}, "github.com/gin-contrib/ginprom_test.ok"},
		{"group-by before", []ginprom.Option{byHandler, ginprom.WithBigBrother("1")}, "/users/:id"},
		{"path after", []ginprom.Option{ginprom.WithBigBrother("1"), ginprom.WithGroupBy(ginprom.GroupByPath)}, "/users/42"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, tc.opts...)
			a.r.GET("/users/:id", ok)
			a.do(http.MethodGet, "/users/42")
			a.do(http.MethodGet, "/nowhere")
			assert.Equal(t, map[string]uint64{
				bbSeries("200", "GET", tc.want, "false", ""):          1,
				bbSeries("404", "GET", ginprom.Unmatched, "true", ""): 1,
			}, samples(t, a.reg, bbDuration))
		})
	}
}

// TestSetErrorMessage: the message a handler sets is the request's
// errorMessage; a later call replaces it and "" clears it; it is cut to 256
// bytes at a character boundary and repaired to UTF-8.
func TestSetErrorMessage(t *testing.T) {
	long := strings.Repeat("x", 255) + "é" + "tail" // é straddles byte 256
	cases := []struct {
		name string
		set  []string
		want string
	}{
		{"none", nil, ""},
		{"one", []string{"timeout"}, "timeout"},
		{"later replaces", []string{"first", "second"}, "second"},
		{"empty clears", []string{"first", ""}, ""},
		{"cut at 256 bytes", []string{long}, strings.Repeat("x", 255)},
		{"invalid UTF-8", []string{"bad\xffbyte"}, "bad\uFFFDbyte"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, ginprom.WithBigBrother("1"))
			a.r.GET("/fail", func(c *gin.Context) {
				for _, m := range tc.set {
					ginprom.SetErrorMessage(c, m)
				}
				c.Status(http.StatusInternalServerError)
			})
			a.do(http.MethodGet, "/fail")
			got := samples(t, a.reg, bbDuration)
			assert.Equal(t, map[string]uint64{bbSeries("500", "GET", "/fail", "true", tc.want): 1}, got)
			for k := range got {
				assert.LessOrEqual(t, len(k), len(bbSeries("500", "GET", "/fail", "true", ""))+ginprom.MaxErrorMessageBytes)
			}
		})
	}
}

// TestSetErrorMessageBounded: past 100 distinct messages, new ones fold into
// Overflow, and messages seen before keep their value.
func TestSetErrorMessageBounded(t *testing.T) {
	a := newApp(t, ginprom.WithBigBrother("1"))
	a.r.GET("/fail/:n", func(c *gin.Context) {
		ginprom.SetErrorMessage(c, "error "+c.Param("n"))
		c.Status(http.StatusInternalServerError)
	})
	for i := 0; i < 250; i++ {
		a.do(http.MethodGet, fmt.Sprintf("/fail/%d", i))
	}
	a.do(http.MethodGet, "/fail/7") // seen before the bound: keeps its value

	got := samples(t, a.reg, bbDuration)
	assert.Len(t, got, ginprom.MaxErrorMessages+1)
	assert.Equal(t, uint64(150), got[bbSeries("500", "GET", "/fail/:n", "true", ginprom.Overflow)])
	assert.Equal(t, uint64(2), got[bbSeries("500", "GET", "/fail/:n", "true", "error 7")])
	assert.Equal(t, uint64(1), got[bbSeries("500", "GET", "/fail/:n", "true", "error 99")])
	assert.Zero(t, got[bbSeries("500", "GET", "/fail/:n", "true", "error 100")])
}

// TestSetErrorMessageElsewhere: SetErrorMessage does nothing, and does not
// panic, without a Big Brother middleware or with a nil context; with two
// Big Brother instances on one request, both record the message.
func TestSetErrorMessageElsewhere(t *testing.T) {
	assert.NotPanics(t, func() { ginprom.SetErrorMessage(nil, "x") })

	a := newApp(t)
	a.r.GET("/fail", func(c *gin.Context) {
		ginprom.SetErrorMessage(c, "ignored")
		c.Status(http.StatusInternalServerError)
	})
	assert.Equal(t, http.StatusInternalServerError, a.do(http.MethodGet, "/fail").Code)
	assert.Equal(t, map[string]uint64{`method="GET",path="/fail",status="500"`: 1}, samples(t, a.reg, coreDuration))

	r := gin.New()
	reg1, reg2 := prometheus.NewRegistry(), prometheus.NewRegistry()
	ginprom.New(r, ginprom.WithRegistry(reg1), ginprom.WithBigBrother("1"))
	m2 := ginprom.New(nil, ginprom.WithRegistry(reg2), ginprom.WithBigBrother("1"))
	r.GET("/fail", m2.Middleware(), func(c *gin.Context) {
		ginprom.SetErrorMessage(c, "both")
		c.Status(http.StatusInternalServerError)
	})
	serve(r, http.MethodGet, "/fail")
	for _, reg := range []*prometheus.Registry{reg1, reg2} {
		assert.Equal(t, map[string]uint64{bbSeries("500", "GET", "/fail", "true", "both"): 1}, samples(t, reg, bbDuration))
	}
}

// TestBigBrotherWriterRestored: the writer SetErrorMessage reaches is
// ginprom's own only while the request passes the middleware; the handler
// writes through it unchanged, and middleware before ginprom sees Gin's
// writer again afterwards.
func TestBigBrotherWriterRestored(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := gin.New()
	var before, after gin.ResponseWriter
	r.Use(func(c *gin.Context) {
		before = c.Writer
		c.Next()
		after = c.Writer
	})
	ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithBigBrother("1"))
	r.GET("/", func(c *gin.Context) {
		c.Header("X-Seen", "yes")
		c.String(http.StatusAccepted, "body")
	})
	w := serve(r, http.MethodGet, "/")
	assert.Equal(t, http.StatusAccepted, w.Code)
	assert.Equal(t, "body", w.Body.String())
	assert.Equal(t, "yes", w.Header().Get("X-Seen"))
	assert.Same(t, before, after)
}

// TestBigBrotherPanicRecorded: a panicking handler is recorded as a 500
// error, its message kept, and the writer is put back for gin.Recovery.
func TestBigBrotherPanicRecorded(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := gin.New()
	r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.String(http.StatusInternalServerError, "recovered") }))
	ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithBigBrother("1"))
	r.GET("/panic", func(c *gin.Context) {
		ginprom.SetErrorMessage(c, "boom")
		panic("boom")
	})
	w := serve(r, http.MethodGet, "/panic")
	assert.Equal(t, "recovered", w.Body.String())
	assert.Equal(t, map[string]uint64{bbSeries("500", "GET", "/panic", "true", "boom"): 1}, samples(t, reg, bbDuration))
	assert.NotContains(t, families(t, reg), coreExceptions) // not in the protocol
}

// TestBigBrotherDefaultLabels: WithDefaultLabels adds labels to the
// protocol's metrics, in either order, and may not reuse its names.
func TestBigBrotherDefaultLabels(t *testing.T) {
	for _, order := range []string{"before", "after"} {
		t.Run(order, func(t *testing.T) {
			opts := []ginprom.Option{ginprom.WithBigBrother("1"), ginprom.WithDefaultLabels(ginprom.Labels{"env": "prod"})}
			if order == "before" {
				opts[0], opts[1] = opts[1], opts[0]
			}
			a := newApp(t, opts...)
			a.r.GET("/", ok)
			a.do(http.MethodGet, "/")
			assert.Equal(t, map[string]uint64{`addr="/",env="prod",errorMessage="",isError="false",method="GET",status="200",type="http"`: 1},
				samples(t, a.reg, bbDuration))
		})
	}
	for _, name := range []string{"addr", "isError", "errorMessage", "type"} {
		coreRequireSetupPanic(t, name, func() {
			newApp(t, ginprom.WithBigBrother("1"), ginprom.WithDefaultLabels(ginprom.Labels{name: "x"}))
		})
	}
}

// TestBigBrotherReuse: building the same app twice on one registry reuses
// the protocol's collectors; WithoutDefaults leaves application_info alone.
func TestBigBrotherReuse(t *testing.T) {
	reg := prometheus.NewRegistry()
	for i := 0; i < 2; i++ {
		r := gin.New()
		ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithBigBrother("1.2.3"))
		r.GET("/", ok)
		serve(r, http.MethodGet, "/")
	}
	assert.Equal(t, map[string]uint64{bbSeries("200", "GET", "/", "false", ""): 2}, samples(t, reg, bbDuration))

	a := newApp(t, ginprom.WithBigBrother("9"), ginprom.WithoutDefaults())
	assert.Equal(t, []string{bbInfo}, families(t, a.reg))
}

// TestBigBrotherLint: what testutil's linter finds is only what the
// protocol itself spells against Prometheus's conventions: the camelCase
// label names and the counter name without _total.
func TestBigBrotherLint(t *testing.T) {
	a := bbApp(t)
	a.do(http.MethodGet, "/users/1")
	problems, err := testutil.GatherAndLint(a.reg)
	require.NoError(t, err)
	require.NotEmpty(t, problems)
	for _, p := range problems {
		switch {
		case p.Metric == bbBytes && strings.Contains(p.Text, `"_total" suffix`):
		case (p.Metric == bbBytes || p.Metric == bbDuration) && strings.Contains(p.Text, "camelCase"):
		default:
			t.Errorf("unexpected lint problem %v", p)
		}
	}
}

// TestBigBrotherHandleContext: a request a handler passes on with
// engine.HandleContext is recorded once per dispatch; the inner dispatch's
// message is its own, and the writers are put back in order.
func TestBigBrotherHandleContext(t *testing.T) {
	a := newApp(t, ginprom.WithBigBrother("1"))
	a.r.GET("/old", func(c *gin.Context) {
		c.Request.URL.Path = "/new"
		a.r.HandleContext(c)
	})
	a.r.GET("/new", func(c *gin.Context) {
		ginprom.SetErrorMessage(c, "moved")
		c.String(http.StatusInternalServerError, "new")
	})
	w := a.do(http.MethodGet, "/old")
	assert.Equal(t, "new", w.Body.String())
	assert.Equal(t, map[string]uint64{
		bbSeries("500", "GET", "/new", "true", "moved"): 1,
		bbSeries("500", "GET", "/old", "true", ""):      1,
	}, samples(t, a.reg, bbDuration))
	a.do(http.MethodGet, "/old") // the pooled writers are reusable
	assert.Equal(t, uint64(2), samples(t, a.reg, bbDuration)[bbSeries("500", "GET", "/new", "true", "moved")])
}

// TestSetErrorMessageConcurrent: requests on many goroutines, each with its
// message, are each recorded under their own message, exactly; the pooled
// writers never carry one request's message into another's.
func TestSetErrorMessageConcurrent(t *testing.T) {
	a := newApp(t, ginprom.WithBigBrother("1"))
	a.r.GET("/fail/:n", func(c *gin.Context) {
		ginprom.SetErrorMessage(c, "kind "+c.Param("n"))
		c.Status(http.StatusInternalServerError)
	})
	a.r.GET("/ok", ok)
	const goroutines, each = 8, 150
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if i%3 == 0 {
					a.do(http.MethodGet, "/ok")
				} else {
					a.do(http.MethodGet, fmt.Sprintf("/fail/%d", (g+i)%4))
				}
			}
		}()
	}
	wg.Wait()
	want := map[string]uint64{bbSeries("200", "GET", "/ok", "false", ""): goroutines * each / 3}
	for g := range goroutines {
		for i := range each {
			if i%3 != 0 {
				want[bbSeries("500", "GET", "/fail/:n", "true", fmt.Sprintf("kind %d", (g+i)%4))]++
			}
		}
	}
	assert.Equal(t, want, samples(t, a.reg, bbDuration))
}

// TestSchemaSharedRegistry: two apps on one registry share the schema's
// collector, and its error messages, when their options agree; another
// error rule on the same names panics at setup.
func TestSchemaSharedRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	apps := make([]*gin.Engine, 2)
	for i := range apps {
		apps[i] = gin.New()
		ginprom.New(apps[i], ginprom.WithRegistry(reg), ginprom.WithBigBrother("1"))
		apps[i].GET("/fail", func(c *gin.Context) {
			ginprom.SetErrorMessage(c, "kind "+strconv.Itoa(i))
			c.Status(http.StatusInternalServerError)
		})
	}
	serve(apps[0], http.MethodGet, "/fail")
	serve(apps[1], http.MethodGet, "/fail")
	serve(apps[1], http.MethodGet, "/fail")
	assert.Equal(t, map[string]uint64{
		bbSeries("500", "GET", "/fail", "true", "kind 0"): 1,
		bbSeries("500", "GET", "/fail", "true", "kind 1"): 2,
	}, samples(t, reg, bbDuration))

	coreRequireSetupPanic(t, "differ in WithErrorStatus", func() {
		ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithBigBrother("1"),
			ginprom.WithErrorStatus(func(s int) bool { return s >= 500 }))
	})
}

// TestBigBrotherTotalsByGroup: WithTotalsByGroup changes nothing under
// the protocol, which has no request counters.
func TestBigBrotherTotalsByGroup(t *testing.T) {
	a := newApp(t, ginprom.WithBigBrother("1"), ginprom.WithTotalsByGroup())
	a.r.GET("/users/:id", ok)
	a.do(http.MethodGet, "/users/1")
	assert.NotContains(t, families(t, a.reg), coreTotal)
	assert.Equal(t, map[string]uint64{bbSeries("200", "GET", "/users/:id", "false", ""): 1}, samples(t, a.reg, bbDuration))
}

// TestBigBrotherDisabled: switched off, a Big Brother instance registers
// nothing, not even application_info, and SetErrorMessage is harmless;
// its options are still checked.
func TestBigBrotherDisabled(t *testing.T) {
	a := newApp(t, ginprom.WithBigBrother("1"), ginprom.WithEnabled(false))
	a.r.GET("/fail", func(c *gin.Context) {
		ginprom.SetErrorMessage(c, "x")
		c.Status(http.StatusInternalServerError)
	})
	assert.Equal(t, http.StatusInternalServerError, a.do(http.MethodGet, "/fail").Code)
	assert.Empty(t, families(t, a.reg))
	coreRequireSetupPanic(t, "WithDefaultsPrefix", func() {
		newApp(t, ginprom.WithBigBrother("1"), ginprom.WithDefaultsPrefix("x"), ginprom.WithEnabled(false))
	})
}
