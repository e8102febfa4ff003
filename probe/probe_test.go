package probe_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom/probe"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProbeOnceResults: the default Success is status 200 and nothing
// else, as API.md has it, so another 2xx is a failure without a Success
// that accepts it; a redirect is not followed; a custom Success decides; a Success that
// panics is a failure. Each result shows in all three metrics.
func TestProbeOnceResults(t *testing.T) {
	redirected := newServer(t, status(http.StatusOK))
	cases := []struct {
		name    string
		handler func(*server, http.ResponseWriter, *http.Request)
		success func(*http.Response) bool
		want    bool
	}{
		{"200", status(http.StatusOK), nil, true},
		{"201", status(http.StatusCreated), nil, false},
		{"204", status(http.StatusNoContent), nil, false},
		{"299", status(299), nil, false},
		{"custom Success accepts 201", status(http.StatusCreated), func(r *http.Response) bool { return r.StatusCode/100 == 2 }, true},
		{"304", status(http.StatusNotModified), nil, false},
		{"400", status(http.StatusBadRequest), nil, false},
		{"401", status(http.StatusUnauthorized), nil, false},
		{"500", status(http.StatusInternalServerError), nil, false},
		{"redirect", func(_ *server, w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, redirected.URL, http.StatusFound)
		}, nil, false},
		{"custom Success accepts 404", status(http.StatusNotFound), func(r *http.Response) bool { return r.StatusCode == http.StatusNotFound }, true},
		{"custom Success rejects 201", status(http.StatusCreated), func(r *http.Response) bool { return r.StatusCode == http.StatusOK }, false},
		{"custom Success rejects 200", status(http.StatusOK), func(*http.Response) bool { return false }, false},
		{"custom Success reads the body", status(http.StatusOK), func(r *http.Response) bool {
			b, err := io.ReadAll(r.Body)
			return err == nil && string(b) == "body"
		}, true},
		{"Success panics", status(http.StatusOK), func(*http.Response) bool { panic("boom") }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, c.handler)
			reg := prometheus.NewRegistry()
			p := probe.New(reg, time.Minute, probe.Target{URL: srv.URL, Success: c.success})

			before := time.Now()
			p.ProbeOnce(context.Background())
			after := time.Now()

			got := gather(t, reg, http.MethodGet, srv.URL)
			if c.want {
				assert.Equal(t, uint64(1), got.successes)
				assert.Equal(t, uint64(0), got.failures)
				assert.InDelta(t, 1.0, got.up, 0)
				assert.GreaterOrEqual(t, got.last, float64(before.UnixNano())/1e9)
				assert.LessOrEqual(t, got.last, float64(after.UnixNano())/1e9)
			} else {
				assert.Equal(t, uint64(0), got.successes)
				assert.Equal(t, uint64(1), got.failures)
				assert.InDelta(t, 0.0, got.up, 0)
				assert.InDelta(t, 0.0, got.last, 0, "never succeeded")
			}
			assert.Len(t, srv.arrived, 1)
		})
	}
	assert.Empty(t, redirected.arrived, "the redirect was followed")
}

// TestTimeout: a probe with a 100 ms timeout against a server that never
// answers is a failure, ended by its own timeout: ProbeOnce returns while
// the server still has not answered and the caller's context is still
// live, the server sees the client give up, and the failure is recorded.
// The caller's context ends after 5s, sooner than the default timeout:
// had the probe not kept its own 100 ms, that context would have cut it
// short, and a probe cut short by its caller is not recorded.
func TestTimeout(t *testing.T) {
	gaveUp := make(chan struct{})
	srv := newServer(t, func(s *server, _ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			close(gaveUp)
		case <-s.release:
		}
	})
	reg := prometheus.NewRegistry()
	p := probe.New(reg, time.Minute, probe.Target{URL: srv.URL, Timeout: 100 * time.Millisecond})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.ProbeOnce(ctx)
	require.NoError(t, ctx.Err(), "the probe outlived its timeout")

	got := gather(t, reg, http.MethodGet, srv.URL)
	assert.Equal(t, uint64(1), got.failures)
	assert.Equal(t, uint64(0), got.successes)
	assert.GreaterOrEqual(t, got.failSum, 0.1, "the probe gave up before its timeout")
	assert.InDelta(t, 0.0, got.up, 0)
	<-gaveUp // the server saw the probe's connection go
}

// TestBodyIsRead: a 200 whose body never ends is a failure, so the probe
// reads the body to its end within the timeout; a body that ends is read
// and closed, which closes the connection.
func TestBodyIsRead(t *testing.T) {
	t.Run("never ends", func(t *testing.T) {
		srv := newServer(t, func(s *server, w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			hang(s, w, r)
		})
		reg := prometheus.NewRegistry()
		p := probe.New(reg, time.Minute, probe.Target{URL: srv.URL, Timeout: 100 * time.Millisecond})
		p.ProbeOnce(context.Background())
		got := gather(t, reg, http.MethodGet, srv.URL)
		assert.Equal(t, uint64(1), got.failures)
		assert.Equal(t, uint64(0), got.successes)
	})
	t.Run("read and closed", func(t *testing.T) {
		closed := make(chan struct{}, 10)
		srv := newServer(t, func(_ *server, w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(strings.Repeat("x", 1<<20)))
		}, func(_ net.Conn, s http.ConnState) {
			if s == http.StateClosed {
				closed <- struct{}{}
			}
		})
		reg := prometheus.NewRegistry()
		p := probe.New(reg, time.Minute, probe.Target{URL: srv.URL})
		p.ProbeOnce(context.Background())
		assert.Equal(t, uint64(1), gather(t, reg, http.MethodGet, srv.URL).successes)
		<-closed // no connection is kept open
	})
}

