package ginprom_test

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The benchmarks compare, in one run on one machine:
//
//   - bare: Gin with no metrics middleware;
//   - handrolled: the middleware users write themselves with client_golang,
//     resolving children with WithLabelValues on every request, for a
//     duration histogram and a request counter;
//   - handrolled-full: the same for the full set of signals (duration,
//     total, request and response sizes, in-flight gauge);
//   - ginprom with its defaults, with each group-by, and with a stack of
//     decorators.
//
// Each request is GET /users/42 on the route /users/:id, answered 200 into
// a response writer that does not allocate, so that what is measured is the
// router and the middleware. make bench runs them and prints the overhead
// over bare Gin as a ratio of the hand-rolled overhead.

// discard is an http.ResponseWriter that keeps nothing and allocates
// nothing.
type discard struct{ h http.Header }

func newDiscard() *discard                           { return &discard{h: http.Header{}} }
func (w *discard) Header() http.Header               { return w.h }
func (w *discard) Write(b []byte) (int, error)       { return len(b), nil }
func (w *discard) WriteString(s string) (int, error) { return len(s), nil }
func (w *discard) WriteHeader(int)                   {}

// handRolled is the middleware most users write: two vectors resolved per
// request, the status formatted per request.
func handRolled(reg prometheus.Registerer) gin.HandlerFunc {
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "handrolled_http_request_duration_seconds",
		Help:    "Request duration.",
		Buckets: ginprom.DefaultBuckets,
	}, []string{"method", "path", "status"})
	total := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "handrolled_http_request_total",
		Help: "Requests.",
	}, []string{"method", "status"})
	reg.MustRegister(duration, total)
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := strconv.Itoa(c.Writer.Status())
		duration.WithLabelValues(c.Request.Method, c.FullPath(), status).Observe(time.Since(start).Seconds())
		total.WithLabelValues(c.Request.Method, status).Inc()
	}
}

// handRolledFull is the same middleware recording the full set that
// ginprom's signals cover: duration, total, request and response sizes,
// and the in-flight gauge.
func handRolledFull(reg prometheus.Registerer) gin.HandlerFunc {
	labels := []string{"method", "path", "status"}
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "handrolled_http_request_duration_seconds", Help: "Request duration.", Buckets: ginprom.DefaultBuckets,
	}, labels)
	total := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "handrolled_http_request_total", Help: "Requests.",
	}, []string{"method", "status"})
	reqSize := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "handrolled_http_request_size_bytes", Help: "Request sizes.", Buckets: ginprom.DefaultSizeBuckets,
	}, labels)
	respSize := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "handrolled_http_response_size_bytes", Help: "Response sizes.", Buckets: ginprom.DefaultSizeBuckets,
	}, labels)
	inFlight := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "handrolled_http_requests_in_flight", Help: "Requests in flight.",
	}, []string{"method"})
	reg.MustRegister(duration, total, reqSize, respSize, inFlight)
	return func(c *gin.Context) {
		start := time.Now()
		g := inFlight.WithLabelValues(c.Request.Method)
		g.Inc()
		c.Next()
		g.Dec()
		status := strconv.Itoa(c.Writer.Status())
		duration.WithLabelValues(c.Request.Method, c.FullPath(), status).Observe(time.Since(start).Seconds())
		total.WithLabelValues(c.Request.Method, status).Inc()
		reqSize.WithLabelValues(c.Request.Method, c.FullPath(), status).Observe(float64(max(c.Request.ContentLength, 0)))
		respSize.WithLabelValues(c.Request.Method, c.FullPath(), status).Observe(float64(max(c.Writer.Size(), 0)))
	}
}

// benchEngine is one configuration under test: build returns an engine
// with the route /users/:id.
type benchEngine struct {
	name  string
	build func() *gin.Engine
}

