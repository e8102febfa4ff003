package probe_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	// Every test stops what it starts: no probe, connection or server
	// goroutine may outlive the tests.
	goleak.VerifyTestMain(m)
}

// server is a real HTTP server whose handler the test writes. Its requests
// arrive on arrived, in order.
type server struct {
	*httptest.Server
	arrived chan *http.Request
	// release is closed when the test ends, before the server closes, so
	// that no handler waiting on it outlives the test.
	release chan struct{}
}

// newServer starts an httptest server that reports each request on arrived
// (buffered, so the handler never waits for the test) and then runs h.
// connState, if given, is the server's ConnState hook.
func newServer(t *testing.T, h func(s *server, w http.ResponseWriter, r *http.Request), connState ...func(net.Conn, http.ConnState)) *server {
	t.Helper()
	s := &server{arrived: make(chan *http.Request, 1000), release: make(chan struct{})}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.arrived <- r
		h(s, w, r)
	}))
	for _, f := range connState {
		s.Config.ConnState = f
	}
	s.Start()
	t.Cleanup(s.Close)
	t.Cleanup(func() { close(s.release) }) // cleanups run last first
	return s
}

// status answers code with a short body.
func status(code int) func(*server, http.ResponseWriter, *http.Request) {
	return func(_ *server, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		_, _ = w.Write([]byte("body"))
	}
}

// hang never answers: it returns when the client gives up or the test ends.
func hang(s *server, _ http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.release:
	}
}

// series is what the registry holds for one target.
type series struct {
	successes, failures uint64  // observations of the duration histogram
	successSum, failSum float64 // their sums, in seconds
	up, last            float64 // synthetic_probe_success, synthetic_last_success_timestamp_seconds
}

// gather returns the series of the target method, url in reg; it fails the
// test if one of them is missing.
func gather(t *testing.T, reg *prometheus.Registry, method, url string) series {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	var s series
	found := 0
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["method"] != method || labels["url"] != url {
				continue
			}
			found++
			switch f.GetName() {
			case "synthetic_request_duration_seconds":
				h := m.GetHistogram()
				if labels["result"] == "success" {
					s.successes, s.successSum = h.GetSampleCount(), h.GetSampleSum()
				} else {
					s.failures, s.failSum = h.GetSampleCount(), h.GetSampleSum()
				}
			case "synthetic_probe_success":
				s.up = m.GetGauge().GetValue()
			case "synthetic_last_success_timestamp_seconds":
				s.last = m.GetGauge().GetValue()
			}
		}
	}
	require.Equal(t, 4, found, "series of %s %s", method, url)
	return s
}

// requirePanic asserts that f panics with a string that begins with
// "probe:" and contains each of want.
func requirePanic(t *testing.T, f func(), want ...string) {
	t.Helper()
	var got any
	func() {
		defer func() { got = recover() }()
		f()
	}()
	msg, ok := got.(string)
	require.True(t, ok, "want a panic with a string, got %#v", got)
	require.True(t, strings.HasPrefix(msg, "probe: "), "message %q", msg)
	for _, w := range want {
		require.Contains(t, msg, w)
	}
}
