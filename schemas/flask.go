package schemas

import "github.com/gin-contrib/ginprom"

// FlaskWorkers returns the request_count / request_latency_seconds pair of
// the multi-worker Flask setup, for the application named app:
// request_count_total{app_name, method, endpoint, http_status} (the name
// prometheus_client gives the counter request_count) and
// request_latency_seconds{app_name, endpoint} with prometheus_client's
// default buckets. endpoint, the request's path there, is the route
// template.
func FlaskWorkers(app string) ginprom.Schema {
	return ginprom.Schema{
		Duration: ginprom.Family{
			Name: "request_latency_seconds", Help: "Request latency",
			Labels: []ginprom.Label{
				{Name: "app_name", Value: ginprom.Const(app)},
				{Name: "endpoint", Value: ginprom.Route},
			},
		},
		Requests: ginprom.Family{
			Name: "request_count_total", Help: "App Request Count",
			Labels: []ginprom.Label{
				{Name: "app_name", Value: ginprom.Const(app)},
				{Name: "method", Value: ginprom.Method},
				{Name: "endpoint", Value: ginprom.Route},
				{Name: "http_status", Value: ginprom.Status},
			},
		},
	}
}
