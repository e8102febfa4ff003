//go:build !race

// The race detector makes allocations of its own, so these tests run
// without it: make test runs them in a pass of their own.

package ginprom_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// requestAllocs returns the allocations of one request to target on r,
// after a first request has resolved every series.
func requestAllocs(r *gin.Engine, method, target string) float64 {
	req := httptest.NewRequestWithContext(context.Background(), method, target, nil)
	w := newDiscard()
	r.ServeHTTP(w, req)
	return testing.AllocsPerRun(500, func() { r.ServeHTTP(w, req) })
}

// TestMiddlewareAllocs: a request through the default middleware allocates
// exactly what it allocates through bare Gin (nothing, with this handler
// and writer), under every group-by and for unmatched requests.
func TestMiddlewareAllocs(t *testing.T) {
	constant := func(*gin.Context) string { return "v" }
	// A value of exactly MaxValueLen bytes is kept as it is, so it costs
	// nothing either.
	atLimit := strings.Repeat("v", ginprom.MaxValueLen)
	longest := func(*gin.Context) string { return atLimit }
	cases := []struct {
		name   string
		opts   []ginprom.Option
		method string
		target string
	}{
		{"defaults", nil, http.MethodGet, "/users/42"},
		{"group by path", []ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByPath)}, http.MethodGet, "/users/42"},
		{"group by handler", []ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByHandler)}, http.MethodGet, "/users/42"},
		{"group by func", []ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByFunc("endpoint", constant))}, http.MethodGet, "/users/42"},
		{"summary", []ginprom.Option{ginprom.WithLatencySummary()}, http.MethodGet, "/users/42"},
		{"static default labels", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"env": "prod", "shard": 3})}, http.MethodGet, "/users/42"},
		{"default label function", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"tenant": constant})}, http.MethodGet, "/users/42"},
		{"label values at the length limit", []ginprom.Option{
			ginprom.WithGroupBy(ginprom.GroupByFunc("endpoint", longest)),
			ginprom.WithDefaultLabels(ginprom.Labels{"tenant": longest}),
		}, http.MethodGet, "/users/42"},
		{"excluded paths", []ginprom.Option{ginprom.WithExcludedPaths("/health", "/static/.*\\.css")}, http.MethodGet, "/users/42"},
		{"unmatched", nil, http.MethodGet, "/no/such/page"},
		{"sizes and in-flight", []ginprom.Option{ginprom.WithRequestSize(), ginprom.WithResponseSize(), ginprom.WithInFlight()}, http.MethodGet, "/users/42"},
		{"sizes and in-flight, unmatched", []ginprom.Option{ginprom.WithRequestSize(), ginprom.WithResponseSize(), ginprom.WithInFlight()}, http.MethodGet, "/no/such/page"},
		{"sizes and in-flight, group by path", []ginprom.Option{ginprom.WithRequestSize(), ginprom.WithResponseSize(), ginprom.WithInFlight(), ginprom.WithGroupBy(ginprom.GroupByPath)}, http.MethodGet, "/users/42"},
		{"totals by group", []ginprom.Option{ginprom.WithTotalsByGroup()}, http.MethodGet, "/users/42"},
		{"exemplar function returning nil", []ginprom.Option{ginprom.WithExemplars(func(*gin.Context) prometheus.Labels { return nil })}, http.MethodGet, "/users/42"},
		{"native histograms", []ginprom.Option{ginprom.WithNativeHistograms(1.1), ginprom.WithRequestSize(), ginprom.WithResponseSize()}, http.MethodGet, "/users/42"},
		{"every signal", []ginprom.Option{
			ginprom.WithRequestSize(), ginprom.WithResponseSize(), ginprom.WithInFlight(), ginprom.WithTotalsByGroup(),
			ginprom.WithExemplars(func(*gin.Context) prometheus.Labels { return nil }), ginprom.WithNativeHistograms(1.1),
		}, http.MethodGet, "/users/42"},
		{"other method", nil, "PROPFIND", "/users/42"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bare := requestAllocs(userRoute(gin.New()), tc.method, tc.target)

			r := gin.New()
			ginprom.New(r, append([]ginprom.Option{ginprom.WithRegistry(prometheus.NewRegistry())}, tc.opts...)...)
			with := requestAllocs(userRoute(r), tc.method, tc.target)

			// AllocsPerRun's average is a whole number.
			assert.Equal(t, int(bare), int(with), "allocations per request through bare Gin and through ginprom")
			assert.Zero(t, with, "allocations per request through ginprom")
		})
	}
}

