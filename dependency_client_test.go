package ginprom_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

const depRequests = "gin_dependency_request_duration_seconds"

// roundTripFunc is a RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// dependencyServer is a Gin app standing for a dependency: /status/:code
// answers with that code.
func dependencyServer(t testing.TB) *httptest.Server {
	t.Helper()
	r := gin.New()
	r.Any("/status/:code", func(c *gin.Context) {
		code := map[string]int{"200": 200, "201": 201, "404": 404, "503": 503}[c.Param("code")]
		c.String(code, "body")
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// call sends one request through client and reads and closes the body.
func call(t testing.TB, client *http.Client, method, url string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader("x"))
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
}

// roundTrip sends req through rt, closes the response's body, if any, and
// returns rt's error.
func roundTrip(t testing.TB, rt http.RoundTripper, req *http.Request) error {
	t.Helper()
	resp, err := rt.RoundTrip(req)
	if resp != nil {
		require.NoError(t, resp.Body.Close())
	}
	return err
}

// TestInstrumentClient: outgoing requests through a real server are counted
// by name, method and status, whatever their paths and queries; unknown
// methods are OTHER.
func TestInstrumentClient(t *testing.T) {
	before := goleak.IgnoreCurrent()
	srv := dependencyServer(t)
	m, reg := depMetrics(t)
	tr := &http.Transport{}
	client := &http.Client{Transport: m.InstrumentClient("billing", tr)}

	call(t, client, http.MethodGet, srv.URL+"/status/200?user=1")
	call(t, client, http.MethodGet, srv.URL+"/status/200?user=2")
	call(t, client, http.MethodPost, srv.URL+"/status/201")
	call(t, client, http.MethodGet, srv.URL+"/status/404/../404")
	call(t, client, http.MethodDelete, srv.URL+"/status/503")
	call(t, client, "PROPFIND", srv.URL+"/status/200")
	call(t, client, "get", srv.URL+"/status/200")

	assert.Equal(t, map[string]uint64{
		`method="GET",name="billing",status="200"`:    2,
		`method="POST",name="billing",status="201"`:   1,
		`method="GET",name="billing",status="404"`:    1,
		`method="DELETE",name="billing",status="503"`: 1,
		`method="OTHER",name="billing",status="404"`:  2, // Gin's Any routes standard methods only
	}, samples(t, reg, depRequests))
	requireLint(t, reg)

	client.CloseIdleConnections() // passed on to tr
	srv.Close()
	goleak.VerifyNone(t, before)
}

// TestInstrumentClientTransportError: a transport error is recorded with
// status "error" and returned unchanged, with the response next gave.
func TestInstrumentClientTransportError(t *testing.T) {
	m, reg := depMetrics(t)
	boom := errors.New("dial tcp 10.0.0.1:5432: connect: connection refused")
	rt := m.InstrumentClient("db", roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, boom }))
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPut, "http://db.internal/secret/path?token=abc", nil)
	resp, err := rt.RoundTrip(req)
	assert.Nil(t, resp)
	if resp != nil {
		require.NoError(t, resp.Body.Close())
	}
	assert.Same(t, boom, err, "the error is returned unchanged: %v", err)

	// A real one: nothing listens on a closed listener's address.
	l, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	client := &http.Client{Transport: m.InstrumentClient("db", &http.Transport{})}
	req, err = http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+addr+"/x", nil)
	require.NoError(t, err)
	resp, err = client.Do(req)
	if resp != nil {
		require.NoError(t, resp.Body.Close())
	}
	require.Error(t, err)

	assert.Equal(t, map[string]uint64{
		`method="PUT",name="db",status="error"`: 1,
		`method="GET",name="db",status="error"`: 1,
	}, samples(t, reg, depRequests))
}

// TestInstrumentClientMethods: the method is clamped as the middleware
// clamps it; an empty one is GET, as net/http sends it.
func TestInstrumentClientMethods(t *testing.T) {
	m, reg := depMetrics(t)
	rt := m.InstrumentClient("api", roundTripFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody}, nil
	}))
	for _, method := range []string{"", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "BREW", "get"} {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "http://api/", nil)
		req.Method = method
		require.NoError(t, roundTrip(t, rt, req))
	}
	assert.Equal(t, map[string]uint64{
		`method="GET",name="api",status="204"`:     2,
		`method="HEAD",name="api",status="204"`:    1,
		`method="POST",name="api",status="204"`:    1,
		`method="PUT",name="api",status="204"`:     1,
		`method="PATCH",name="api",status="204"`:   1,
		`method="DELETE",name="api",status="204"`:  1,
		`method="CONNECT",name="api",status="204"`: 1,
		`method="OPTIONS",name="api",status="204"`: 1,
		`method="TRACE",name="api",status="204"`:   1,
		`method="OTHER",name="api",status="204"`:   2,
	}, samples(t, reg, depRequests))
}

