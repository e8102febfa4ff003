package ginprom

// FlaskWorkersSchema returns the request_count / request_latency_seconds pair of
// the multi-worker Flask setup, for the application named app:
// request_count_total{app_name, method, endpoint, http_status} (the name
// prometheus_client gives the counter request_count) and
// request_latency_seconds{app_name, endpoint} with prometheus_client's
// default buckets. endpoint, the request's path there, is the route
// template.
func FlaskWorkersSchema(app string) Schema {
	return Schema{
		Duration: Family{
			Name: "request_latency_seconds", Help: "Request latency",
			Labels: []Label{
				{Name: "app_name", Value: Const(app)},
				{Name: "endpoint", Value: Route},
			},
		},
		Requests: Family{
			Name: "request_count_total", Help: "App Request Count",
			Labels: []Label{
				{Name: "app_name", Value: Const(app)},
				{Name: "method", Value: Method},
				{Name: "endpoint", Value: Route},
				{Name: "http_status", Value: Status},
			},
		},
	}
}
