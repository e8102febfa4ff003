package ginprom_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Request and response sizes, histograms with the duration's labels.
func ExampleWithResponseSize() {
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()),
		ginprom.WithRequestSize(), ginprom.WithResponseSize())
	r.POST("/echo", func(c *gin.Context) {
		b, _ := c.GetRawData()
		c.Data(http.StatusOK, "text/plain", b)
	})

	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/echo", strings.NewReader("hello"))
	r.ServeHTTP(httptest.NewRecorder(), req)
	get(r, "/no/such/page") // Gin answers "404 page not found": 18 bytes

	printMetrics(r, "gin_http_request_size_bytes_sum", "gin_http_response_size_bytes_sum")
	// Output:
	// gin_http_request_size_bytes_sum{method="GET",path="<unmatched>",status="404"} 0
	// gin_http_request_size_bytes_sum{method="POST",path="/echo",status="200"} 5
	// gin_http_response_size_bytes_sum{method="GET",path="<unmatched>",status="404"} 18
	// gin_http_response_size_bytes_sum{method="POST",path="/echo",status="200"} 5
}

// The requests being served now, by method.
func ExampleWithInFlight() {
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithInFlight())
	r.GET("/report", func(c *gin.Context) {
		// A handler sees itself in flight; a scrape never counts itself.
		printMetrics(r, "gin_http_requests_in_flight{")
		c.Status(http.StatusOK)
	})

	get(r, "/report")
	printMetrics(r, "gin_http_requests_in_flight{")
	// Output:
	// gin_http_requests_in_flight{method="GET"} 1
	// gin_http_requests_in_flight{method="GET"} 0
}

// Requests per route in the counter, without the histogram.
func ExampleWithTotalsByGroup() {
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithTotalsByGroup())
	r.GET("/users/:id", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/items", func(c *gin.Context) { c.Status(http.StatusOK) })

	get(r, "/users/1")
	get(r, "/users/2")
	get(r, "/items")
	printMetrics(r, "gin_http_request_total")
	// Output:
	// gin_http_request_total{method="GET",path="/items",status="200"} 1
	// gin_http_request_total{method="GET",path="/users/:id",status="200"} 2
}

// Trace ids as exemplars of the duration histogram, shown in the
// OpenMetrics exposition. See _examples/otel for OpenTelemetry's.
func ExampleWithExemplars() {
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()),
		ginprom.WithBuckets(1), // one bucket, so that the output is fixed
		ginprom.WithExemplars(func(c *gin.Context) prometheus.Labels {
			if id := c.GetHeader("X-Trace-Id"); id != "" {
				return prometheus.Labels{"trace_id": id}
			}
			return nil // no exemplar, no allocation
		}))
	r.GET("/", func(c *gin.Context) { c.Status(http.StatusOK) })

	req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/", nil)
	req.Header.Set("X-Trace-Id", "4bf92f3577b34da6a3ce929d0e0e4736")
	r.ServeHTTP(httptest.NewRecorder(), req)

	scrape := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/metrics", nil)
	scrape.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
	w := httptest.NewRecorder()
	r.ServeHTTP(w, scrape)
	sc := bufio.NewScanner(w.Body)
	for sc.Scan() {
		if sample, ex, ok := strings.Cut(sc.Text(), " # "); ok {
			labels, _, _ := strings.Cut(ex, " ") // the value and time vary
			fmt.Println(sample, "#", labels)
		}
	}
	// Output:
	// gin_http_request_duration_seconds_bucket{method="GET",path="/",status="200",le="1.0"} 1 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736"}
}

// Native histograms beside the classic buckets, for a Prometheus that
// scrapes the protobuf format with --enable-feature=native-histograms.
func ExampleWithNativeHistograms() {
	reg := prometheus.NewRegistry()
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithNativeHistograms(1.1), ginprom.WithResponseSize())
	r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "hello") })
	get(r, "/")

	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "gin_http_response_size_bytes" {
			h := mf.GetMetric()[0].GetHistogram()
			fmt.Println("schema", h.GetSchema(), "classic buckets", len(h.GetBucket()),
				"native bucket", h.GetPositiveSpan()[0].GetOffset(), "count", h.GetSampleCount())
		}
	}
	// Output:
	// schema 3 classic buckets 7 native bucket 19 count 1
}

// Leave synthetic probes out of every metric.
func ExampleWithSkipper() {
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()),
		ginprom.WithSkipper(func(c *gin.Context) bool { return c.GetHeader("X-Probe") == "secret" }))
	r.GET("/", func(c *gin.Context) { c.Status(http.StatusOK) })

	get(r, "/")
	probe := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/", nil)
	probe.Header.Set("X-Probe", "secret")
	r.ServeHTTP(httptest.NewRecorder(), probe)

	printMetrics(r, "gin_http_request_total")
	// Output:
	// gin_http_request_total{method="GET",status="200"} 1
}
