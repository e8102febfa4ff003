package ginprom_test

import (
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The user functions the middleware calls after the chain (the exemplar
// function, the GroupByFunc function) panicking: the request is recorded
// once, and the panic is raised again, not counted as the handler's.

// panickyExemplar returns an exemplar function that panics with boom when
// the request has the header X-Bad, and otherwise gives the exemplar
// trace_id=X-Trace.
func panickyExemplar(boom any) func(*gin.Context) prometheus.Labels {
	return func(c *gin.Context) prometheus.Labels {
		if c.GetHeader("X-Bad") != "" {
			panic(boom)
		}
		return prometheus.Labels{"trace_id": c.GetHeader("X-Trace")}
	}
}

// TestExemplarPanicIsRecordedOnceAndRaisedAgain: an exemplar function that
// panics leaves the request recorded, with its sizes and the in-flight
// gauge back to 0, and its exemplar dropped; the panic reaches the caller,
// and is no exception; whichever way the middleware resolved the series.
func TestExemplarPanicIsRecordedOnceAndRaisedAgain(t *testing.T) {
	tenant := func(*gin.Context) string { return "t1" }
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
			boom := corePanicValue{"exemplar"}
			a := newApp(t, append(tc.opts, ginprom.WithExemplars(panickyExemplar(boom)), ginprom.WithBuckets(1e-12, 3600),
				ginprom.WithInFlight(), ginprom.WithRequestSize(), ginprom.WithResponseSize())...)
			a.r.GET("/", ok)
			require.Equal(t, http.StatusOK, serve(a.r, http.MethodGet, "/", "X-Trace", "first").Code)
			assert.PanicsWithValue(t, boom, func() { serve(a.r, http.MethodGet, "/", "X-Bad", "1") })
			assert.PanicsWithValue(t, boom, func() { serve(a.r, http.MethodGet, "/", "X-Bad", "1") })

			assert.Equal(t, map[string]uint64{tc.key: 3}, samples(t, a.reg, coreDuration))
			assert.Equal(t, map[string]uint64{tc.key: 3}, samples(t, a.reg, "gin_http_request_size_bytes"))
			assert.Equal(t, map[string]uint64{tc.key: 3}, samples(t, a.reg, "gin_http_response_size_bytes"))
			assert.Equal(t, map[float64]map[string]string{3600: {"trace_id": "first"}}, exemplarsOf(durationSeries(t, a.reg, coreDuration)))
			assert.Equal(t, map[string]float64{`method="GET"`: 0}, inflight(t, a.reg))
			assert.NotContains(t, families(t, a.reg), exceptionsName)
		})
	}
}

// TestGroupByFuncPanicWinsOverExemplarPanic: when both the GroupByFunc
// function and the exemplar function panic, the request is recorded once
// under PanicValue, and the group-by function's panic is raised again.
func TestGroupByFuncPanicWinsOverExemplarPanic(t *testing.T) {
	groupBoom, exemplarBoom := corePanicValue{"group"}, corePanicValue{"exemplar"}
	a := newApp(t, ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", func(c *gin.Context) string {
		if c.GetHeader("X-Bad") != "" {
			panic(groupBoom)
		}
		return "t1"
	})), ginprom.WithExemplars(panickyExemplar(exemplarBoom)), ginprom.WithInFlight(), ginprom.WithResponseSize())
	a.r.GET("/", ok)
	assert.PanicsWithValue(t, groupBoom, func() { serve(a.r, http.MethodGet, "/", "X-Bad", "1") })
	assert.PanicsWithValue(t, groupBoom, func() { serve(a.r, http.MethodGet, "/", "X-Bad", "1") })
	serve(a.r, http.MethodGet, "/")
	assert.Equal(t, map[string]uint64{
		`method="GET",status="200",tenant="<panic>"`: 2,
		`method="GET",status="200",tenant="t1"`:      1,
	}, samples(t, a.reg, coreDuration))
	assert.Equal(t, map[string]uint64{
		`method="GET",status="200",tenant="<panic>"`: 2,
		`method="GET",status="200",tenant="t1"`:      1,
	}, samples(t, a.reg, "gin_http_response_size_bytes"))
	assert.Equal(t, map[string]float64{`method="GET"`: 0}, inflight(t, a.reg))
	assert.NotContains(t, families(t, a.reg), exceptionsName)
}

// TestUserFunctionPanicsUnderADecoratorLabelPanic: a decorator's label
// function panics after the handler answered, and the default metrics
// record the request while that panic unwinds: their own user functions'
// panics are still caught there, the request recorded once, and the
// last panic raised goes on.
func TestUserFunctionPanicsUnderADecoratorLabelPanic(t *testing.T) {
	labelBoom, groupBoom, exemplarBoom := corePanicValue{"label"}, corePanicValue{"group"}, corePanicValue{"exemplar"}
	group := func(c *gin.Context) string {
		if c.GetHeader("X-Group") != "" {
			panic(groupBoom)
		}
		return "t1"
	}
	cases := []struct {
		name   string
		opts   []ginprom.Option
		header string
		want   any
		key    string
	}{
		{"route, exemplar panics", nil, "X-Bad", exemplarBoom, `method="GET",path="/",status="200"`},
		{"group by func, exemplar panics", []ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", group))}, "X-Bad", exemplarBoom, `method="GET",status="200",tenant="t1"`},
		{"group by func, group panics", []ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", group))}, "X-Group", groupBoom, `method="GET",status="200",tenant="<panic>"`},
		{"group by func, neither panics", []ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", group))}, "X-None", labelBoom, `method="GET",status="200",tenant="t1"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, append(tc.opts, ginprom.WithExemplars(panickyExemplar(exemplarBoom)), ginprom.WithInFlight(), ginprom.WithResponseSize())...)
			a.r.GET("/", a.m.Counter("x", "X.", ginprom.Labels{"bad": func(*gin.Context) string { panic(labelBoom) }}), ok)
			assert.PanicsWithValue(t, tc.want, func() { serve(a.r, http.MethodGet, "/", tc.header, "1") })
			assert.Equal(t, map[string]uint64{tc.key: 1}, samples(t, a.reg, coreDuration))
			assert.Equal(t, map[string]uint64{tc.key: 1}, samples(t, a.reg, "gin_http_response_size_bytes"))
			assert.Equal(t, map[string]float64{`method="GET"`: 0}, inflight(t, a.reg))
			assert.NotContains(t, families(t, a.reg), exceptionsName)
		})
	}
}
