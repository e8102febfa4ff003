package ginprom_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// These tests check what can be checked without a Pushgateway: what is
// sent, to which address, and what happens when nobody answers. The pushes
// to a real Pushgateway, and Prometheus scraping it, are in e2e/push_test.go.

// pushText makes every push of the instance in the text format, so that a
// test can compare the pushed body with what the registry gathers.
var pushText = ginprom.WithPusher(func(p *push.Pusher) {
	p.Format("text/plain; version=0.0.4; charset=utf-8")
})

// pushed is one request received by a gatewayRecorder.
type pushed struct {
	method, path, contentType, body string
	header                          http.Header
}

// gatewayRecorder is an HTTP server that records the pushes it receives
// and answers them with status.
type gatewayRecorder struct {
	*httptest.Server
	mu     sync.Mutex
	pushes []pushed
	status int
	// arrived receives the number of pushes so far after each push, when
	// there is room; tests wait on it instead of sleeping.
	arrived chan int
}

func newGatewayRecorder(t *testing.T, status int) *gatewayRecorder {
	t.Helper()
	g := &gatewayRecorder{status: status, arrived: make(chan int, 1000)}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		g.pushes = append(g.pushes, pushed{r.Method, r.URL.EscapedPath(), r.Header.Get("Content-Type"), string(b), r.Header})
		n := len(g.pushes)
		g.mu.Unlock()
		w.WriteHeader(g.status)
		select {
		case g.arrived <- n:
		default:
		}
	}))
	t.Cleanup(g.Close)
	return g
}

// received returns a copy of the pushes received so far.
func (g *gatewayRecorder) received() []pushed {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]pushed(nil), g.pushes...)
}

// waitPushes waits until at least n pushes have arrived. The deadline
// bounds a broken test; it is not what synchronises it.
func (g *gatewayRecorder) waitPushes(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		select {
		case got := <-g.arrived:
			if got >= n {
				return
			}
		case <-deadline:
			t.Fatalf("%d pushes arrived, want %d", len(g.received()), n)
		}
	}
}

// deadGateway returns the address of a port on which nothing listens.
func deadGateway(t *testing.T) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}

// lineWriter sends each write to lines, dropping it when lines is full.
type lineWriter struct{ lines chan string }

func (w lineWriter) Write(p []byte) (int, error) {
	select {
	case w.lines <- string(p):
	default:
	}
	return len(p), nil
}

// captureErrorLog sends what is written to gin.DefaultErrorWriter to the
// returned channel, until the test ends. Tests that call it change global
// state and must not run in parallel.
func captureErrorLog(t *testing.T) <-chan string {
	t.Helper()
	old := gin.DefaultErrorWriter
	t.Cleanup(func() { gin.DefaultErrorWriter = old })
	lines := make(chan string, 100)
	gin.DefaultErrorWriter = lineWriter{lines}
	return lines
}

// jobsDone is a counter for the pushed registries.
func jobsDone(reg prometheus.Registerer) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "jobs_done_total", Help: "Jobs done."})
	reg.MustRegister(c)
	return c
}

const jobsDoneText = `# HELP jobs_done_total Jobs done.
# TYPE jobs_done_total counter
jobs_done_total %d
`

func TestPushSendsTheRegistryUnderJobAndInstance(t *testing.T) {
	g := newGatewayRecorder(t, http.StatusOK)
	a := newApp(t, ginprom.WithPushInstance("worker-1"), pushText)
	jobsDone(a.reg).Add(3)
	a.r.GET("/", ok)
	a.do(http.MethodGet, "/")

	require.NoError(t, a.m.Push(context.Background(), g.URL, "nightly"))

	got := g.received()
	require.Len(t, got, 1)
	assert.Equal(t, http.MethodPut, got[0].method, "Push replaces the group")
	assert.Equal(t, "/metrics/job/nightly/instance/worker-1", got[0].path)
	// The pushed body is exactly what the registry gathers: the request
	// metrics, the exporter info and the job's own counter.
	require.NoError(t, testutil.GatherAndCompare(a.reg, strings.NewReader(got[0].body)))
	assert.Contains(t, got[0].body, "\njobs_done_total 3\n")
	assert.Contains(t, got[0].body, `gin_http_request_total{method="GET",status="200"} 1`)
}

