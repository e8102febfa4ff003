package ginprom_test

import (
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newRecoveringApp is newApp with a quiet gin.Recovery before ginprom, as
// gin.Default places it.
func newRecoveringApp(t testing.TB, opts ...ginprom.Option) *app {
	t.Helper()
	reg := prometheus.NewRegistry()
	r := gin.New()
	r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(http.StatusInternalServerError) }))
	m := ginprom.New(r, append([]ginprom.Option{ginprom.WithRegistry(reg)}, opts...)...)
	return &app{r: r, m: m, reg: reg}
}

// TestTotalsByGroup: WithTotalsByGroup puts the group-by label on the
// total and the exceptions; the total still equals the duration counts.
func TestTotalsByGroup(t *testing.T) {
	a := newRecoveringApp(t, ginprom.WithTotalsByGroup())
	a.r.GET("/users/:id", ok)
	a.r.GET("/items", ok)
	a.r.GET("/boom", func(*gin.Context) { panic("boom") })
	a.do(http.MethodGet, "/users/1")
	a.do(http.MethodGet, "/users/2")
	a.do(http.MethodGet, "/items")
	a.do(http.MethodGet, "/boom")
	a.do(http.MethodGet, "/nope")
	requireExposition(t, a.reg, `
# HELP gin_http_request_exceptions_total Total number of HTTP requests whose handler panicked.
# TYPE gin_http_request_exceptions_total counter
gin_http_request_exceptions_total{method="GET",path="/boom",status="500"} 1
# HELP gin_http_request_total Total number of HTTP requests served by Gin.
# TYPE gin_http_request_total counter
gin_http_request_total{method="GET",path="/users/:id",status="200"} 2
gin_http_request_total{method="GET",path="/items",status="200"} 1
gin_http_request_total{method="GET",path="/boom",status="500"} 1
gin_http_request_total{method="GET",path="<unmatched>",status="404"} 1
`, "gin_http_request_total", "gin_http_request_exceptions_total")
	requireLint(t, a.reg)
}

// TestTotalsByGroupPerRequestLabels: with a group-by computed per request,
// the totals follow it too.
func TestTotalsByGroupPerRequestLabels(t *testing.T) {
	a := newApp(t, ginprom.WithTotalsByGroup(), ginprom.WithGroupBy(ginprom.GroupByPath))
	a.r.GET("/users/:id", ok)
	a.do(http.MethodGet, "/users/1")
	a.do(http.MethodGet, "/users/1")
	a.do(http.MethodGet, "/users/2")
	requireExposition(t, a.reg, `
# HELP gin_http_request_total Total number of HTTP requests served by Gin.
# TYPE gin_http_request_total counter
gin_http_request_total{method="GET",path="/users/1",status="200"} 2
gin_http_request_total{method="GET",path="/users/2",status="200"} 1
`, "gin_http_request_total")
}

// durationSeries returns the histogram of the one series of the family
// name.
func durationSeries(t testing.TB, g prometheus.Gatherer, name string) *dto.Histogram {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			require.Len(t, mf.GetMetric(), 1)
			return mf.GetMetric()[0].GetHistogram()
		}
	}
	t.Fatalf("no family %s", name)
	return nil
}

// exemplarsOf returns the exemplar labels of each classic bucket that has
// one, keyed by upper bound.
func exemplarsOf(h *dto.Histogram) map[float64]map[string]string {
	out := map[float64]map[string]string{}
	for _, b := range h.GetBucket() {
		if e := b.GetExemplar(); e != nil {
			labels := map[string]string{}
			for _, l := range e.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			out[b.GetUpperBound()] = labels
		}
	}
	return out
}