func userRoute(r *gin.Engine, handlers ...gin.HandlerFunc) *gin.Engine {
	r.GET("/users/:id", append(handlers, func(c *gin.Context) { c.Status(http.StatusOK) })...)
	return r
}

func withGinprom(opts ...ginprom.Option) func() *gin.Engine {
	return func() *gin.Engine {
		r := gin.New()
		ginprom.New(r, append([]ginprom.Option{ginprom.WithRegistry(prometheus.NewRegistry())}, opts...)...)
		return userRoute(r)
	}
}

var benchEngines = []benchEngine{
	{"bare", func() *gin.Engine { return userRoute(gin.New()) }},
	{"handrolled", func() *gin.Engine {
		r := gin.New()
		r.Use(handRolled(prometheus.NewRegistry()))
		return userRoute(r)
	}},
	{"handrolled-full", func() *gin.Engine {
		r := gin.New()
		r.Use(handRolledFull(prometheus.NewRegistry()))
		return userRoute(r)
	}},
	{"floor", requestFloor(false)},
	{"floor-inflight", requestFloor(true)},
	{"ginprom", withGinprom()},
	// Without the series budget: the budget's cost is ginprom's time
	// minus this row's (benchratio's "budget" column).
	{"ginprom-nolimit", withGinprom(ginprom.WithSeriesLimit(0))},
	// WithEnabled(false) attaches nothing: this row is bare Gin.
	{"ginprom-disabled", withGinprom(ginprom.WithEnabled(false))},
	{"ginprom-sizes-inflight", withGinprom(ginprom.WithRequestSize(), ginprom.WithResponseSize(), ginprom.WithInFlight())},
	{"ginprom-every-signal", withGinprom(ginprom.WithRequestSize(), ginprom.WithResponseSize(), ginprom.WithInFlight(),
		ginprom.WithTotalsByGroup(), ginprom.WithNativeHistograms(1.1),
		ginprom.WithExemplars(func(*gin.Context) prometheus.Labels { return nil }))},
	{"ginprom-path", withGinprom(ginprom.WithGroupBy(ginprom.GroupByPath))},
	{"ginprom-path-nolimit", withGinprom(ginprom.WithGroupBy(ginprom.GroupByPath), ginprom.WithSeriesLimit(0))},
	{"ginprom-handler", withGinprom(ginprom.WithGroupBy(ginprom.GroupByHandler))},
	{"ginprom-func", withGinprom(ginprom.WithGroupBy(ginprom.GroupByFunc("endpoint",
		func(c *gin.Context) string { return "users" })))},
	{"ginprom-summary", withGinprom(ginprom.WithLatencySummary())},
	// The schemas: the same series under other names and label values.
	{"ginprom-bigbrother", withGinprom(ginprom.WithBigBrother("1.0.0"))},
	{"ginprom-semconv", withGinprom(ginprom.WithSemconv())},
	{"ginprom-schema-default", withGinprom(ginprom.WithSchema(ginprom.DefaultSchema("gin")))},
	{"ginprom-schema-custom", withGinprom(ginprom.WithSchema(customSchema))},
	{"decorators", func() *gin.Engine {
		r := gin.New()
		m := ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))
		return userRoute(r,
			m.Counter("users_requests", "Requests for users.", ginprom.Labels{"api": "v1"}),
			m.Gauge("users_in_progress", "Requests for users in progress.", nil),
			m.Histogram("users_duration_seconds", "Duration of requests for users.", nil),
		)
	}},
}

// BenchmarkRequest serves GET /users/42 through each configuration, in a
// b.N loop and in b.RunParallel, where every goroutine hits the same series.
func BenchmarkRequest(b *testing.B) {
	for _, e := range benchEngines {
		b.Run("serial/"+e.name, func(b *testing.B) {
			r := e.build()
			req := httptest.NewRequestWithContext(b.Context(), http.MethodGet, "/users/42", nil)
			w := newDiscard()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r.ServeHTTP(w, req)
			}
		})
	}
	for _, e := range benchEngines {
		b.Run("parallel/"+e.name, func(b *testing.B) {
			r := e.build()
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequestWithContext(b.Context(), http.MethodGet, "/users/42", nil)
				w := newDiscard()
				for pb.Next() {
					r.ServeHTTP(w, req)
				}
			})
		})
	}
}