// TestDisabledAllocs: a disabled Metrics costs a request nothing.
func TestDisabledAllocs(t *testing.T) {
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithEnabled(false))
	assert.InDelta(t, requestAllocs(userRoute(gin.New()), http.MethodGet, "/users/42"),
		requestAllocs(userRoute(r), http.MethodGet, "/users/42"), 0)
}

// TestSessionCheckAllocs: telling sessions from requests costs an ordinary
// request nothing, with the headers browsers send, an Accept that asks for
// a stream, or a response that checks out as no stream.
func TestSessionCheckAllocs(t *testing.T) {
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))
	userRoute(r)
	for _, accept := range []string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ""} {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/users/42", http.NoBody)
		req.Header.Set("Connection", "Keep-Alive")
		req.Header.Set("Upgrade", "h2c")
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		w := newDiscard()
		r.ServeHTTP(w, req)
		assert.Zero(t, testing.AllocsPerRun(500, func() { r.ServeHTTP(w, req) }), "Accept %q", accept)
	}
}

// TestMarksInUseAllocs: once DoNotTrack and ExcludeAllMetrics exist, a
// request they do not mark still allocates nothing; only a marked request
// pays for its mark.
func TestMarksInUseAllocs(t *testing.T) {
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithInFlight(),
		ginprom.WithSkipper(func(c *gin.Context) bool { return c.GetHeader("X-Probe") != "" }))
	r.GET("/quiet", m.DoNotTrack(), func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/hidden", m.ExcludeAllMetrics(), func(c *gin.Context) { c.Status(http.StatusOK) })
	userRoute(r, m.Counter("users", "Users.", nil))
	marked := requestAllocs(r, http.MethodGet, "/quiet")
	assert.Positive(t, marked, "a marked request allocates its mark")
	probe := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/users/42", nil)
	probe.Header.Set("X-Probe", "1")
	r.ServeHTTP(newDiscard(), probe) // a skipped request: decorators now look for marks
	assert.Zero(t, requestAllocs(r, http.MethodGet, "/users/42"), "allocations per unmarked request")
}

// TestOverflowAllocs: past the series budget, a request with a value never
// seen before goes to the overflow series without allocating, under
// GroupByPath, GroupByFunc and a default label function alike: the
// overflow series is found without making anything.
func TestOverflowAllocs(t *testing.T) {
	header := func(c *gin.Context) string { return c.GetHeader("X-Tenant") }
	for name, opt := range map[string]ginprom.Option{
		"group by path":          ginprom.WithGroupBy(ginprom.GroupByPath),
		"group by func":          ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", header)),
		"default label function": ginprom.WithDefaultLabels(ginprom.Labels{"tenant": header}),
	} {
		t.Run(name, func(t *testing.T) {
			r := gin.New()
			ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithSeriesLimit(1), opt)
			userRoute(r)
			const runs = 500
			reqs := make([]*http.Request, runs+3)
			for i := range reqs {
				reqs[i] = httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/users/"+strconv.Itoa(i), nil)
				reqs[i].Header.Set("X-Tenant", "t"+strconv.Itoa(i))
			}
			w := newDiscard()
			// The budget's one series, then the overflow series.
			r.ServeHTTP(w, reqs[0])
			r.ServeHTTP(w, reqs[1])
			next := 2
			assert.Zero(t, testing.AllocsPerRun(runs, func() {
				r.ServeHTTP(w, reqs[next])
				next++
			}), "allocations per overflowing request")
		})
	}
}