// TestExemplars: fn's labels become the exemplar of the bucket the request
// fell in, with the request's duration as value, the latest winning; nil,
// empty and oversized label sets record none and fail nothing.
func TestExemplars(t *testing.T) {
	trace := func(c *gin.Context) prometheus.Labels {
		switch id := c.GetHeader("X-Trace"); id {
		case "":
			return nil
		case "empty":
			return prometheus.Labels{}
		default:
			return prometheus.Labels{"trace_id": id}
		}
	}
	// Every request takes more than 1e-12 s and less than an hour, so it
	// falls in the bucket of 3600.
	a := newApp(t, ginprom.WithExemplars(trace), ginprom.WithBuckets(1e-12, 3600))
	a.r.GET("/", ok)
	name := "gin_http_request_duration_seconds"

	serve(a.r, http.MethodGet, "/")
	serve(a.r, http.MethodGet, "/", "X-Trace", "empty")
	assert.Empty(t, exemplarsOf(durationSeries(t, a.reg, name)), "nil and empty results record no exemplar")

	serve(a.r, http.MethodGet, "/", "X-Trace", "first")
	h := durationSeries(t, a.reg, name)
	assert.Equal(t, map[float64]map[string]string{3600: {"trace_id": "first"}}, exemplarsOf(h))
	first := h.GetBucket()[1].GetExemplar()
	assert.Greater(t, first.GetValue(), 1e-12)
	assert.LessOrEqual(t, first.GetValue(), h.GetSampleSum(), "the exemplar's value is the request's duration")
	assert.NotNil(t, first.GetTimestamp())

	serve(a.r, http.MethodGet, "/", "X-Trace", "second")
	assert.Equal(t, map[float64]map[string]string{3600: {"trace_id": "second"}}, exemplarsOf(durationSeries(t, a.reg, name)), "the latest wins")

	// 8 runes of name and 121 of value: 129 in all, over the limit.
	w := serve(a.r, http.MethodGet, "/", "X-Trace", strings.Repeat("x", 121))
	assert.Equal(t, http.StatusOK, w.Code)
	h = durationSeries(t, a.reg, name)
	assert.Equal(t, uint64(5), h.GetSampleCount(), "every request is recorded")
	assert.Equal(t, map[float64]map[string]string{3600: {"trace_id": "second"}}, exemplarsOf(h), "an oversized exemplar is dropped")
	// 128 runes exactly pass.
	serve(a.r, http.MethodGet, "/", "X-Trace", strings.Repeat("y", 120))
	assert.Equal(t, map[float64]map[string]string{3600: {"trace_id": strings.Repeat("y", 120)}}, exemplarsOf(durationSeries(t, a.reg, name)))

	// The OpenMetrics exposition shows it.
	scrape := serve(a.r, http.MethodGet, "/metrics", "Accept", "application/openmetrics-text; version=1.0.0")
	assert.Contains(t, scrape.Body.String(), `gin_http_request_duration_seconds_bucket{method="GET",path="/",status="200",le="3600.0"} 6 # {trace_id="`+strings.Repeat("y", 120)+`"}`)
	requireLint(t, a.reg)
}

// TestExemplarsNoneWithSummary: a summary has no buckets, so no exemplars,
// and fn is not called.
func TestExemplarsNoneWithSummary(t *testing.T) {
	called := false
	a := newApp(t, ginprom.WithLatencySummary(), ginprom.WithExemplars(func(*gin.Context) prometheus.Labels {
		called = true
		return prometheus.Labels{"trace_id": "x"}
	}))
	a.r.GET("/", ok)
	a.do(http.MethodGet, "/")
	scrape := serve(a.r, http.MethodGet, "/metrics", "Accept", "application/openmetrics-text; version=1.0.0")
	assert.Equal(t, http.StatusOK, scrape.Code)
	assert.NotContains(t, scrape.Body.String(), "trace_id")
	assert.False(t, called)
}

// TestExemplarOnEveryBucket: each bucket keeps its own exemplar, +Inf too.
func TestExemplarOnEveryBucket(t *testing.T) {
	a := newApp(t, ginprom.WithBuckets(1e-12), ginprom.WithExemplars(func(c *gin.Context) prometheus.Labels {
		return prometheus.Labels{"trace_id": c.Query("t")}
	}))
	a.r.GET("/", ok)
	a.do(http.MethodGet, "/?t=a")
	h := durationSeries(t, a.reg, "gin_http_request_duration_seconds")
	assert.Equal(t, map[float64]map[string]string{math.Inf(1): {"trace_id": "a"}}, exemplarsOf(h))
}

// nativeBuckets returns the native buckets of h as absolute counts by index.
func nativeBuckets(h *dto.Histogram) map[int]int64 {
	out := map[int]int64{}
	idx, count := 0, int64(0)
	d := 0
	for _, s := range h.GetPositiveSpan() {
		idx += int(s.GetOffset())
		for range s.GetLength() {
			count += h.GetPositiveDelta()[d]
			d++
			if count != 0 {
				out[idx] = count
			}
			idx++
		}
	}
	return out
}

// TestNativeHistograms: with WithNativeHistograms, the duration and size
// histograms carry native buckets of the factor's schema beside their
// classic buckets.
func TestNativeHistograms(t *testing.T) {
	cases := []struct {
		factor float64
		schema int32
		key    int // the native bucket of 5 bytes
	}{
		{1.1, 3, 19}, // 2^(18/8) = 4.76 < 5 <= 2^(19/8) = 5.19
		{1.01, 3, 19},
		{1.5, 1, 5}, // 2^(4/2) = 4 < 5 <= 2^(5/2)
		{2, 0, 3},   // 4 < 5 <= 8
		{4, -1, 2},  // 4 < 5 <= 16
	}
	for _, tc := range cases {
		a := newApp(t, ginprom.WithNativeHistograms(tc.factor), ginprom.WithResponseSize(), ginprom.WithRequestSize())
		a.r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "hello") })
		a.do(http.MethodGet, "/")

		resp := durationSeries(t, a.reg, responseSizeName)
		assert.Equal(t, tc.schema, resp.GetSchema(), "factor %g", tc.factor)
		assert.Equal(t, map[int]int64{tc.key: 1}, nativeBuckets(resp), "factor %g", tc.factor)
		assert.Len(t, resp.GetBucket(), len(ginprom.DefaultSizeBuckets), "classic buckets kept")

		req := durationSeries(t, a.reg, requestSizeName)
		assert.Equal(t, uint64(1), req.GetZeroCount(), "a size of 0 counts in the zero bucket")
		assert.Empty(t, nativeBuckets(req))

		dur := durationSeries(t, a.reg, "gin_http_request_duration_seconds")
		assert.Equal(t, tc.schema, dur.GetSchema())
		var n int64
		for _, c := range nativeBuckets(dur) {
			n += c
		}
		assert.Equal(t, uint64(1), uint64(n)+dur.GetZeroCount(), "one duration observed")
		assert.Len(t, dur.GetBucket(), len(ginprom.DefaultBuckets))
	}
}