// TestInstrumentClientTimesNext: the recorded time covers next's work: it
// is at least what next measured of itself, and the histogram has the
// default duration buckets, or those of WithBuckets.
func TestInstrumentClientTimesNext(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    []ginprom.Option
		buckets []float64
	}{
		{"default buckets", nil, ginprom.DefaultBuckets},
		{"WithBuckets", []ginprom.Option{ginprom.WithBuckets(0.001, 0.5, 3)}, []float64{0.001, 0.5, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, reg := depMetrics(t, tc.opts...)
			var inner time.Duration
			rt := m.InstrumentClient("api", roundTripFunc(func(*http.Request) (*http.Response, error) {
				start := time.Now()
				for time.Since(start) < time.Millisecond {
				}
				inner = time.Since(start)
				return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
			}))
			require.NoError(t, roundTrip(t, rt, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "http://api/", nil)))
			got := sums(t, reg, depRequests)[`method="GET",name="api",status="200"`]
			assert.GreaterOrEqual(t, got, inner.Seconds())
			var bounds []float64
			for ub := range buckets(t, reg, depRequests, `method="GET",name="api",status="200"`) {
				bounds = append(bounds, ub)
			}
			assert.ElementsMatch(t, tc.buckets, bounds)
		})
	}
}

// TestInstrumentClientNilNext: a nil next sends through
// http.DefaultTransport.
func TestInstrumentClientNilNext(t *testing.T) {
	srv := dependencyServer(t)
	m, reg := depMetrics(t)
	var nilTransport *http.Transport
	for _, next := range []http.RoundTripper{nil, nilTransport} {
		client := &http.Client{Transport: m.InstrumentClient("api", next)}
		call(t, client, http.MethodGet, srv.URL+"/status/200")
		client.CloseIdleConnections()
	}
	assert.Equal(t, map[string]uint64{`method="GET",name="api",status="200"`: 2}, samples(t, reg, depRequests))
}

// TestInstrumentClientShared: two clients of one name, and two Metrics built
// on one registry, share the series.
func TestInstrumentClientShared(t *testing.T) {
	m, reg := depMetrics(t)
	other := ginprom.New(nil, ginprom.WithRegistry(reg))
	ok := roundTripFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
	})
	for _, rt := range []http.RoundTripper{m.InstrumentClient("api", ok), m.InstrumentClient("api", ok), other.InstrumentClient("api", ok), m.InstrumentClient("cdn", ok)} {
		require.NoError(t, roundTrip(t, rt, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "http://x/", nil)))
	}
	assert.Equal(t, map[string]uint64{
		`method="GET",name="api",status="200"`: 3,
		`method="GET",name="cdn",status="200"`: 1,
	}, samples(t, reg, depRequests))
}

// TestInstrumentClientBigBrother: under WithBigBrother, the histogram is
// dependency_request_seconds with the protocol's labels and buckets;
// isError follows the error rule, and transport errors have status 0 and
// an errorMessage from a fixed set, never the error's text.
func TestInstrumentClientBigBrother(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []ginprom.Option
		want map[string]uint64
	}{
		{"protocol rule", nil, map[string]uint64{
			`addr="api",errorMessage="",isError="false",method="GET",name="api",status="200",type="http"`:             1,
			`addr="api",errorMessage="",isError="true",method="GET",name="api",status="404",type="http"`:              1,
			`addr="api",errorMessage="",isError="true",method="POST",name="api",status="503",type="http"`:             1,
			`addr="api",errorMessage="transport error",isError="true",method="GET",name="api",status="0",type="http"`: 1,
			`addr="api",errorMessage="timeout",isError="true",method="GET",name="api",status="0",type="http"`:         2,
			`addr="api",errorMessage="canceled",isError="true",method="DELETE",name="api",status="0",type="http"`:     1,
		}},
		{"WithErrorStatus", []ginprom.Option{ginprom.WithErrorStatus(func(status int) bool { return status >= 500 })}, map[string]uint64{
			`addr="api",errorMessage="",isError="false",method="GET",name="api",status="200",type="http"`:             1,
			`addr="api",errorMessage="",isError="false",method="GET",name="api",status="404",type="http"`:             1,
			`addr="api",errorMessage="",isError="true",method="POST",name="api",status="503",type="http"`:             1,
			`addr="api",errorMessage="transport error",isError="true",method="GET",name="api",status="0",type="http"`: 1,
			`addr="api",errorMessage="timeout",isError="true",method="GET",name="api",status="0",type="http"`:         2,
			`addr="api",errorMessage="canceled",isError="true",method="DELETE",name="api",status="0",type="http"`:     1,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, reg := depMetrics(t, append([]ginprom.Option{ginprom.WithBigBrother("1.0.0")}, tc.opts...)...)
			rt := m.InstrumentClient("api", roundTripFunc(func(r *http.Request) (*http.Response, error) {
				switch r.URL.Path {
				case "/refused":
					return nil, errors.New("connection refused to " + r.URL.String())
				case "/slow":
					return nil, &net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}
				}
				if err := r.Context().Err(); err != nil {
					return nil, err
				}
				code := map[string]int{"/200": 200, "/404": 404, "/503": 503}[r.URL.Path]
				return &http.Response{StatusCode: code, Body: http.NoBody}, nil
			}))
			do := func(method, path string, ctx context.Context) {
				// Some fail by design; the metrics say how.
				_ = roundTrip(t, rt, httptest.NewRequestWithContext(ctx, method, "http://api.internal"+path, nil))
			}
			bg := context.Background()
			expired, cancel := context.WithDeadline(bg, time.Now().Add(-time.Second))
			defer cancel()
			canceled, cancel2 := context.WithCancel(bg)
			cancel2()
			do(http.MethodGet, "/200", bg)
			do(http.MethodGet, "/404", bg)
			do(http.MethodPost, "/503", bg)
			do(http.MethodGet, "/refused", bg)
			do(http.MethodGet, "/slow", bg)
			do(http.MethodGet, "/200", expired)
			do(http.MethodDelete, "/200", canceled)

			assert.Equal(t, tc.want, samples(t, reg, "dependency_request_seconds"))
			assert.Equal(t, map[float64]uint64{0.1: 1, 0.3: 1, 1.5: 1, 10.5: 1},
				buckets(t, reg, "dependency_request_seconds", `addr="api",errorMessage="",isError="false",method="GET",name="api",status="200",type="http"`))
			assert.NotContains(t, families(t, reg), depRequests)
			// The protocol's camelCase label names (isError) are what
			// testutil's linter objects to, and what dashboards read.
		})
	}
}

