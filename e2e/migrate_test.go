package e2e

import (
	"math"
	"net/http"
	"testing"
)

// TestMigrationSchemas runs _examples/migrate under each schema of package
// schemas (Synse Server's is TestSessionsSynse, with Synse's own dashboard)
// against a real Prometheus, with a few of that system's own typical
// queries; each must return data, and none a NaN alone.
func TestMigrationSchemas(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		schema  string
		queries []string
	}{
		{
			// slok/go-http-metrics, Readme.md, "Prometheus query examples".
			"go-http-metrics", []string{
				`sum(rate(http_request_duration_seconds_count[30s])) by (handler)`,
				`rate(http_request_duration_seconds_count{code=~"5.."}[30s])`,
				`histogram_quantile(0.99, rate(http_request_duration_seconds_bucket[5m]))`,
				`histogram_quantile(0.9, sum(rate(http_request_duration_seconds_bucket[10m])) by (handler, le))`,
				`http_requests_inflight{service="orders"}`,
				`sum by (handler) (rate(http_response_size_bytes_sum[1m]))`,
			},
		},
		{
			// penglongli/gin-metrics, grafana/grafana.json: the panels over
			// the metrics the schema reproduces.
			"gin-metrics", []string{
				`sum by(uri, instance) (gin_uri_request_total)`,
				`sum by(method, instance) (gin_uri_request_total)`,
				`sum by(code, instance) (gin_uri_request_total)`,
				`histogram_quantile(0.95, sum (rate(gin_request_duration_bucket[5m])) by (le, instance))`,
				`histogram_quantile(0.99, sum (rate(gin_request_duration_bucket[5m])) by (le, instance))`,
				`sum (gin_request_duration_sum) / sum(gin_request_duration_count)`,
			},
		},
		{
			// zsais/go-gin-prometheus ships no dashboard or rules; these read
			// its two request metrics as its README describes them (the
			// requests partitioned by status code and method, the latency).
			"gin-prometheus", []string{
				`sum by (code, method) (rate(gin_requests_total[1m]))`,
				`sum by (url) (rate(gin_requests_total{code=~"5.."}[1m]))`,
				`histogram_quantile(0.95, sum by (le, url) (rate(gin_request_duration_seconds_bucket[5m])))`,
			},
		},
		{
			// The multi-worker Flask setup publishes no queries of its own;
			// these are the usual ones over its names: requests by endpoint
			// and status, the error ratio, p95 latency by endpoint.
			"flask", []string{
				`sum by (endpoint, http_status) (rate(request_count_total{app_name="orders"}[1m]))`,
				`sum(rate(request_count_total{http_status=~"5.."}[1m])) / sum(rate(request_count_total[1m]))`,
				`histogram_quantile(0.95, sum by (le, endpoint) (rate(request_latency_seconds_bucket[5m])))`,
			},
		},
	} {
		t.Run(tc.schema, func(t *testing.T) {
			eachVersion(t, func(t *testing.T, v *PromVersion) {
				addr := freeAddr(t)
				startApp(t, "migrate "+tc.schema, buildExample(t, "migrate"), addr, "/health", []string{"GIN_MODE=release"}, "-addr", addr, "-schema", tc.schema)
				prom := startPrometheus(t, v, PromOptions{Config: "global:\n  scrape_interval: 1s\nscrape_configs:\n" + scrapeConfig("migrate", []string{addr})})
				base := "http://" + addr
				traffic := func() {
					for _, p := range []string{"/orders/1", "/orders/2", "/orders/0", "/fail", "/nowhere"} {
						mustDo(t, http.MethodGet, base+p)
					}
					mustDo(t, http.MethodPost, base+"/orders")
				}
				// Traffic before and after the first scrape that has it, so
				// that every rate has an increase to show.
				traffic()
				prom.WaitQuery(t, `up{job="migrate"} == 1`, NonEmpty)
				prom.WaitQuery(t, `scrape_samples_scraped{job="migrate"} > 0`, NonEmpty)
				for _, q := range tc.queries {
					prom.WaitQuery(t, q, func(s []Sample) bool {
						if len(s) == 0 {
							return false
						}
						traffic()
						for _, x := range s {
							if !math.IsNaN(x.Value) {
								return true
							}
						}
						return false
					})
				}
			})
		})
	}
}
