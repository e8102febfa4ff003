package schemas

import (
	"github.com/gin-contrib/ginprom"
	"github.com/prometheus/client_golang/prometheus"
)

// GinPrometheus returns the request metrics of zsais/go-gin-prometheus with
// its default subsystem gin: gin_request_duration_seconds{code, method,
// url} with prometheus.DefBuckets and gin_requests_total{code, method,
// handler, host, url}.
//
// url, the raw path there, and handler, the handler function's name there,
// hold the route template; host, the client's Host header there, is empty.
// Its unlabelled size summaries are not reproduced.
func GinPrometheus() ginprom.Schema {
	return ginprom.Schema{
		Duration: ginprom.Family{
			Name: "gin_request_duration_seconds", Help: "The HTTP request latencies in seconds.",
			Labels: []ginprom.Label{
				{Name: "code", Value: ginprom.Status},
				{Name: "method", Value: ginprom.Method},
				{Name: "url", Value: ginprom.Route},
			},
		},
		Requests: ginprom.Family{
			Name: "gin_requests_total", Help: "How many HTTP requests processed, partitioned by status code and HTTP method.",
			Labels: []ginprom.Label{
				{Name: "code", Value: ginprom.Status},
				{Name: "method", Value: ginprom.Method},
				{Name: "handler", Value: ginprom.Route},
				{Name: "host", Value: ginprom.Const("")},
				{Name: "url", Value: ginprom.Route},
			},
		},
		Buckets: prometheus.DefBuckets,
	}
}