// BenchmarkNotFound floods each configuration with 1024 distinct unmatched
// URLs. ginprom records them all under one series.
func BenchmarkNotFound(b *testing.B) {
	reqs := make([]*http.Request, 1024)
	for i := range reqs {
		reqs[i] = httptest.NewRequestWithContext(b.Context(), http.MethodGet, fmt.Sprintf("/scan/%d/wp-login.php", i), nil)
	}
	for _, e := range benchEngines {
		switch e.name {
		case "bare", "handrolled", "ginprom", "ginprom-sizes-inflight":
		default:
			continue
		}
		b.Run(e.name, func(b *testing.B) {
			r := e.build()
			w := newDiscard()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r.ServeHTTP(w, reqs[i%len(reqs)])
			}
		})
	}
}

// BenchmarkScrape serves one scrape of 10,000 duration series: through
// m.Handler, through plain promhttp.HandlerFor on the same registry, and
// through promhttp.HandlerFor on a client_golang histogram holding as many
// series.
func BenchmarkScrape(b *testing.B) {
	const n = 10000
	fill := func(r *gin.Engine) {
		w := newDiscard()
		for i := 0; i < n; i++ {
			r.ServeHTTP(w, httptest.NewRequestWithContext(b.Context(), http.MethodGet, "/users/"+strconv.Itoa(i), nil))
		}
	}
	reg := prometheus.NewRegistry()
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithGroupBy(ginprom.GroupByPath))
	fill(userRoute(r))

	// The hand-rolled middleware's histogram, holding the same n series.
	handReg := prometheus.NewRegistry()
	hand := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "handrolled_http_request_duration_seconds", Help: "Request duration.", Buckets: ginprom.DefaultBuckets,
	}, []string{"method", "path", "status"})
	handReg.MustRegister(hand)
	for i := 0; i < n; i++ {
		hand.WithLabelValues("GET", "/users/"+strconv.Itoa(i), "200").Observe(0.001)
	}

	scrapers := []struct {
		name string
		h    http.Handler
	}{
		{"ginprom-handler", ginHandler(m.Handler())},
		{"promhttp-same-registry", promhttp.HandlerFor(reg, promhttp.HandlerOpts{})},
		{"promhttp-handrolled", promhttp.HandlerFor(handReg, promhttp.HandlerOpts{})},
	}
	for _, s := range scrapers {
		b.Run(s.name, func(b *testing.B) {
			req := httptest.NewRequestWithContext(b.Context(), http.MethodGet, "/metrics", nil)
			w := newDiscard()
			runtime.GC() // start each from a collected heap, whatever ran before
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.h.ServeHTTP(w, req)
			}
		})
	}
}

// ginHandler serves a gin.HandlerFunc as the only handler of an engine.
func ginHandler(h gin.HandlerFunc) http.Handler {
	r := gin.New()
	r.GET("/metrics", h)
	return r
}