// TestNativeHistogramsBounded: values above the range count in its top
// bucket, so the bucket count stays bounded.
func TestNativeHistogramsBounded(t *testing.T) {
	a := newApp(t, ginprom.WithNativeHistograms(1.1), ginprom.WithRequestSize())
	a.r.POST("/", ok)
	req := httptestRequestWithLength(t, 1<<40)
	a.r.ServeHTTP(newDiscard(), req)
	h := durationSeries(t, a.reg, requestSizeName)
	assert.Equal(t, map[int]int64{31 * 8: 1}, nativeBuckets(h), "1 TiB counts in the 2 GiB bucket")
}

func httptestRequestWithLength(t testing.TB, n int64) *http.Request {
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/", http.NoBody)
	req.ContentLength = n
	return req
}

// TestNativeHistogramsFactorPanics: the factor must be greater than 1.
func TestNativeHistogramsFactorPanics(t *testing.T) {
	for _, f := range []float64{1, 0.5, 0, -2, math.NaN(), math.Inf(1)} {
		assert.Panics(t, func() { ginprom.WithNativeHistograms(f) }, "factor %g", f)
	}
	assert.PanicsWithValue(t, "ginprom: WithNativeHistograms(1): the bucket factor must be a number greater than 1, such as 1.1", func() {
		ginprom.WithNativeHistograms(1)
	})
}

// TestExemplarFunctionRunsOncePerRecordedRequest: fn runs once per recorded
// request, after the chain (it sees the status), and never for requests
// left out of the metrics.
func TestExemplarFunctionRunsOncePerRecordedRequest(t *testing.T) {
	var statuses []int
	a := newApp(t, ginprom.WithExcludedPaths("/health"), ginprom.WithExemplars(func(c *gin.Context) prometheus.Labels {
		statuses = append(statuses, c.Writer.Status())
		return nil
	}))
	a.r.GET("/made", func(c *gin.Context) { c.Status(http.StatusCreated) })
	a.r.GET("/health", ok)
	a.r.GET("/quiet", a.m.DoNotTrack(), ok)
	a.do(http.MethodGet, "/made")
	a.do(http.MethodGet, "/health")
	a.do(http.MethodGet, "/quiet")
	a.do(http.MethodGet, "/metrics")
	a.do(http.MethodGet, "/nope")
	assert.Equal(t, []int{http.StatusCreated, http.StatusNotFound}, statuses)
}

// TestNativeHistogramsCountCoversBuckets: a scrape taken while requests
// are being recorded shows exactly as many native observations (zero
// bucket and buckets) as the histogram's count; Prometheus refuses any
// other.
func TestNativeHistogramsCountCoversBuckets(t *testing.T) {
	a := newApp(t, ginprom.WithNativeHistograms(1.1), ginprom.WithResponseSize())
	a.r.GET("/", ok)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					a.do(http.MethodGet, "/")
				}
			}
		}()
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for range 300 {
		mfs, err := a.reg.Gather()
		require.NoError(t, err)
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				h := m.GetHistogram()
				if h == nil || h.GetSchema() == 0 && len(h.GetPositiveSpan()) == 0 {
					continue
				}
				var n int64
				for _, c := range nativeBuckets(h) {
					n += c
				}
				require.Equal(t, h.GetSampleCount(), uint64(n)+h.GetZeroCount(), "%s: native observations other than the count", mf.GetName())
			}
		}
	}
}

// TestNativeHistogramsWithSummary: with WithLatencySummary the duration is
// a summary, and only the size histograms carry native buckets.
func TestNativeHistogramsWithSummary(t *testing.T) {
	a := newApp(t, ginprom.WithLatencySummary(), ginprom.WithNativeHistograms(2), ginprom.WithResponseSize())
	a.r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "hello") })
	a.do(http.MethodGet, "/")
	resp := durationSeries(t, a.reg, responseSizeName)
	assert.Equal(t, map[int]int64{3: 1}, nativeBuckets(resp), "5 bytes in (4, 8]")
	mfs, err := a.reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == "gin_http_request_duration_seconds" {
			assert.Equal(t, dto.MetricType_SUMMARY, mf.GetType())
			assert.Equal(t, uint64(1), mf.GetMetric()[0].GetSummary().GetSampleCount())
		}
	}
}
