package ginprom_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The schemas of the README's "Migrating" section: each reproduces the
// names, types, labels and buckets of a system a Gin application replaces,
// as far as they can be.

func lbl(pairs ...any) []ginprom.Label {
	out := make([]ginprom.Label, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, ginprom.Label{Name: pairs[i].(string), Value: pairs[i+1].(ginprom.Value)})
	}
	return out
}

// customSchema is a schema of one's own, with every request value that
// varies per request: the benchmarks and allocation tests measure it.
var customSchema = ginprom.Schema{
	Duration: ginprom.Family{Name: "api_latency_seconds", Labels: lbl("service", ginprom.Const("api"), "route", ginprom.Route,
		"method", ginprom.Method, "code", ginprom.Status, "scheme", ginprom.Scheme, "failed", ginprom.IsError, "reason", ginprom.ErrorMessage)},
	Requests:      ginprom.Family{Name: "api_requests_total", Labels: lbl("code", ginprom.Status, "failed", ginprom.IsError)},
	ResponseBytes: ginprom.Family{Name: "api_response_bytes_total"},
	InFlight:      ginprom.Family{Name: "api_in_flight", Labels: lbl("method", ginprom.MethodOTel, "scheme", ginprom.Scheme)},
}

// pythonBuckets are prometheus_client's default histogram buckets.
var pythonBuckets = []float64{.005, .01, .025, .05, .075, .1, .25, .5, .75, 1, 2.5, 5, 7.5, 10}

// synseSchema is Synse Server's HTTP and WebSocket application metrics.
func synseSchema() ginprom.Schema {
	http := lbl("method", ginprom.Method, "template", ginprom.Route, "endpoint", ginprom.Route,
		"http_code", ginprom.Status, "ip", ginprom.Const(""))
	event := lbl("event", ginprom.Event)
	return ginprom.Schema{
		Duration:        ginprom.Family{Name: "synse_http_request_latency_sec", Help: "The time it takes for an HTTP request to be fulfilled", Labels: http},
		Requests:        ginprom.Family{Name: "synse_http_request_count_total", Help: "The total number of HTTP requests processed", Labels: http},
		ResponseBytes:   ginprom.Family{Name: "synse_http_response_bytes_total", Help: "The total number of bytes returned in HTTP API responses", Labels: http},
		Buckets:         pythonBuckets,
		Messages:        ginprom.Family{Name: "synse_websocket_request_count_total", Help: "The total number of WebSocket requests processed", Labels: event},
		MessageErrors:   ginprom.Family{Name: "synse_websocket_error_response_count_total", Help: "The total number of error responses returned by the WebSocket API", Labels: event},
		MessageDuration: ginprom.Family{Name: "synse_websocket_request_latency_sec", Help: "The time it takes for a WebSocket request to be fulfilled", Labels: event},
		MessageBytesIn:  ginprom.Family{Name: "synse_websocket_request_bytes_total", Help: "The total number of bytes received from WebSocket requests", Labels: event},
		MessageBytesOut: ginprom.Family{Name: "synse_websocket_response_bytes_total", Help: "The total number of bytes returned from the WebSocket API", Labels: event},
		SessionsOpen:    ginprom.Family{Name: "synse_websocket_session_count", Help: "The total number of active WebSocket sessions connected to Synse Server", Labels: lbl("source", ginprom.Route)},
	}
}

// slokSchema is slok/go-http-metrics' Prometheus recorder with its default
// label names and no prefix, for service.
func slokSchema(service string) ginprom.Schema {
	l := lbl("service", ginprom.Const(service), "handler", ginprom.Route, "method", ginprom.Method, "code", ginprom.Status)
	return ginprom.Schema{
		Duration:     ginprom.Family{Name: "http_request_duration_seconds", Help: "The latency of the HTTP requests.", Labels: l},
		ResponseSize: ginprom.Family{Name: "http_response_size_bytes", Help: "The size of the HTTP responses.", Labels: l},
		InFlight: ginprom.Family{
			Name: "http_requests_inflight", Help: "The number of inflight requests being handled at the same time.",
			Labels: lbl("service", ginprom.Const(service), "handler", ginprom.Const("")),
		},
		Buckets: prometheus.DefBuckets,
	}
}