// BenchmarkMemoryPerSeries reports the heap that 1,000 routes × 3 statuses
// take per series once each has been requested, for ginprom and for the
// hand-rolled middleware: what ginprom caches beyond client_golang's own
// shows in the difference. ginprom-native has native histograms and both
// sizes on.
func BenchmarkMemoryPerSeries(b *testing.B) {
	const routes, statuses = 1000, 3
	build := map[string]func() *gin.Engine{
		"ginprom": func() *gin.Engine {
			r := gin.New()
			ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))
			return r
		},
		// Native histograms beside the classic buckets, with both sizes:
		// what a native series costs.
		"ginprom-native": func() *gin.Engine {
			r := gin.New()
			ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithNativeHistograms(1.1),
				ginprom.WithRequestSize(), ginprom.WithResponseSize())
			return r
		},
		"handrolled": func() *gin.Engine {
			r := gin.New()
			r.Use(handRolled(prometheus.NewRegistry()))
			return r
		},
		// A literal, not gin.New itself: gin.New takes options since Gin
		// 1.10, and make test-newest builds this file with Gin 1.12.
		"bare": func() *gin.Engine { return gin.New() }, //nolint:gocritic // unlambda: gin.New's signature differs between Gin versions
	}
	codes := [statuses]int{200, 404, 500}
	for _, name := range []string{"bare", "handrolled", "ginprom", "ginprom-native"} {
		b.Run(name, func(b *testing.B) {
			var perSeries float64
			for i := 0; i < b.N; i++ {
				r := build[name]()
				for j := 0; j < routes; j++ {
					r.GET(fmt.Sprintf("/r%d/:code", j), func(c *gin.Context) {
						code, _ := strconv.Atoi(c.Param("code"))
						c.Status(code)
					})
				}
				before := heapInUse()
				w := newDiscard()
				for j := 0; j < routes; j++ {
					for _, code := range codes {
						r.ServeHTTP(w, httptest.NewRequestWithContext(b.Context(), http.MethodGet, fmt.Sprintf("/r%d/%d", j, code), nil))
					}
				}
				perSeries = float64(heapInUse()-before) / (routes * statuses)
				runtime.KeepAlive(r)
			}
			b.ReportMetric(perSeries, "B/series")
		})
	}
}

func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc) //nolint:gosec // G115: a heap in use stays far below 2^63 bytes.
}

// statusText is the status label's value by code, from a table, so that
// the label function allocates nothing.
var statusText = func() (t [600]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

func statusLabel(c *gin.Context) string {
	if s := c.Writer.Status(); s >= 0 && s < len(statusText) {
		return statusText[s]
	}
	return "0"
}

// decoratorEngines compare a counter and a histogram decorator with a
// status label against the same two metrics written by hand with
// client_golang vecs, WithLabelValues(...) per request; no default
// metrics in either. make bench prints the decorators' overhead over bare
// Gin as a ratio of the vecs' overhead (the handrolled row); the floor row
// is the least any such pair of decorators could cost (see decoratorFloor).
var decoratorEngines = []benchEngine{
	{"bare", func() *gin.Engine { return userRoute(gin.New()) }},
	{"handrolled", func() *gin.Engine {
		reg := prometheus.NewRegistry()
		total := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "users_requests_total", Help: "Requests for users."}, []string{"status"})
		duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "users_duration_seconds", Help: "Duration of requests for users.", Buckets: ginprom.DefaultBuckets,
		}, []string{"status"})
		reg.MustRegister(total, duration)
		return userRoute(gin.New(), func(c *gin.Context) {
			c.Next()
			total.WithLabelValues(statusLabel(c)).Inc()
		}, func(c *gin.Context) {
			start := time.Now()
			c.Next()
			duration.WithLabelValues(statusLabel(c)).Observe(time.Since(start).Seconds())
		})
	}},
	{"floor", decoratorFloor},
	{"decorators", decoratorPair(nil)},
	// The same decorators in an app with DoNotTrack on another route,
	// which decorators ignore: they stay on their fast path.
	{"decorators-donottrack", decoratorPair((*ginprom.Metrics).DoNotTrack)},
	// With ExcludeAllMetrics on another route, which decorators heed:
	// every request takes their general path, which looks for marks in
	// the request's context.
	{"decorators-exclude", decoratorPair((*ginprom.Metrics).ExcludeAllMetrics)},
}

