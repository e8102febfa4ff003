package schemas

import "github.com/gin-contrib/ginprom"

// GinMetrics returns the request metrics of penglongli/gin-metrics:
// gin_uri_request_total{uri, method, code} and gin_request_duration{uri}
// with its buckets 0.1, 0.3, 1.2, 5 and 10. uri is the route template.
// Its unlabelled totals, distinct client count and slow request count are
// not reproduced.
func GinMetrics() ginprom.Schema {
	return ginprom.Schema{
		Duration: ginprom.Family{
			Name: "gin_request_duration", Help: "the time server took to handle the request.",
			Labels: []ginprom.Label{{Name: "uri", Value: ginprom.Route}},
		},
		Requests: ginprom.Family{
			Name: "gin_uri_request_total", Help: "all the server received request num with every uri.",
			Labels: []ginprom.Label{
				{Name: "uri", Value: ginprom.Route},
				{Name: "method", Value: ginprom.Method},
				{Name: "code", Value: ginprom.Status},
			},
		},
		Buckets: []float64{0.1, 0.3, 1.2, 5, 10},
	}
}
