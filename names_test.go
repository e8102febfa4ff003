package ginprom_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// panicMessage returns what f panics with, or fails the test if it does not
// panic.
func panicMessage(t *testing.T, f func()) (msg string) {
	t.Helper()
	defer func() {
		r := recover()
		require.NotNil(t, r, "no panic")
		msg = r.(string)
	}()
	f()
	return ""
}

// TestNamesCollidingWithSeriesAreRefused: setup refuses a metric named like
// a series of another family (its _count, _sum, _bucket, _total or
// _created), in both orders, on one Metrics, across two Metrics on one
// registry, and beside collectors ginprom did not make. Each would pass the
// registry and then fail every scrape once both have series. The app set up
// before the refusal still scrapes.
func TestNamesCollidingWithSeriesAreRefused(t *testing.T) {
	type setup func(t *testing.T, reg *prometheus.Registry, m *ginprom.Metrics)
	histogram := func(name string) setup {
		return func(_ *testing.T, _ *prometheus.Registry, m *ginprom.Metrics) {
			m.Histogram(name, "A histogram.", nil)
		}
	}
	summary := func(name string) setup {
		return func(_ *testing.T, _ *prometheus.Registry, m *ginprom.Metrics) {
			m.Summary(name, "A summary.", nil)
		}
	}
	gauge := func(name string) setup {
		return func(_ *testing.T, _ *prometheus.Registry, m *ginprom.Metrics) {
			m.Gauge(name, "A gauge.", ginprom.Labels{"who": func(*gin.Context) string { return "x" }})
		}
	}
	counter := func(name string) setup {
		return func(_ *testing.T, _ *prometheus.Registry, m *ginprom.Metrics) {
			m.Counter(name, "A counter.", nil)
		}
	}
	info := func(name string) setup {
		return func(_ *testing.T, _ *prometheus.Registry, m *ginprom.Metrics) {
			m.Info(name, "An info.", prometheus.Labels{"version": "1"})
		}
	}
	defaults := func(opts ...ginprom.Option) setup {
		return func(_ *testing.T, reg *prometheus.Registry, _ *ginprom.Metrics) {
			ginprom.New(gin.New(), append([]ginprom.Option{ginprom.WithRegistry(reg)}, opts...)...)
		}
	}
	plain := func(c prometheus.Collector) setup {
		return func(t *testing.T, reg *prometheus.Registry, _ *ginprom.Metrics) {
			require.NoError(t, reg.Register(c))
		}
	}
	observed := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "plain_seconds", Help: "Plain."})
	observed.Observe(1)

	cases := []struct {
		name          string
		first, second setup
		mentions      []string // in the panic message
	}{
		{"gauge beside histogram's _count", histogram("lat"), gauge("lat_count"), []string{`"lat_count"`, `"lat"`}},
		{"histogram beside gauge named its _count", gauge("lat_count"), histogram("lat"), []string{`"lat"`, "lat_count"}},
		{"gauge beside histogram's _bucket", histogram("lat"), gauge("lat_bucket"), []string{`"lat_bucket"`, `"lat"`}},
		{"gauge beside summary's _sum", summary("lat"), gauge("lat_sum"), []string{`"lat_sum"`, `"lat"`}},
		{"summary beside gauge named its _sum", gauge("lat_sum"), summary("lat"), []string{`"lat"`, "lat_sum"}},
		{"gauge beside histogram's _created", histogram("lat"), gauge("lat_created"), []string{`"lat_created"`, `"lat"`}},
		{"gauge beside counter's _created", counter("jobs"), gauge("jobs_created"), []string{`"jobs_created"`, `"jobs_total"`}},
		{"counter beside histogram: both expose _created", histogram("lat"), counter("lat"), []string{`"lat_total"`, "lat_created", `"lat"`}},
		{"info beside histogram's _count", histogram("lat"), info("lat_count"), []string{`"lat_count"`, `"lat"`}},
		{
			"gauge beside the default duration's _count", defaults(), gauge("gin_http_request_duration_seconds_count"),
			[]string{`"gin_http_request_duration_seconds_count"`, `"gin_http_request_duration_seconds"`},
		},
		{
			"defaults beside a gauge named the duration's _bucket", gauge("gin_http_request_duration_seconds_bucket"), defaults(),
			[]string{`"gin_http_request_duration_seconds"`, "gin_http_request_duration_seconds_bucket"},
		},
		{
			"summary defaults beside a gauge named the duration's _sum", gauge("gin_http_request_duration_seconds_sum"), defaults(ginprom.WithLatencySummary()),
			[]string{`"gin_http_request_duration_seconds"`, "gin_http_request_duration_seconds_sum"},
		},
		{
			"defaults with sizes beside a gauge named the size's _count", gauge("gin_http_response_size_bytes_count"), defaults(ginprom.WithResponseSize()),
			[]string{`"gin_http_response_size_bytes"`, "gin_http_response_size_bytes_count"},
		},
		{
			"histogram named like the default total's _created", defaults(), histogram("gin_http_request_created"),
			[]string{`"gin_http_request_created"`},
		},
		{
			"other prefix's defaults beside a histogram", histogram("app_http_request_duration_seconds_count"), defaults(ginprom.WithDefaultsPrefix("app")),
			[]string{`"app_http_request_duration_seconds"`},
		},
		{
			"histogram beside a plain gauge named its _count", plain(prometheus.NewGauge(prometheus.GaugeOpts{Name: "plain_count", Help: "Plain."})), histogram("plain"),
			[]string{`"plain"`, "plain_count"},
		},
		{
			"gauge beside a plain observed histogram's _count", plain(observed), gauge("plain_seconds_count"),
			[]string{`"plain_seconds_count"`, `"plain_seconds"`},
		},
		{
			"gauge beside a plain counter's _total", plain(prometheus.NewCounter(prometheus.CounterOpts{Name: "plain_jobs", Help: "Plain."})), gauge("plain_jobs_total"),
			[]string{`"plain_jobs_total"`, `"plain_jobs"`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, ginprom.WithDefaultsPrefix("test"))
			a.r.GET("/", ok)
			tc.first(t, a.reg, a.m)
			msg := panicMessage(t, func() { tc.second(t, a.reg, a.m) })
			assert.True(t, strings.HasPrefix(msg, "ginprom: "), msg)
			for _, s := range tc.mentions {
				assert.Contains(t, msg, s)
			}
			assert.Contains(t, msg, "choose another name")

			require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/").Code)
			w := a.do(http.MethodGet, "/metrics")
			assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
		})
	}
}

