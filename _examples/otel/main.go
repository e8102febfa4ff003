// Command otel shows OpenTelemetry trace ids as exemplars of ginprom's
// duration histogram: a request's trace id is attached, as trace_id, to the
// duration bucket it fell in, so a dashboard can jump from a slow bucket to
// the trace of a request in it.
//
//	go run .     # metrics on http://localhost:8080/metrics
//	curl -H 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' localhost:8080/users/1
//	curl -H 'Accept: application/openmetrics-text' localhost:8080/metrics | grep trace_id
//
// Prometheus stores the exemplars with --enable-feature=exemplar-storage,
// and scrapes the native histograms that this example also turns on with
// the scrape setting scrape_native_histograms: true on Prometheus 3, or
// --enable-feature=native-histograms on Prometheus 2. The OpenTelemetry SDK is this
// example's dependency, not ginprom's: ginprom only calls the function given
// to WithExemplars.
package main

import (
	"context"
	"flag"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func main() {
	addr := flag.String("addr", envOr("ADDR", ":8080"), "address to listen on")
	flag.Parse()

	// Every trace is sampled. A real service would also register an
	// exporter, to send the spans to a tracing backend.
	tp := sdktrace.NewTracerProvider()
	defer func() {
		if err := tp.Shutdown(context.Background()); err != nil {
			log.Print(err)
		}
	}()

	r := newRouter(tp.Tracer("github.com/gin-contrib/ginprom/_examples/otel"))
	log.Printf("listening on %s; metrics at http://localhost%s/metrics", *addr, *addr)
	srv := &http.Server{Addr: *addr, Handler: r, ReadHeaderTimeout: 10 * time.Second}
	log.Print(srv.ListenAndServe())
}

// newRouter builds the application: tracing first, so that the span of a
// request is in its context when ginprom asks for the exemplar, then
// ginprom, then the routes.
func newRouter(tracer trace.Tracer) *gin.Engine {
	r := gin.New()
	r.Use(gin.Recovery(), tracing(tracer))
	ginprom.New(r,
		ginprom.WithExemplars(traceExemplar),
		ginprom.WithNativeHistograms(1.1),
		ginprom.WithRequestSize(),
		ginprom.WithResponseSize(),
		ginprom.WithInFlight(),
		ginprom.WithExcludedPaths("/health$"),
	)

	r.GET("/health", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.GET("/users/:id", func(c *gin.Context) {
		// Made-up work, so that the durations spread over some buckets.
		time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond) //nolint:gosec // G404: the example's latency needs no secure randomness.
		c.JSON(http.StatusOK, gin.H{"id": c.Param("id")})
	})
	return r
}

// propagator reads the W3C traceparent header, so that a request that
// comes with a trace continues it.
var propagator = propagation.TraceContext{}

// tracing starts a span for each request, continuing the caller's trace
// when the request carries one.
func tracing(tracer trace.Tracer) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := propagator.Extract(c.Request.Context(), propagation.HeaderCarrier(c.Request.Header))
		name := c.FullPath()
		if name == "" {
			name = "unmatched"
		}
		ctx, span := tracer.Start(ctx, c.Request.Method+" "+name, trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// traceExemplar is the exemplar of a request: its trace id, when the trace
// is sampled. Returning nil records none, and costs nothing.
func traceExemplar(c *gin.Context) prometheus.Labels {
	sc := trace.SpanContextFromContext(c.Request.Context())
	if !sc.IsSampled() {
		return nil
	}
	return prometheus.Labels{"trace_id": sc.TraceID().String()}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
