package ginprom

// GinMetricsSchema returns the request metrics of penglongli/gin-metrics:
// gin_uri_request_total{uri, method, code} and gin_request_duration{uri}
// with its buckets 0.1, 0.3, 1.2, 5 and 10. uri is the route template.
// Its unlabelled totals, distinct client count and slow request count are
// not reproduced.
func GinMetricsSchema() Schema {
	return Schema{
		Duration: Family{
			Name: "gin_request_duration", Help: "the time server took to handle the request.",
			Labels: []Label{{Name: "uri", Value: Route}},
		},
		Requests: Family{
			Name: "gin_uri_request_total", Help: "all the server received request num with every uri.",
			Labels: []Label{
				{Name: "uri", Value: Route},
				{Name: "method", Value: Method},
				{Name: "code", Value: Status},
			},
		},
		Buckets: []float64{0.1, 0.3, 1.2, 5, 10},
	}
}