// decoratorPair is the decorators row: a counter and a histogram labelled
// by the status, with no default metrics; with marker, another route has
// the handler it makes.
func decoratorPair(marker func(*ginprom.Metrics) gin.HandlerFunc) func() *gin.Engine {
	return func() *gin.Engine {
		r := gin.New()
		m := ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithoutDefaults())
		if marker != nil {
			r.GET("/health", marker(m), func(c *gin.Context) { c.Status(http.StatusOK) })
		}
		status := ginprom.Labels{"status": statusLabel}
		return userRoute(r,
			m.Counter("users_requests", "Requests for users.", status),
			m.Histogram("users_duration_seconds", "Duration of requests for users.", status),
		)
	}
}

// BenchmarkDecorators serves GET /users/42 through bare Gin, the two vecs
// by hand and the two decorators, serially and in parallel.
func BenchmarkDecorators(b *testing.B) {
	for _, mode := range []string{"serial", "parallel"} {
		for _, e := range decoratorEngines {
			b.Run(mode+"/"+e.name, func(b *testing.B) {
				r := e.build()
				b.ReportAllocs()
				b.ResetTimer()
				if mode == "serial" {
					req := httptest.NewRequestWithContext(b.Context(), http.MethodGet, "/users/42", nil)
					w := newDiscard()
					for i := 0; i < b.N; i++ {
						r.ServeHTTP(w, req)
					}
					return
				}
				b.RunParallel(func(pb *testing.PB) {
					req := httptest.NewRequestWithContext(b.Context(), http.MethodGet, "/users/42", nil)
					w := newDiscard()
					for pb.Next() {
						r.ServeHTTP(w, req)
					}
				})
			})
		}
	}
}

// floorEpoch is the origin of the floor rows' monotonic clock readings.
var floorEpoch = time.Now()

// floorHistogram is the least a histogram of one series made in advance
// can do per observation: a bucket search, one bucket count and one sum.
type floorHistogram struct {
	counts []atomic.Uint64
	sum    atomic.Uint64
}

func newFloorHistogram() *floorHistogram {
	return &floorHistogram{counts: make([]atomic.Uint64, len(ginprom.DefaultBuckets)+1)}
}

func (h *floorHistogram) observe(v float64) {
	i := len(ginprom.DefaultBuckets)
	for j, b := range ginprom.DefaultBuckets {
		if v <= b {
			i = j
			break
		}
	}
	h.counts[i].Add(1)
	for {
		old := h.sum.Load()
		if h.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// decoratorFloor is the least that a counter and a histogram decorator
// with a status label can do: two handlers, the label function once each,
// two clock readings, and on one series made in advance one atomic add for
// the counter, one bucket count and one sum for the histogram. No lookup,
// no shard, no recover.
func decoratorFloor() *gin.Engine {
	var count atomic.Uint64
	h := newFloorHistogram()
	return userRoute(gin.New(), func(c *gin.Context) {
		c.Next()
		if statusLabel(c) != "" {
			count.Add(1)
		}
	}, func(c *gin.Context) {
		start := time.Since(floorEpoch)
		c.Next()
		v := float64(time.Since(floorEpoch)-start) * 1e-9
		if statusLabel(c) != "" {
			h.observe(v)
		}
	})
}

// requestFloor is the least a middleware recording each request's
// duration can do: two clock readings and floorHistogram's observation on
// one series made in advance, with no route, status, label or shard. With
// inFlight it also adds one to a started counter before the chain, the
// one atomic write an in-flight gauge needs there. The rows floor and
// floor-inflight bound ginprom's defaults and its sizes and in-flight row
// from below (the benchmark's bodies are empty, so sizes add no write).
func requestFloor(inFlight bool) func() *gin.Engine {
	return func() *gin.Engine {
		var started atomic.Uint64
		h := newFloorHistogram()
		r := gin.New()
		r.Use(func(c *gin.Context) {
			if inFlight {
				started.Add(1)
			}
			start := time.Since(floorEpoch)
			c.Next()
			h.observe(float64(time.Since(floorEpoch)-start) * 1e-9)
		})
		return userRoute(r)
	}
}