// slokSizeBuckets are go-http-metrics' response size buckets.
var slokSizeBuckets = prometheus.ExponentialBuckets(100, 10, 8)

// zsaisSchema is zsais/go-gin-prometheus' request metrics with its default
// subsystem gin.
func zsaisSchema() ginprom.Schema {
	return ginprom.Schema{
		Duration: ginprom.Family{
			Name: "gin_request_duration_seconds", Help: "The HTTP request latencies in seconds.",
			Labels: lbl("code", ginprom.Status, "method", ginprom.Method, "url", ginprom.Route),
		},
		Requests: ginprom.Family{
			Name: "gin_requests_total", Help: "How many HTTP requests processed, partitioned by status code and HTTP method.",
			Labels: lbl("code", ginprom.Status, "method", ginprom.Method, "handler", ginprom.Route, "host", ginprom.Const(""), "url", ginprom.Route),
		},
		Buckets: prometheus.DefBuckets,
	}
}

// ginMetricsSchema is penglongli/gin-metrics' request metrics.
func ginMetricsSchema() ginprom.Schema {
	return ginprom.Schema{
		Duration: ginprom.Family{Name: "gin_request_duration", Help: "the time server took to handle the request.", Labels: lbl("uri", ginprom.Route)},
		Requests: ginprom.Family{
			Name: "gin_uri_request_total", Help: "all the server received request num with every uri.",
			Labels: lbl("uri", ginprom.Route, "method", ginprom.Method, "code", ginprom.Status),
		},
		Buckets: []float64{0.1, 0.3, 1.2, 5, 10},
	}
}

// flaskSchema is the request_count / request_latency_seconds pair of the
// multi-worker Flask setup, for app.
func flaskSchema(app string) ginprom.Schema {
	return ginprom.Schema{
		Duration: ginprom.Family{
			Name: "request_latency_seconds", Help: "Request latency",
			Labels: lbl("app_name", ginprom.Const(app), "endpoint", ginprom.Route),
		},
		Requests: ginprom.Family{
			Name: "request_count_total", Help: "App Request Count",
			Labels: lbl("app_name", ginprom.Const(app), "method", ginprom.Method, "endpoint", ginprom.Route, "http_status", ginprom.Status),
		},
		Buckets: pythonBuckets,
	}
}

// shapes returns each family of reg as "name type label,label", sorted.
func shapes(t *testing.T, reg prometheus.Gatherer) []string {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var out []string
	for _, mf := range mfs {
		var names []string
		for _, l := range mf.GetMetric()[0].GetLabel() {
			names = append(names, l.GetName())
		}
		out = append(out, mf.GetName()+" "+strings.ToLower(mf.GetType().String())+" "+strings.Join(names, ","))
	}
	slices.Sort(out)
	return out
}

// migrationApp serves a route, a 404 and, through ObserveMessage, a message
// of each result, under opts.
func migrationApp(t *testing.T, opts ...ginprom.Option) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewRegistry()
	r := gin.New()
	m := ginprom.New(r, append([]ginprom.Option{ginprom.WithRegistry(reg)}, opts...)...)
	r.GET("/v3/read/:id", func(c *gin.Context) { c.String(http.StatusOK, "reading") })
	serve(r, http.MethodGet, "/v3/read/1")
	serve(r, http.MethodGet, "/v3/read/2")
	serve(r, http.MethodGet, "/nowhere")
	m.ObserveMessage("request/read", time.Millisecond, 10, 100, nil)
	m.ObserveMessage("request/read", time.Millisecond, 10, 0, errors.New("no device"))
	return reg
}