func TestPushUsesTheProtobufFormatByDefault(t *testing.T) {
	g := newGatewayRecorder(t, http.StatusAccepted)
	a := newApp(t, ginprom.WithPushInstance("w"))
	require.NoError(t, a.m.Push(context.Background(), g.URL, "nightly"), "a gateway may answer 202")
	got := g.received()
	require.Len(t, got, 1)
	assert.Equal(t, "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited", got[0].contentType)
}

func TestPushInstance(t *testing.T) {
	host, err := os.Hostname()
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		opts []ginprom.Option
		path string
	}{
		{"host name by default", nil, "/metrics/job/j/instance/" + host},
		{"WithPushInstance", []ginprom.Option{ginprom.WithPushInstance("batch-7")}, "/metrics/job/j/instance/batch-7"},
		{"last WithPushInstance wins", []ginprom.Option{ginprom.WithPushInstance("a"), ginprom.WithPushInstance("b")}, "/metrics/job/j/instance/b"},
		{"empty: no instance label", []ginprom.Option{ginprom.WithPushInstance("")}, "/metrics/job/j"},
		{"a slash is base64-encoded", []ginprom.Option{ginprom.WithPushInstance("a/b")}, "/metrics/job/j/instance@base64/YS9i"},
		{"WithPusher may replace it", []ginprom.Option{ginprom.WithPushInstance("a"), ginprom.WithPusher(func(p *push.Pusher) {
			p.Grouping("instance", "c")
		})}, "/metrics/job/j/instance/c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGatewayRecorder(t, http.StatusOK)
			a := newApp(t, tc.opts...)
			require.NoError(t, a.m.Push(context.Background(), g.URL, "j"))
			got := g.received()
			require.Len(t, got, 1)
			assert.Equal(t, tc.path, got[0].path)
		})
	}
}

func TestPushWithPusherRunsInOrder(t *testing.T) {
	g := newGatewayRecorder(t, http.StatusOK)
	a := newApp(t,
		ginprom.WithPusher(func(p *push.Pusher) { p.BasicAuth("first", "x") }),
		ginprom.WithPusher(nil),
		ginprom.WithPusher(func(p *push.Pusher) {
			p.BasicAuth("pusher", "secret").Header(http.Header{"X-Team": {"data"}})
		}),
		ginprom.WithPushInstance("w"))
	require.NoError(t, a.m.Push(context.Background(), g.URL, "j"))
	got := g.received()
	require.Len(t, got, 1)
	r := &http.Request{Header: got[0].header}
	user, password, _ := r.BasicAuth()
	assert.Equal(t, "pusher:secret", user+":"+password, "the later WithPusher runs last")
	assert.Equal(t, "data", got[0].header.Get("X-Team"))
}

func TestPushToADeadGatewayReturnsAnError(t *testing.T) {
	a := newApp(t, ginprom.WithPushInstance("w"))
	url := deadGateway(t)
	err := a.m.Push(context.Background(), url, "nightly")
	require.Error(t, err)
	var opErr *net.OpError
	require.ErrorAs(t, err, &opErr, "the dial error is wrapped")
	assert.Contains(t, err.Error(), `ginprom: push to `+url+` (job "nightly", instance "w")`)
}

func TestPushRefusedByTheGatewayReturnsAnError(t *testing.T) {
	g := newGatewayRecorder(t, http.StatusBadRequest)
	a := newApp(t, ginprom.WithPushInstance("w"))
	err := a.m.Push(context.Background(), g.URL, "nightly")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unexpected status code 400")
}

func TestPushOfAMetricWithAnInstanceLabelFails(t *testing.T) {
	g := newGatewayRecorder(t, http.StatusOK)
	a := newApp(t, ginprom.WithPushInstance("w"))
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "copies_total", Help: "Copies."}, []string{"instance"})
	a.reg.MustRegister(c)
	c.WithLabelValues("db-1").Inc()
	err := a.m.Push(context.Background(), g.URL, "nightly")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already contains grouping label instance")
	assert.Empty(t, g.received(), "nothing is pushed")
}

