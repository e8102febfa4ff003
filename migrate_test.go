package ginprom_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// migrateBuckets returns the upper bounds of the first series of the histogram
// name.
func migrateBuckets(t *testing.T, reg prometheus.Gatherer, name string) []float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			var out []float64
			for _, b := range mf.GetMetric()[0].GetHistogram().GetBucket() {
				out = append(out, b.GetUpperBound())
			}
			return out
		}
	}
	t.Fatalf("no family %s", name)
	return nil
}

// pythonBuckets are prometheus_client's default histogram buckets.
var pythonBuckets = []float64{.005, .01, .025, .05, .075, .1, .25, .5, .75, 1, 2.5, 5, 7.5, 10}

// TestMigrationSchemas: each schema exposes exactly its system's families, types,
// label names and buckets, and counts as it does.
func TestMigrationSchemas(t *testing.T) {
	t.Run("Synse", func(t *testing.T) {
		reg := migrationApp(t, ginprom.WithSchema(ginprom.SynseSchema()))
		assert.Equal(t, []string{
			"synse_http_request_count_total counter endpoint,http_code,ip,method,template",
			"synse_http_request_latency_sec histogram endpoint,http_code,ip,method,template",
			"synse_http_response_bytes_total counter endpoint,http_code,ip,method,template",
			"synse_websocket_error_response_count_total counter event",
			"synse_websocket_request_bytes_total counter event",
			"synse_websocket_request_count_total counter event",
			"synse_websocket_request_latency_sec histogram event",
			"synse_websocket_response_bytes_total counter event",
		}, shapes(t, reg))
		require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`# HELP synse_http_request_count_total The total number of HTTP requests processed
# TYPE synse_http_request_count_total counter
synse_http_request_count_total{endpoint="/v3/read/:id",http_code="200",ip="",method="GET",template="/v3/read/:id"} 2
synse_http_request_count_total{endpoint="<unmatched>",http_code="404",ip="",method="GET",template="<unmatched>"} 1
# HELP synse_websocket_request_count_total The total number of WebSocket requests processed
# TYPE synse_websocket_request_count_total counter
synse_websocket_request_count_total{event="request/read"} 2
# HELP synse_websocket_error_response_count_total The total number of error responses returned by the WebSocket API
# TYPE synse_websocket_error_response_count_total counter
synse_websocket_error_response_count_total{event="request/read"} 1
# HELP synse_websocket_response_bytes_total The total number of bytes returned from the WebSocket API
# TYPE synse_websocket_response_bytes_total counter
synse_websocket_response_bytes_total{event="request/read"} 100
`), "synse_http_request_count_total", "synse_websocket_request_count_total", "synse_websocket_error_response_count_total", "synse_websocket_response_bytes_total"))
		assert.Equal(t, pythonBuckets, migrateBuckets(t, reg, "synse_http_request_latency_sec"))
	})
	t.Run("GoHTTPMetrics", func(t *testing.T) {
		reg := migrationApp(t, ginprom.WithSchema(ginprom.GoHTTPMetricsSchema("store")), ginprom.WithResponseSize(),
			ginprom.WithSizeBuckets(ginprom.GoHTTPMetricsSizeBuckets...), ginprom.WithInFlight())
		assert.Equal(t, []string{
			"http_request_duration_seconds histogram code,handler,method,service",
			"http_requests_inflight gauge handler,service",
			"http_response_size_bytes histogram code,handler,method,service",
		}, shapes(t, reg))
		require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`# HELP http_requests_inflight The number of inflight requests being handled at the same time.
# TYPE http_requests_inflight gauge
http_requests_inflight{handler="",service="store"} 0
`), "http_requests_inflight"))
		assert.Equal(t, prometheus.ExponentialBuckets(100, 10, 8), migrateBuckets(t, reg, "http_response_size_bytes"))
		assert.Equal(t, prometheus.DefBuckets, migrateBuckets(t, reg, "http_request_duration_seconds"))
	})
	t.Run("GinPrometheus", func(t *testing.T) {
		reg := migrationApp(t, ginprom.WithSchema(ginprom.GinPrometheusSchema()))
		assert.Equal(t, []string{
			"gin_request_duration_seconds histogram code,method,url",
			"gin_requests_total counter code,handler,host,method,url",
		}, shapes(t, reg))
		require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`# HELP gin_requests_total How many HTTP requests processed, partitioned by status code and HTTP method.
# TYPE gin_requests_total counter
gin_requests_total{code="200",handler="/v3/read/:id",host="",method="GET",url="/v3/read/:id"} 2
gin_requests_total{code="404",handler="<unmatched>",host="",method="GET",url="<unmatched>"} 1
`), "gin_requests_total"))
		assert.Equal(t, prometheus.DefBuckets, migrateBuckets(t, reg, "gin_request_duration_seconds"))
	})
	t.Run("GinMetrics", func(t *testing.T) {
		reg := migrationApp(t, ginprom.WithSchema(ginprom.GinMetricsSchema()))
		assert.Equal(t, []string{
			"gin_request_duration histogram uri",
			"gin_uri_request_total counter code,method,uri",
		}, shapes(t, reg))
		require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`# HELP gin_uri_request_total all the server received request num with every uri.
# TYPE gin_uri_request_total counter
gin_uri_request_total{code="200",method="GET",uri="/v3/read/:id"} 2
gin_uri_request_total{code="404",method="GET",uri="<unmatched>"} 1
`), "gin_uri_request_total"))
		assert.Equal(t, []float64{0.1, 0.3, 1.2, 5, 10}, migrateBuckets(t, reg, "gin_request_duration"))
	})
	t.Run("FlaskWorkers", func(t *testing.T) {
		reg := migrationApp(t, ginprom.WithSchema(ginprom.FlaskWorkersSchema("shop")))
		assert.Equal(t, []string{
			"request_count_total counter app_name,endpoint,http_status,method",
			"request_latency_seconds histogram app_name,endpoint",
		}, shapes(t, reg))
		require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`# HELP request_count_total App Request Count
# TYPE request_count_total counter
request_count_total{app_name="shop",endpoint="/v3/read/:id",http_status="200",method="GET"} 2
request_count_total{app_name="shop",endpoint="<unmatched>",http_status="404",method="GET"} 1
`), "request_count_total"))
		assert.Equal(t, pythonBuckets, migrateBuckets(t, reg, "request_latency_seconds"))
	})
}

