package ginprom_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHTTPCheck: a dependency answering 2xx is up, any other status or no
// answer is down, and each check is one request.
func TestHTTPCheck(t *testing.T) {
	t.Parallel()
	var status atomic.Int32
	status.Store(http.StatusNoContent)
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/healthz", r.URL.Path)
		w.WriteHeader(int(status.Load()))
		_, _ = w.Write([]byte("a body that the check must read and drop"))
		requests.Add(1)
	}))
	t.Cleanup(srv.Close)
	m, reg := depMetrics(t)
	t.Cleanup(m.Close)

	stop := m.WatchDependency("api", ginprom.HTTPCheck(srv.URL+"/healthz", nil))
	assert.Equal(t, map[string]float64{"api": 1}, upValues(t, reg, depUp), "204 is healthy")
	stop()

	status.Store(http.StatusServiceUnavailable)
	check := ginprom.HTTPCheck(srv.URL+"/healthz", srv.Client())
	err := check(t.Context())
	require.EqualError(t, err, "ginprom: HTTPCheck: GET "+srv.URL+"/healthz answered 503")
	stop = m.WatchDependency("api", check)
	assert.Equal(t, map[string]float64{"api": 0}, upValues(t, reg, depUp), "503 is down")
	stop()
	assert.Equal(t, int32(3), requests.Load(), "the first watch, the direct call and the second watch")

	srv.Close()
	require.Error(t, check(t.Context()), "a dependency that is gone fails the check")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.ErrorIs(t, ginprom.HTTPCheck("http://127.0.0.1:1/", nil)(ctx), context.Canceled)
}

func TestHTTPCheckEmptyURLPanics(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, "ginprom: HTTPCheck: the URL is empty; give the dependency's health URL", func() {
		ginprom.HTTPCheck("", nil)
	})
}