// TestMigrationSchemas: each migration schema exposes exactly its
// system's families, types and label names, and counts as it does.
func TestMigrationSchemas(t *testing.T) {
	t.Run("synse", func(t *testing.T) {
		reg := migrationApp(t, ginprom.WithSchema(synseSchema()))
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
	})
	t.Run("slok", func(t *testing.T) {
		reg := migrationApp(t, ginprom.WithSchema(slokSchema("store")), ginprom.WithResponseSize(),
			ginprom.WithSizeBuckets(slokSizeBuckets...), ginprom.WithInFlight())
		assert.Equal(t, []string{
			"http_request_duration_seconds histogram code,handler,method,service",
			"http_requests_inflight gauge handler,service",
			"http_response_size_bytes histogram code,handler,method,service",
		}, shapes(t, reg))
		require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`# HELP http_requests_inflight The number of inflight requests being handled at the same time.
# TYPE http_requests_inflight gauge
http_requests_inflight{handler="",service="store"} 0
`), "http_requests_inflight"))
		assert.Equal(t, 8, histogramBuckets(t, reg, "http_response_size_bytes", 100, 1e9))
	})
	t.Run("zsais", func(t *testing.T) {
		reg := migrationApp(t, ginprom.WithSchema(zsaisSchema()))
		assert.Equal(t, []string{
			"gin_request_duration_seconds histogram code,method,url",
			"gin_requests_total counter code,handler,host,method,url",
		}, shapes(t, reg))
		require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`# HELP gin_requests_total How many HTTP requests processed, partitioned by status code and HTTP method.
# TYPE gin_requests_total counter
gin_requests_total{code="200",handler="/v3/read/:id",host="",method="GET",url="/v3/read/:id"} 2
gin_requests_total{code="404",handler="<unmatched>",host="",method="GET",url="<unmatched>"} 1
`), "gin_requests_total"))
	})
	t.Run("gin-metrics", func(t *testing.T) {
		reg := migrationApp(t, ginprom.WithSchema(ginMetricsSchema()))
		assert.Equal(t, []string{
			"gin_request_duration histogram uri",
			"gin_uri_request_total counter code,method,uri",
		}, shapes(t, reg))
		require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`# HELP gin_uri_request_total all the server received request num with every uri.
# TYPE gin_uri_request_total counter
gin_uri_request_total{code="200",method="GET",uri="/v3/read/:id"} 2
gin_uri_request_total{code="404",method="GET",uri="<unmatched>"} 1
`), "gin_uri_request_total"))
	})
	t.Run("flask", func(t *testing.T) {
		reg := migrationApp(t, ginprom.WithSchema(flaskSchema("shop")))
		assert.Equal(t, []string{
			"request_count_total counter app_name,endpoint,http_status,method",
			"request_latency_seconds histogram app_name,endpoint",
		}, shapes(t, reg))
		require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`# HELP request_count_total App Request Count
# TYPE request_count_total counter
request_count_total{app_name="shop",endpoint="/v3/read/:id",http_status="200",method="GET"} 2
request_count_total{app_name="shop",endpoint="<unmatched>",http_status="404",method="GET"} 1
`), "request_count_total"))
		assert.Equal(t, map[string]uint64{
			`app_name="shop",endpoint="/v3/read/:id"`: 2,
			`app_name="shop",endpoint="<unmatched>"`:  1,
		}, samples(t, reg, "request_latency_seconds"))
	})
}

// histogramBuckets returns the bucket count of the first series of the
// histogram name, checking its first and last bounds.
func histogramBuckets(t *testing.T, reg prometheus.Gatherer, name string, first, last float64) int {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			bs := mf.GetMetric()[0].GetHistogram().GetBucket()
			assert.InDelta(t, first, bs[0].GetUpperBound(), 0)
			assert.InDelta(t, last, bs[len(bs)-1].GetUpperBound(), 0)
			return len(bs)
		}
	}
	t.Fatalf("no family %s", name)
	return 0
}