// TestMigrationSchemasFresh: each call returns a Schema of its own, so that changing
// one changes no other.
func TestMigrationSchemasFresh(t *testing.T) {
	a, b := ginprom.SynseSchema(), ginprom.SynseSchema()
	a.Duration.Labels[0].Name = "changed"
	assert.Equal(t, "method", b.Duration.Labels[0].Name)
}

// TestMigrationSchemaBucketsOwn: the buckets of a schema are its own: a
// change to them changes neither another call's nor client_golang's
// prometheus.DefBuckets, which every histogram without buckets of its own
// uses. The schemas with prometheus_client's buckets used to return
// prometheus.DefBuckets itself.
func TestMigrationSchemaBucketsOwn(t *testing.T) {
	want := slices.Clone(prometheus.DefBuckets)
	for name, schema := range map[string]func() ginprom.Schema{
		"GoHTTPMetricsSchema": func() ginprom.Schema { return ginprom.GoHTTPMetricsSchema("x") },
		"GinPrometheusSchema": ginprom.GinPrometheusSchema,
		"GinMetricsSchema":    ginprom.GinMetricsSchema,
		"SynseSchema":         ginprom.SynseSchema,
		"FlaskWorkersSchema":  func() ginprom.Schema { return ginprom.FlaskWorkersSchema("x") },
		"DefaultSchema":       func() ginprom.Schema { return ginprom.DefaultSchema("gin") },
		"BigBrotherSchema":    func() ginprom.Schema { return ginprom.BigBrotherSchema("1") },
		"SemconvSchema":       ginprom.SemconvSchema,
	} {
		t.Run(name, func(t *testing.T) {
			defer copy(prometheus.DefBuckets, want) // should the case fail
			a, b := schema(), schema()
			before := slices.Clone(b.Buckets)
			for i := range a.Buckets {
				a.Buckets[i] = -1
			}
			assert.Equal(t, before, b.Buckets, "another call's buckets")
			assert.Equal(t, want, prometheus.DefBuckets, "prometheus.DefBuckets")
		})
	}
}