// TestTransportError: a refused connection is a failure.
func TestTransportError(t *testing.T) {
	srv := newServer(t, status(http.StatusOK))
	url := srv.URL
	srv.Close()
	reg := prometheus.NewRegistry()
	p := probe.New(reg, time.Minute, probe.Target{URL: url})
	p.ProbeOnce(context.Background())
	got := gather(t, reg, http.MethodGet, url)
	assert.Equal(t, uint64(1), got.failures)
	assert.InDelta(t, 0.0, got.up, 0)
}

// TestRequest: the probe sends the target's method, body, header and
// secret, as they were given to New, every time.
func TestRequest(t *testing.T) {
	type seen struct {
		method, body, ctype, secret string
	}
	got := make(chan seen, 2)
	srv := newServer(t, func(_ *server, w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, string(b), r.Header.Get("Content-Type"), r.Header.Get(probe.SecretHeader)}
	})
	reg := prometheus.NewRegistry()
	body := []byte(`{"username": "synthetic"}`)
	header := http.Header{"Content-Type": {"application/json"}}
	p := probe.New(reg, time.Minute, probe.Target{
		Method: http.MethodPost,
		URL:    srv.URL + "/reservations",
		Body:   body,
		Header: header,
		Secret: "s3cret",
	})
	// New keeps copies: changing the caller's slices afterwards changes
	// nothing.
	copy(body, "XXXXXXXX")
	header.Set("Content-Type", "text/plain")
	want := seen{http.MethodPost, `{"username": "synthetic"}`, "application/json", "s3cret"}
	p.ProbeOnce(context.Background())
	p.ProbeOnce(context.Background())
	assert.Equal(t, want, <-got)
	assert.Equal(t, want, <-got)
	assert.Equal(t, uint64(2), gather(t, reg, http.MethodPost, srv.URL+"/reservations").successes)
}

// TestSeriesFromTheStart: every series of every target exists at 0 from New
// on, so that failure ratios have data before the first failure; the
// exposition passes the linter; the url label masks a password.
func TestSeriesFromTheStart(t *testing.T) {
	reg := prometheus.NewRegistry()
	probe.New(reg, time.Minute,
		probe.Target{URL: "http://svc:8080/up"},
		probe.Target{Method: http.MethodPost, URL: "https://user:pass@svc/reservations"}, //nolint:gosec // G101: a made-up password, to see it masked.
	)
	//nolint:gosec // G101: the masked password of a made-up URL.
	const want = `
# HELP synthetic_last_success_timestamp_seconds Unix time at which the last successful synthetic probe ended; 0 before the first success.
# TYPE synthetic_last_success_timestamp_seconds gauge
synthetic_last_success_timestamp_seconds{method="GET",url="http://svc:8080/up"} 0
synthetic_last_success_timestamp_seconds{method="POST",url="https://user:xxxxx@svc/reservations"} 0
# HELP synthetic_probe_success Whether the last synthetic probe succeeded (1) or failed (0).
# TYPE synthetic_probe_success gauge
synthetic_probe_success{method="GET",url="http://svc:8080/up"} 0
synthetic_probe_success{method="POST",url="https://user:xxxxx@svc/reservations"} 0
# HELP synthetic_request_duration_seconds Duration of synthetic probes, from the request to the end of the response body, by result.
# TYPE synthetic_request_duration_seconds histogram
`
	var hist strings.Builder
	for _, s := range []struct{ method, url string }{{"GET", "http://svc:8080/up"}, {"POST", "https://user:xxxxx@svc/reservations"}} {
		for _, result := range []string{"failure", "success"} {
			for _, le := range []string{"0.01", "0.1", "0.5", "2", "+Inf"} {
				fmt.Fprintf(&hist, "synthetic_request_duration_seconds_bucket{method=%q,result=%q,url=%q,le=%q} 0\n", s.method, result, s.url, le)
			}
			fmt.Fprintf(&hist, "synthetic_request_duration_seconds_sum{method=%q,result=%q,url=%q} 0\n", s.method, result, s.url)
			fmt.Fprintf(&hist, "synthetic_request_duration_seconds_count{method=%q,result=%q,url=%q} 0\n", s.method, result, s.url)
		}
	}
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want+hist.String())))
	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// TestBuckets: an observation lands in the article's buckets.
