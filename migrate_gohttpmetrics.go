package ginprom

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

// GoHTTPMetricsSchema returns the metrics of slok/go-http-metrics' Prometheus
// recorder with its default label names and no prefix, for the service
// named service: http_request_duration_seconds{service, handler, method,
// code} with prometheus.DefBuckets, http_response_size_bytes with the same
// labels (with [WithResponseSize], and
// [WithSizeBuckets](GoHTTPMetricsSizeBuckets...) for its buckets),
// and http_requests_inflight{service, handler} (with [WithInFlight]).
//
// handler is the route template. On the in-flight gauge it is empty:
// ginprom keeps that gauge by method, not by route.
func GoHTTPMetricsSchema(service string) Schema {
	labels := []Label{
		{Name: "service", Value: Const(service)},
		{Name: "handler", Value: Route},
		{Name: "method", Value: Method},
		{Name: "code", Value: Status},
	}
	return Schema{
		Duration:     Family{Name: "http_request_duration_seconds", Help: "The latency of the HTTP requests.", Labels: labels},
		ResponseSize: Family{Name: "http_response_size_bytes", Help: "The size of the HTTP responses.", Labels: labels},
		InFlight: Family{
			Name: "http_requests_inflight", Help: "The number of inflight requests being handled at the same time.",
			Labels: []Label{{Name: "service", Value: Const(service)}, {Name: "handler", Value: Const("")}},
		},
		Buckets: slices.Clone(prometheus.DefBuckets),
	}
}

// GoHTTPMetricsSizeBuckets are go-http-metrics' response size buckets, 100
// bytes to 1 GB by tenfold steps, for [WithSizeBuckets].
var GoHTTPMetricsSizeBuckets = []float64{1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}
