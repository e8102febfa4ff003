package ginprom_test

import (
	"net/http"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// A custom schema: the names a team's dashboards already read. Every label
// takes a request value or a constant; families a schema leaves unnamed
// are not exposed.
func ExampleWithSchema() {
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithSchema(ginprom.Schema{
		Duration: ginprom.Family{Name: "api_latency_seconds", Labels: []ginprom.Label{
			{Name: "service", Value: ginprom.Const("billing")},
			{Name: "route", Value: ginprom.Route},
			{Name: "method", Value: ginprom.Method},
			{Name: "code", Value: ginprom.Status},
		}},
		Requests: ginprom.Family{Name: "api_requests_total", Labels: []ginprom.Label{
			{Name: "service", Value: ginprom.Const("billing")},
			{Name: "code", Value: ginprom.Status},
		}},
		Buckets: []float64{0.1, 1},
	}))
	r.GET("/invoices/:id", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	get(r, "/invoices/1")
	get(r, "/invoices/2")
	get(r, "/nowhere")
	printMetrics(r, "api_latency_seconds_count", "api_requests_total")
	// Output:
	// api_latency_seconds_count{code="200",method="GET",route="/invoices/:id",service="billing"} 2
	// api_latency_seconds_count{code="404",method="GET",route="<unmatched>",service="billing"} 1
	// api_requests_total{code="200",service="billing"} 2
	// api_requests_total{code="404",service="billing"} 1
}