// timeoutErr is an error that says it is a timeout, as net's are.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestWatchDependencyBigBrother: under WithBigBrother, the gauge is
// dependency_up{name}.
func TestWatchDependencyBigBrother(t *testing.T) {
	m, reg := depMetrics(t, ginprom.WithBigBrother("1.0.0"))
	stop := m.WatchDependency("postgres", fail, ginprom.WatchTicks(make(chan time.Time), nil))
	defer stop()
	requireExposition(t, reg, `# HELP dependency_up Whether the dependency's last check succeeded: 1 if it returned no error, 0 if it failed, panicked or timed out.
# TYPE dependency_up gauge
dependency_up{name="postgres"} 0
`, "dependency_up")
	assert.NotContains(t, families(t, reg), depUp)
}

// TestDependencySemconv: under WithSemconv the dependency metrics keep
// their default names, with the prefix gin, and the default buckets.
func TestDependencySemconv(t *testing.T) {
	m, reg := depMetrics(t, ginprom.WithSemconv())
	stop := m.WatchDependency("postgres", succeed, ginprom.WatchTicks(make(chan time.Time), nil))
	defer stop()
	rt := m.InstrumentClient("api", roundTripFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
	}))
	require.NoError(t, roundTrip(t, rt, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "http://api/", nil)))
	assert.Equal(t, map[string]float64{"postgres": 1}, upValues(t, reg, depUp))
	assert.Equal(t, map[string]uint64{`method="GET",name="api",status="200"`: 1}, samples(t, reg, depRequests))
	assert.Len(t, buckets(t, reg, depRequests, `method="GET",name="api",status="200"`), len(ginprom.DefaultBuckets))
}

// TestInstrumentClientSetupPanics: an empty or invalid name panics.
func TestInstrumentClientSetupPanics(t *testing.T) {
	m, _ := depMetrics(t)
	coreRequireSetupPanic(t, `InstrumentClient(""): the dependency name is empty`, func() { m.InstrumentClient("", nil) })
	coreRequireSetupPanic(t, "not valid UTF-8", func() { m.InstrumentClient("a\xc3", nil) })
}

// TestInstrumentClientOddResponses: a code outside 100 to 999 is recorded
// as 500, as the middleware records it, and a next that returns neither a
// response nor an error as a transport error; neither panics.
func TestInstrumentClientOddResponses(t *testing.T) {
	m, reg := depMetrics(t)
	codes := map[string]int{"/zero": 0, "/low": 42, "/high": 1000, "/negative": -1, "/ok": 200}
	rt := m.InstrumentClient("odd", roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/nothing" {
			return nil, nil //nolint:nilnil // a RoundTripper that breaks its contract, on purpose
		}
		return &http.Response{StatusCode: codes[r.URL.Path], Body: http.NoBody}, nil
	}))
	for _, path := range []string{"/zero", "/low", "/high", "/negative", "/ok", "/nothing"} {
		_ = roundTrip(t, rt, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "http://odd.internal"+path, nil))
	}
	assert.Equal(t, map[string]uint64{
		`method="GET",name="odd",status="500"`:   4,
		`method="GET",name="odd",status="200"`:   1,
		`method="GET",name="odd",status="error"`: 1,
	}, samples(t, reg, depRequests))
}
