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
	"github.com/stretchr/testify/require"
)

// Helpers of the schema tests; the migration schemas' tests are in
// migrate_test.go.

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

// mergingSchema leaves the status out of the duration, so that the
// statuses of a route are one series.
var mergingSchema = ginprom.Schema{
	Duration: ginprom.Family{Name: "request_latency_seconds", Labels: lbl("app_name", ginprom.Const("shop"), "endpoint", ginprom.Route)},
	Requests: ginprom.Family{Name: "request_count_total", Labels: lbl("app_name", ginprom.Const("shop"), "method", ginprom.Method, "endpoint", ginprom.Route, "http_status", ginprom.Status)},
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