func TestPushHonoursItsContext(t *testing.T) {
	g := newGatewayRecorder(t, http.StatusOK)
	a := newApp(t, ginprom.WithPushInstance("w"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := a.m.Push(ctx, g.URL, "nightly")
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, g.received())
}

func TestPushSetupPanics(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, url, job string
		msg            string
	}{
		{"empty URL", "", "j", `ginprom: Push: the Pushgateway URL is empty; pass its address, such as "http://pushgateway:9091"`},
		{"empty job", "http://gw:9091", "", `ginprom: Push("http://gw:9091", ""): the job is empty; name the job, such as "nightly_import"`},
		{"not http", "ftp://gw:9091", "j", `ginprom: Push("ftp://gw:9091", "j"): the Pushgateway URL must be an http or https address, such as "http://pushgateway:9091"`},
		{"no host", "http://", "j", `ginprom: Push("http://", "j"): the Pushgateway URL must be an http or https address, such as "http://pushgateway:9091"`},
		{"job in the URL", "http://gw:9091/metrics/job/j", "j", `ginprom: Push("http://gw:9091/metrics/job/j", "j"): give the Pushgateway's base address, without /metrics or /metrics/job/...; the job and instance are added by ginprom`},
		{"no scheme", "pushgateway:9091", "j", `ginprom: Push("pushgateway:9091", "j"): the Pushgateway URL has no scheme; write it with http:// or https://, such as "http://pushgateway:9091"`},
		{"no scheme, an address", "127.0.0.1:9091", "j", `ginprom: Push("127.0.0.1:9091", "j"): the Pushgateway URL has no scheme; write it with http:// or https://, such as "http://127.0.0.1:9091"`},
		// The gateway's metrics page: the push would go to /metrics/metrics/job/j and get a 404.
		{"the gateway's metrics page", "http://gw:9091/metrics", "j", `ginprom: Push("http://gw:9091/metrics", "j"): give the Pushgateway's base address, without /metrics or /metrics/job/...; the job and instance are added by ginprom`},
		{"the metrics page with a slash", "http://gw:9091/metrics/", "j", `ginprom: Push("http://gw:9091/metrics/", "j"): give the Pushgateway's base address, without /metrics or /metrics/job/...; the job and instance are added by ginprom`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.PanicsWithValue(t, tc.msg, func() { _ = a.m.Push(ctx, tc.url, tc.job) })
			want := strings.Replace(tc.msg, "ginprom: Push", "ginprom: StartPushing", 1)
			assert.PanicsWithValue(t, want, func() { a.m.StartPushing(tc.url, tc.job, time.Second) })
		})
	}
	for _, every := range []time.Duration{0, -time.Second} {
		assert.PanicsWithValue(t,
			`ginprom: StartPushing("http://gw:9091", "j", `+every.String()+`): the interval must be positive, such as 15*time.Second`,
			func() { a.m.StartPushing("http://gw:9091", "j", every) })
	}
	assert.NotPanics(t, func() { _ = a.m.Push(ctx, "http://127.0.0.1:1/pushgateway/", "j") }, "a gateway under a route prefix")
}

// The StartPushing tests do not run in parallel: they check that no
// goroutine is left, and some capture gin.DefaultErrorWriter.

func TestStartPushingPushesAtOnceAndALastTimeOnStop(t *testing.T) {
	before := goleak.IgnoreCurrent()
	g := newGatewayRecorder(t, http.StatusOK)
	a := newApp(t, ginprom.WithPushInstance("w"), pushText, ginprom.WithoutDefaults())
	done := jobsDone(a.reg)
	done.Add(1)

	stop := a.m.StartPushing(g.URL, "worker", time.Hour)
	g.waitPushes(t, 1) // the first push does not wait for the first tick
	done.Add(4)
	require.NoError(t, stop(context.Background()))

	// stop has waited for the last push: it is here already.
	got := g.received()
	require.Len(t, got, 2)
	assert.Equal(t, strings.ReplaceAll(jobsDoneText, "%d", "1"), got[0].body)
	assert.Equal(t, strings.ReplaceAll(jobsDoneText, "%d", "5"), got[1].body, "the last push has the final values")
	for _, p := range got {
		assert.Equal(t, http.MethodPut, p.method)
		assert.Equal(t, "/metrics/job/worker/instance/w", p.path)
	}

	// stop again: nothing more is pushed, the same result comes back.
	require.NoError(t, stop(context.Background()))
	assert.Len(t, g.received(), 2)

	g.Close()
	goleak.VerifyNone(t, before)
}

