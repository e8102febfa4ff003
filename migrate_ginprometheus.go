package ginprom

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

// GinPrometheusSchema returns the request metrics of zsais/go-gin-prometheus with
// its default subsystem gin: gin_request_duration_seconds{code, method,
// url} with prometheus.DefBuckets and gin_requests_total{code, method,
// handler, host, url}.
//
// url, the raw path there, and handler, the handler function's name there,
// hold the route template; host, the client's Host header there, is empty.
// Its unlabelled size summaries are not reproduced.
func GinPrometheusSchema() Schema {
	return Schema{
		Duration: Family{
			Name: "gin_request_duration_seconds", Help: "The HTTP request latencies in seconds.",
			Labels: []Label{
				{Name: "code", Value: Status},
				{Name: "method", Value: Method},
				{Name: "url", Value: Route},
			},
		},
		Requests: Family{
			Name: "gin_requests_total", Help: "How many HTTP requests processed, partitioned by status code and HTTP method.",
			Labels: []Label{
				{Name: "code", Value: Status},
				{Name: "method", Value: Method},
				{Name: "handler", Value: Route},
				{Name: "host", Value: Const("")},
				{Name: "url", Value: Route},
			},
		},
		Buckets: slices.Clone(prometheus.DefBuckets),
	}
}
