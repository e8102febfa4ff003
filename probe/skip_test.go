package probe_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-contrib/ginprom/probe"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secret = "correct horse battery staple"

// service is a Gin service instrumented by ginprom, with probe traffic
// skipped by skipper, a decorator counter on its one route, and its
// registry.
func service(t *testing.T, skipper func(*gin.Context) bool) (*gin.Engine, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithSkipper(skipper))
	r.POST("/reservations", m.Counter("reservations", "Reservations made.", nil), func(c *gin.Context) {
		c.String(http.StatusOK, "booked")
	})
	return r, reg
}

// counted returns the requests that the service's default and decorator
// metrics counted.
func counted(t *testing.T, reg *prometheus.Registry) (defaults, decorator int) {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		switch f.GetName() {
		case "gin_http_request_total":
			for _, m := range f.GetMetric() {
				defaults += int(m.GetCounter().GetValue())
			}
		case "reservations_total":
			decorator = int(f.GetMetric()[0].GetCounter().GetValue())
		}
	}
	return defaults, decorator
}

// TestSkip: through ginprom.WithSkipper, only a request with exactly the
// secret is left out of the service's default and decorator metrics; a
// bare header, an empty one, a wrong secret, its prefix, the secret with
// more after it or in another case, and no header are all counted.
func TestSkip(t *testing.T) {
	cases := []struct {
		name    string
		header  []string // values of SecretHeader; nil sends none
		skipped bool
	}{
		{"exact secret", []string{secret}, true},
		{"no header", nil, false},
		{"bare header", []string{""}, false},
		{"wrong secret", []string{"guess"}, false},
		{"prefix", []string{secret[:len(secret)-1]}, false},
		{"longer", []string{secret + "x"}, false},
		{"other case", []string{strings.ToUpper(secret)}, false},
		{"same length", []string{strings.Repeat("x", len(secret))}, false},
		{"second of two values", []string{"guess", secret}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, reg := service(t, probe.Skip(secret))
			srv := httptest.NewServer(r)
			defer srv.Close()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/reservations", nil)
			require.NoError(t, err)
			for _, v := range c.header {
				req.Header.Add(probe.SecretHeader, v)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			assert.Equal(t, http.StatusOK, resp.StatusCode, "a skipped request still runs")
			http.DefaultClient.CloseIdleConnections()

			want := 1
			if c.skipped {
				want = 0
			}
			defaults, decorator := counted(t, reg)
			assert.Equal(t, want, defaults, "default metrics")
			assert.Equal(t, want, decorator, "decorator metric")
		})
	}
}

// TestSkipProbeTraffic: a Prober with the secret probes a service that
// skips it: the prober records its successes, and the service's metrics
// hold only the other clients' requests.
func TestSkipProbeTraffic(t *testing.T) {
	r, reg := service(t, probe.Skip(secret))
	srv := httptest.NewServer(r)
	defer srv.Close()

	probes := prometheus.NewRegistry()
	url := srv.URL + "/reservations"
	p := probe.New(probes, time.Minute, probe.Target{Method: http.MethodPost, URL: url, Secret: secret})
	for range 3 {
		p.ProbeOnce(context.Background())
	}
	// A client that sends the header without the secret is a user.
	bare := probe.New(prometheus.NewRegistry(), time.Minute, probe.Target{
		Method: http.MethodPost, URL: url, Header: http.Header{probe.SecretHeader: {"let me hide"}},
	})
	bare.ProbeOnce(context.Background())

	assert.Equal(t, uint64(3), gather(t, probes, http.MethodPost, url).successes)
	defaults, decorator := counted(t, reg)
	assert.Equal(t, 1, defaults)
	assert.Equal(t, 1, decorator)
}

// TestSkipPanics: an empty secret would match every request without the
// header, so Skip refuses it.
func TestSkipPanics(t *testing.T) {
	requirePanic(t, func() { probe.Skip("") }, "secret is empty")
	// A header never carries these as they are, so the skipper would
	// match no request, and every probe would be counted as a user.
	for _, s := range []string{secret + "\n", secret + "\r\n", " " + secret, secret + "\t", "a\x00b"} {
		requirePanic(t, func() { probe.Skip(s) }, "the secret has a control character", "strings.TrimSpace")
	}
	assert.NotPanics(t, func() { probe.Skip(secret) }, "spaces inside arrive as they are, as TestSkipProbeTraffic shows")
}
