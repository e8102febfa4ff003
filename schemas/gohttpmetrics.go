package schemas

import (
	"github.com/gin-contrib/ginprom"
	"github.com/prometheus/client_golang/prometheus"
)

// GoHTTPMetrics returns the metrics of slok/go-http-metrics' Prometheus
// recorder with its default label names and no prefix, for the service
// named service: http_request_duration_seconds{service, handler, method,
// code} with prometheus.DefBuckets, http_response_size_bytes with the same
// labels (with [ginprom.WithResponseSize], and
// [ginprom.WithSizeBuckets](GoHTTPMetricsSizeBuckets...) for its buckets),
// and http_requests_inflight{service, handler} (with [ginprom.WithInFlight]).
//
// handler is the route template. On the in-flight gauge it is empty:
// ginprom keeps that gauge by method, not by route.
func GoHTTPMetrics(service string) ginprom.Schema {
	labels := []ginprom.Label{
		{Name: "service", Value: ginprom.Const(service)},
		{Name: "handler", Value: ginprom.Route},
		{Name: "method", Value: ginprom.Method},
		{Name: "code", Value: ginprom.Status},
	}
	return ginprom.Schema{
		Duration:     ginprom.Family{Name: "http_request_duration_seconds", Help: "The latency of the HTTP requests.", Labels: labels},
		ResponseSize: ginprom.Family{Name: "http_response_size_bytes", Help: "The size of the HTTP responses.", Labels: labels},
		InFlight: ginprom.Family{
			Name: "http_requests_inflight", Help: "The number of inflight requests being handled at the same time.",
			Labels: []ginprom.Label{{Name: "service", Value: ginprom.Const(service)}, {Name: "handler", Value: ginprom.Const("")}},
		},
		Buckets: prometheus.DefBuckets,
	}
}

// GoHTTPMetricsSizeBuckets are go-http-metrics' response size buckets, 100
// bytes to 1 GB by tenfold steps, for [ginprom.WithSizeBuckets].
var GoHTTPMetricsSizeBuckets = []float64{1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}
