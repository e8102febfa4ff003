package probe_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom/probe"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// run starts p.Run(ctx) and returns the channel its result arrives on.
func run(ctx context.Context, p *probe.Prober) <-chan error {
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return done
}

// TestRunReturnsCtxErr: Run probes at once and then on every tick, and
// returns ctx.Err() when its context ends, whether cancelled or past its
// deadline, leaving no goroutine behind (TestMain checks).
func TestRunReturnsCtxErr(t *testing.T) {
	t.Run("cancelled", func(t *testing.T) {
		srv := newServer(t, status(http.StatusOK))
		reg := prometheus.NewRegistry()
		p := probe.New(reg, time.Millisecond, probe.Target{URL: srv.URL})
		ctx, cancel := context.WithCancel(context.Background())
		done := run(ctx, p)
		for range 4 { // the first at once, then on ticks; each after the last was recorded
			<-srv.arrived
		}
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
		assert.GreaterOrEqual(t, gather(t, reg, http.MethodGet, srv.URL).successes, uint64(3))
	})
	t.Run("deadline", func(t *testing.T) {
		srv := newServer(t, status(http.StatusOK))
		p := probe.New(prometheus.NewRegistry(), time.Hour, probe.Target{URL: srv.URL})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		require.ErrorIs(t, <-run(ctx, p), context.DeadlineExceeded)
		assert.Len(t, srv.arrived, 1, "one probe at once, none more within the hour")
	})
	t.Run("already ended", func(t *testing.T) {
		srv := newServer(t, status(http.StatusOK))
		p := probe.New(prometheus.NewRegistry(), time.Millisecond, probe.Target{URL: srv.URL})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		require.ErrorIs(t, p.Run(ctx), context.Canceled)
		assert.Empty(t, srv.arrived)
	})
	t.Run("during a probe", func(t *testing.T) {
		// The context ends while a probe hangs: Run returns at once,
		// and the cut-short probe is not recorded as a failure.
		srv := newServer(t, hang)
		reg := prometheus.NewRegistry()
		p := probe.New(reg, time.Hour, probe.Target{URL: srv.URL, Timeout: time.Hour})
		ctx, cancel := context.WithCancel(context.Background())
		done := run(ctx, p)
		<-srv.arrived
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
		got := gather(t, reg, http.MethodGet, srv.URL)
		assert.Equal(t, uint64(0), got.failures+got.successes)
	})
}

// TestRunNeverOverlaps: a target whose probe is still running when its
// next ticks come is not probed again until that probe ends, and then at
// once; another target keeps its own schedule meanwhile.
func TestRunNeverOverlaps(t *testing.T) {
	gate := make(chan struct{})
	var most atomic.Int32
	slow := newServer(t, gated(gate, &most))
	fast := newServer(t, status(http.StatusOK))
	reg := prometheus.NewRegistry()
	p := probe.New(reg, time.Millisecond,
		probe.Target{URL: slow.URL, Timeout: time.Hour},
		probe.Target{URL: fast.URL},
	)
	ctx, cancel := context.WithCancel(context.Background())
	done := run(ctx, p)

	for range 3 {
		<-slow.arrived
		// While the slow probe is held, the fast target is probed on
		// five ticks of its own, so the slow one's ticker has ticked too.
		for range 5 {
			<-fast.arrived
		}
		assert.Empty(t, slow.arrived, "a second probe of the slow target started while the first ran")
		gate <- struct{}{} // the held probe ends; the pending tick starts the next one
	}
	<-slow.arrived // the fourth, so the third was recorded
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	assert.Equal(t, int32(1), most.Load(), "probes of one target overlapped")
	assert.GreaterOrEqual(t, gather(t, reg, http.MethodGet, slow.URL).successes, uint64(3))
}