// TestNamesWithSuffixesThatCollideWithNothing: names that merely end like a
// series, with no family they would collide with, are accepted, and so is
// the same app built twice on one registry; every scrape then succeeds.
func TestNamesWithSuffixesThatCollideWithNothing(t *testing.T) {
	reg := prometheus.NewRegistry()
	build := func() *gin.Engine {
		r := gin.New()
		m := ginprom.New(r, ginprom.WithRegistry(reg))
		r.GET("/",
			m.Gauge("queue_count", "Items queued.", nil),
			m.Histogram("lat", "Latency.", nil),
			m.Summary("work_sum", "Work.", nil),
			m.Counter("lat_bucket", "Bucket rolls.", nil), // lat_bucket_total
			m.Histogram("jobs_created", "Job creation.", nil),
			ok)
		m.Info("build_info", "Build.", prometheus.Labels{"version": "1"})
		return r
	}
	r1 := build()
	r2 := build()
	for _, r := range []*gin.Engine{r1, r2} {
		require.Equal(t, http.StatusOK, serve(r, http.MethodGet, "/").Code)
	}
	w := serve(r1, http.MethodGet, "/metrics")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, map[string]uint64{`method="GET",path="/",status="200"`: 2},
		samples(t, reg, "gin_http_request_duration_seconds"))
}

// TestClaimsOnAPedanticRegistry: the claims that keep series names taken
// describe a name each and collect nothing, which even a pedantic registry,
// checking every collected metric against the descriptions, accepts.
func TestClaimsOnAPedanticRegistry(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithResponseSize())
	r.GET("/", m.Histogram("lat", "Latency.", nil), m.Counter("hits", "Hits.", nil), ok)
	require.Equal(t, http.StatusOK, serve(r, http.MethodGet, "/").Code)
	w := serve(r, http.MethodGet, "/metrics")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, map[string]uint64{`method="GET",path="/",status="200"`: 1},
		samples(t, reg, "gin_http_request_duration_seconds"))
	assert.NotContains(t, w.Body.String(), "Reserved by ginprom")
}
