package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDrive drives the example with its own clients (gorilla/websocket
// sessions, one hung up midway, streams the client leaves) and checks what
// the metrics say.
func TestDrive(t *testing.T) {
	reg := prometheus.NewRegistry()
	srv := httptest.NewServer(newServer(true, reg, reg))
	defer srv.Close()
	require.NoError(t, driveServer(t.Context(), srv.URL, 2))

	// The handlers of sessions may still be returning when the client is
	// done; the server's Close waits for ordinary requests only, so wait
	// for the gauges.
	require.Eventually(t, func() bool {
		v, err := testutil.GatherAndCount(reg, "synse_http_session_duration_seconds")
		return err == nil && v == 2 && open(t, reg) == 0 &&
			sessions(t, reg, "websocket") == 2 && sessions(t, reg, "sse") == 2
	}, testTimeout, testTick)

	// 5 messages in the round that hangs up, 8 in the other; the made-up
	// event is recorded as request/unknown.
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP synse_websocket_request_count_total The total number of WebSocket requests processed
# TYPE synse_websocket_request_count_total counter
synse_websocket_request_count_total{event="request/read"} 2
synse_websocket_request_count_total{event="request/read_device"} 3
synse_websocket_request_count_total{event="request/scan"} 2
synse_websocket_request_count_total{event="request/status"} 2
synse_websocket_request_count_total{event="request/unknown"} 1
synse_websocket_request_count_total{event="request/version"} 2
synse_websocket_request_count_total{event="request/write_async"} 1
# HELP synse_websocket_error_response_count_total The total number of error responses returned by the WebSocket API
# TYPE synse_websocket_error_response_count_total counter
synse_websocket_error_response_count_total{event="request/read"} 0
synse_websocket_error_response_count_total{event="request/read_device"} 1
synse_websocket_error_response_count_total{event="request/scan"} 0
synse_websocket_error_response_count_total{event="request/status"} 0
synse_websocket_error_response_count_total{event="request/unknown"} 1
synse_websocket_error_response_count_total{event="request/version"} 0
synse_websocket_error_response_count_total{event="request/write_async"} 1
`), "synse_websocket_request_count_total", "synse_websocket_error_response_count_total"))

	// No session is a request.
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "synse_http_request_latency_sec" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "template" {
					assert.NotContains(t, []string{"/v3/connect", "/v3/stream"}, l.GetValue())
				}
			}
		}
	}
}

// TestDisabled: with metrics off, the API works and nothing is exposed.
func TestDisabled(t *testing.T) {
	reg := prometheus.NewRegistry()
	srv := httptest.NewServer(newServer(false, reg, reg))
	defer srv.Close()
	require.NoError(t, driveServer(t.Context(), srv.URL, 1))
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/metrics", http.NoBody)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	mfs, err := reg.Gather()
	require.NoError(t, err)
	assert.Empty(t, mfs)
}

// TestMetricsEnabled: the switch is read as Synse Server reads it.
func TestMetricsEnabled(t *testing.T) {
	for v, want := range map[string]bool{"": false, "true": true, "1": true, "false": false} {
		t.Setenv("SYNSE_METRICS_ENABLED", v)
		on, err := metricsEnabled()
		require.NoError(t, err)
		assert.Equal(t, want, on, "SYNSE_METRICS_ENABLED=%q", v)
	}
	t.Setenv("SYNSE_METRICS_ENABLED", "yes please")
	_, err := metricsEnabled()
	assert.Error(t, err)
}

const (
	testTimeout = 10 * time.Second
	testTick    = 5 * time.Millisecond
)

// open returns the sessions open now, of every kind; -1 if there is no
// series.
func open(t *testing.T, g prometheus.Gatherer) float64 {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	sum := -1.0
	for _, mf := range mfs {
		if mf.GetName() == "synse_websocket_session_count" {
			sum = 0
			for _, m := range mf.GetMetric() {
				sum += m.GetGauge().GetValue()
			}
		}
	}
	return sum
}

func sessions(t *testing.T, g prometheus.Gatherer, kind string) float64 {
	t.Helper()
	return value(t, g, "synse_http_session_duration_seconds", kind)
}

// value returns the gauge's value, or the histogram's count, of the series
// of kind; -1 if there is none.
func value(t *testing.T, g prometheus.Gatherer, name, kind string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == kind {
					if h := m.GetHistogram(); h != nil {
						return float64(h.GetSampleCount())
					}
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	return -1
}