// TestProbeOnceWaitsForARunningProbe: ProbeOnce during a probe of the same
// target (here, Run's) probes it after that probe ends, never alongside.
func TestProbeOnceWaitsForARunningProbe(t *testing.T) {
	gate := make(chan struct{})
	var most atomic.Int32
	srv := newServer(t, gated(gate, &most))
	reg := prometheus.NewRegistry()
	p := probe.New(reg, time.Hour, probe.Target{URL: srv.URL, Timeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := run(ctx, p)
	<-srv.arrived // Run's first probe is held

	once := make(chan struct{})
	go func() {
		p.ProbeOnce(context.Background())
		close(once)
	}()
	gate <- struct{}{} // Run's probe ends
	<-srv.arrived      // then ProbeOnce's starts
	gate <- struct{}{}
	<-once
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	assert.Equal(t, int32(1), most.Load(), "two probes of one target ran at once")
	assert.Equal(t, uint64(2), gather(t, reg, http.MethodGet, srv.URL).successes)
}

// TestProbeOnceCtx: a round whose context ends is not recorded, neither the
// probe it cut short nor one it never started.
func TestProbeOnceCtx(t *testing.T) {
	srv := newServer(t, hang)
	reg := prometheus.NewRegistry()
	p := probe.New(reg, time.Hour, probe.Target{URL: srv.URL, Timeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-srv.arrived
		cancel()
	}()
	p.ProbeOnce(ctx)
	p.ProbeOnce(ctx) // already ended: sends nothing
	got := gather(t, reg, http.MethodGet, srv.URL)
	assert.Equal(t, uint64(0), got.failures+got.successes)
	assert.Empty(t, srv.arrived)
}

// TestProbeOnceEveryTarget: a round probes every target, each with its own
// result.
func TestProbeOnceEveryTarget(t *testing.T) {
	hung := newServer(t, hang)
	up := newServer(t, status(http.StatusOK))
	down := newServer(t, status(http.StatusServiceUnavailable))
	reg := prometheus.NewRegistry()
	p := probe.New(reg, time.Minute,
		probe.Target{URL: hung.URL, Timeout: 100 * time.Millisecond},
		probe.Target{URL: up.URL},
		probe.Target{Method: http.MethodPost, URL: down.URL},
	)
	p.ProbeOnce(context.Background())
	h := gather(t, reg, "GET", hung.URL)
	assert.Equal(t, uint64(1), h.failures)
	assert.Equal(t, uint64(0), h.successes)
	assert.Equal(t, uint64(1), gather(t, reg, "GET", up.URL).successes)
	assert.InDelta(t, 1.0, gather(t, reg, "GET", up.URL).up, 0)
	assert.Equal(t, uint64(1), gather(t, reg, "POST", down.URL).failures)
}

// TestRunTwicePanics: a Prober runs once at a time.
func TestRunTwicePanics(t *testing.T) {
	srv := newServer(t, status(http.StatusOK))
	p := probe.New(prometheus.NewRegistry(), time.Hour, probe.Target{URL: srv.URL})
	ctx, cancel := context.WithCancel(context.Background())
	done := run(ctx, p)
	<-srv.arrived
	requirePanic(t, func() { _ = p.Run(ctx) }, "already running")
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	// After it returned, it may run again.
	ctx2, cancel2 := context.WithCancel(context.Background())
	done = run(ctx2, p)
	<-srv.arrived
	cancel2()
	require.ErrorIs(t, <-done, context.Canceled)
}

// TestZeroProberPanics: a Prober not made by New has no targets; Run would
// return at once instead of probing until its context ends, so both
// methods say how to make one.
func TestZeroProberPanics(t *testing.T) {
	ctx := context.Background()
	var nilProber *probe.Prober
	for name, p := range map[string]*probe.Prober{"zero": {}, "nil": nilProber} {
		t.Run(name, func(t *testing.T) {
			requirePanic(t, func() { _ = p.Run(ctx) }, "probe: Run: the Prober is nil or was not made by New", "probe.New(")
			requirePanic(t, func() { p.ProbeOnce(ctx) }, "probe: ProbeOnce: the Prober is nil or was not made by New")
		})
	}
}

// gated returns a handler that answers 200 once gate passes it a value (or
// the test ends), and keeps in most the largest number of requests it held
// at once.
func gated(gate <-chan struct{}, most *atomic.Int32) func(*server, http.ResponseWriter, *http.Request) {
	var inFlight atomic.Int32
	return func(s *server, w http.ResponseWriter, _ *http.Request) {
		n := inFlight.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		defer inFlight.Add(-1)
		select {
		case <-gate:
		case <-s.release:
		}
		w.WriteHeader(http.StatusOK)
	}
}