func TestStartPushingPushesEveryTick(t *testing.T) {
	before := goleak.IgnoreCurrent()
	g := newGatewayRecorder(t, http.StatusOK)
	a := newApp(t, ginprom.WithPushInstance("w"), pushText, ginprom.WithoutDefaults())
	done := jobsDone(a.reg)

	stop := a.m.StartPushing(g.URL, "worker", time.Millisecond)
	g.waitPushes(t, 3)
	done.Inc()
	g.waitPushes(t, len(g.received())+2) // pushes after the increment
	require.NoError(t, stop(context.Background()))
	got := g.received()
	assert.Equal(t, strings.ReplaceAll(jobsDoneText, "%d", "1"), got[len(got)-1].body)

	g.Close()
	goleak.VerifyNone(t, before)
}

func TestStartPushingToADeadGatewayLogsAndKeepsGoing(t *testing.T) {
	before := goleak.IgnoreCurrent()
	logs := captureErrorLog(t)
	a := newApp(t, ginprom.WithPushInstance("w"))
	url := deadGateway(t)

	stop := a.m.StartPushing(url, "worker", time.Millisecond)
	// Three failures in a row, each logged: the first push and two ticks.
	for i := range 3 {
		select {
		case line := <-logs:
			assert.True(t, strings.HasPrefix(line, `ginprom: push to `+url+` (job "worker", instance "w"): `), "log line %d: %q", i+1, line)
			assert.True(t, strings.HasSuffix(line, "; trying again in 1ms\n"), "log line %d: %q", i+1, line)
		case <-time.After(time.Minute):
			t.Fatalf("%d failed pushes logged, want 3", i)
		}
	}

	err := stop(context.Background())
	require.Error(t, err, "the last push fails too, and stop says so")
	var opErr *net.OpError
	require.ErrorAs(t, err, &opErr)
	assert.Equal(t, err, stop(context.Background()), "stop again returns the same error")

	// stop has waited for the pushing goroutine: none is left to push or
	// log again.
	goleak.VerifyNone(t, before)
}

func TestStartPushingStopBoundedByItsContext(t *testing.T) {
	before := goleak.IgnoreCurrent()
	g := newGatewayRecorder(t, http.StatusOK)
	a := newApp(t, ginprom.WithPushInstance("w"))
	stop := a.m.StartPushing(g.URL, "worker", time.Hour)
	g.waitPushes(t, 1)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, stop(ctx), context.Canceled, "the last push runs under stop's context")
	assert.Len(t, g.received(), 1)

	g.Close()
	goleak.VerifyNone(t, before)
}

// hangingGateway returns the URL of a gateway that accepts pushes and never
// answers them, and the function that shuts it down (called at the end of
// the test at the latest).
func hangingGateway(t *testing.T) (url string, shutdown func()) {
	t.Helper()
	release := make(chan struct{})
	g := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	var once sync.Once
	shutdown = func() {
		once.Do(func() {
			close(release)
			g.Close()
		})
	}
	t.Cleanup(shutdown)
	return g.URL, shutdown
}

func TestStartPushingStopWithoutDeadlineDoesNotHangOnAHungGateway(t *testing.T) {
	before := goleak.IgnoreCurrent()
	ginprom.SetPushTimeout(t, 50*time.Millisecond)
	logs := captureErrorLog(t)
	a := newApp(t, ginprom.WithPushInstance("w"))
	url, shutdown := hangingGateway(t)

	stop := a.m.StartPushing(url, "worker", time.Millisecond)
	select {
	case line := <-logs:
		assert.Contains(t, line, "context deadline exceeded", "a periodic push that hangs is cancelled and logged")
	case <-time.After(time.Minute):
		t.Fatal("no failed push logged")
	}

	// A background context has no deadline: the last push is bounded by
	// the push timeout all the same, so a process can always stop.
	err := stop(context.Background())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), `ginprom: push to `+url+` (job "worker", instance "w")`)

	shutdown()
	goleak.VerifyNone(t, before)
}