func TestBuckets(t *testing.T) {
	srv := newServer(t, status(http.StatusOK))
	reg := prometheus.NewRegistry()
	probe.New(reg, time.Minute, probe.Target{URL: srv.URL}).ProbeOnce(context.Background())
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != "synthetic_request_duration_seconds" {
			continue
		}
		var bounds []float64
		for _, b := range f.GetMetric()[0].GetHistogram().GetBucket() {
			bounds = append(bounds, b.GetUpperBound())
		}
		assert.Equal(t, []float64{0.01, 0.1, 0.5, 2}, bounds)
		return
	}
	t.Fatal("no synthetic_request_duration_seconds")
}

// TestSameRegistry: a second Prober on the same registry reuses the
// metrics; a conflicting collector of the same name panics.
func TestSameRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	probe.New(reg, time.Minute, probe.Target{URL: "http://a/"})
	assert.NotPanics(t, func() { probe.New(reg, time.Minute, probe.Target{URL: "http://b/"}) })
	gather(t, reg, http.MethodGet, "http://a/")
	gather(t, reg, http.MethodGet, "http://b/")

	other := prometheus.NewRegistry()
	other.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "synthetic_probe_success", Help: "other"}))
	requirePanic(t, func() { probe.New(other, time.Minute, probe.Target{URL: "http://a/"}) }, "synthetic_probe_success")
}

// TestNewPanics: every configuration that cannot work panics in New, with a
// message that says what to fix.
func TestNewPanics(t *testing.T) {
	ok := probe.Target{URL: "http://svc/"}
	cases := []struct {
		name     string
		reg      prometheus.Registerer
		interval time.Duration
		targets  []probe.Target
		want     []string
	}{
		{"nil registerer", nil, time.Minute, []probe.Target{ok}, []string{"registerer is nil"}},
		{"zero interval", prometheus.NewRegistry(), 0, []probe.Target{ok}, []string{"interval is 0s", "positive"}},
		{"negative interval", prometheus.NewRegistry(), -time.Second, []probe.Target{ok}, []string{"interval is -1s"}},
		{"no targets", prometheus.NewRegistry(), time.Minute, nil, []string{"no targets"}},
		{"empty URL", prometheus.NewRegistry(), time.Minute, []probe.Target{{}}, []string{"targets[0]", `URL ""`, "absolute"}},
		{"relative URL", prometheus.NewRegistry(), time.Minute, []probe.Target{ok, {URL: "/reservations"}}, []string{"targets[1]", "absolute"}},
		{"other scheme", prometheus.NewRegistry(), time.Minute, []probe.Target{{URL: "ftp://svc/"}}, []string{"http or https"}},
		{"no host", prometheus.NewRegistry(), time.Minute, []probe.Target{{URL: "http:///x"}}, []string{"absolute"}},
		{"URL does not parse", prometheus.NewRegistry(), time.Minute, []probe.Target{{URL: "http://svc/%zz"}}, []string{"does not parse"}},
		{"bad method", prometheus.NewRegistry(), time.Minute, []probe.Target{{Method: "GET /", URL: "http://svc/"}}, []string{`Method "GET /"`}},
		{"lower-case method", prometheus.NewRegistry(), time.Minute, []probe.Target{{Method: "post", URL: "http://svc/"}}, []string{`Method "post"`, "case-sensitive", `write "POST" (http.MethodPost)`}},
		{"mixed-case method", prometheus.NewRegistry(), time.Minute, []probe.Target{{Method: "Get", URL: "http://svc/"}}, []string{`Method "Get"`, `write "GET" (http.MethodGet)`}},
		{"secret read from a file", prometheus.NewRegistry(), time.Minute, []probe.Target{{URL: "http://svc/", Secret: "s3cret\n"}}, []string{"targets[0]", "the Secret has a control character", "strings.TrimSpace"}},
		{"secret with a space at its end", prometheus.NewRegistry(), time.Minute, []probe.Target{{URL: "http://svc/", Secret: "s3cret "}}, []string{"white space at either end"}},
		{"secret with a tab at its start", prometheus.NewRegistry(), time.Minute, []probe.Target{{URL: "http://svc/", Secret: "\ts3cret"}}, []string{"white space at either end"}},
		{"header value with a line break", prometheus.NewRegistry(), time.Minute, []probe.Target{{URL: "http://svc/", Header: http.Header{"Authorization": {"Bearer t\n"}}}}, []string{`Header "Authorization"`, "control character"}},
		{"header name with a space", prometheus.NewRegistry(), time.Minute, []probe.Target{{URL: "http://svc/", Header: http.Header{"X Team": {"a"}}}}, []string{`Header name "X Team"`}},
		{"negative timeout", prometheus.NewRegistry(), time.Minute, []probe.Target{{URL: "http://svc/", Timeout: -time.Second}}, []string{"Timeout is -1s"}},
		{"same target twice", prometheus.NewRegistry(), time.Minute, []probe.Target{ok, {Method: http.MethodGet, URL: "http://svc/"}}, []string{"targets[1]", "series would mix"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			requirePanic(t, func() { probe.New(c.reg, c.interval, c.targets...) }, c.want...)
		})
	}
}
