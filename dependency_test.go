package ginprom_test

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

const (
	depUp     = "gin_dependency_up"
	depUpHead = "# HELP gin_dependency_up Whether the dependency's last check succeeded: 1 if it returned no error, 0 if it failed, panicked or timed out.\n" +
		"# TYPE gin_dependency_up gauge\n"
)

// depMetrics returns a Metrics on a fresh registry of its own.
func depMetrics(t testing.TB, opts ...ginprom.Option) (*ginprom.Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	return ginprom.New(nil, append([]ginprom.Option{ginprom.WithRegistry(reg)}, opts...)...), reg
}

// upValues returns the value of each series of the gauge family name, keyed
// by its name label.
func upValues(t testing.TB, g prometheus.Gatherer, name string) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			require.Len(t, m.GetLabel(), 1)
			require.Equal(t, "name", m.GetLabel()[0].GetName())
			out[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
	}
	return out
}

// script is a check whose every call does what the test sends on steps;
// a call with no step waits for one or for its context to end.
type script struct {
	steps chan func(ctx context.Context) error
	calls atomic.Int32
}

func newScript() *script {
	return &script{steps: make(chan func(context.Context) error, 1)}
}

func (s *script) check(ctx context.Context) error {
	s.calls.Add(1)
	select {
	case f := <-s.steps:
		return f(ctx)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func succeed(context.Context) error { return nil }

var errDown = errors.New("connection refused")

func fail(context.Context) error { return errDown }

func crash(context.Context) error { panic("check crashed") }

// TestWatchDependencyFirstCheckBeforeReturn: the first check has run and
// its result is exposed when WatchDependency returns, under the default
// name, with the name label alone.
func TestWatchDependencyFirstCheckBeforeReturn(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, reg := depMetrics(t, ginprom.WithDefaultLabels(ginprom.Labels{"env": "prod"}))
	calls := 0
	stop := m.WatchDependency("postgres", func(context.Context) error { calls++; return nil },
		ginprom.WatchTicks(make(chan time.Time), nil))
	defer stop()
	assert.Equal(t, 1, calls)
	requireExposition(t, reg, depUpHead+`gin_dependency_up{name="postgres"} 1
`, depUp)
	requireLint(t, reg)
}

// TestWatchDependencyResults: each check sets the value: 1 after nil, 0
// after an error, and 0 after a panic, whatever the value was before (a
// crashing check never keeps the last value, as flask-monitor's does). The
// panic is written to gin.DefaultErrorWriter.
func TestWatchDependencyResults(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var log bytes.Buffer
	old := gin.DefaultErrorWriter
	gin.DefaultErrorWriter = &log
	defer func() { gin.DefaultErrorWriter = old }()

	m, reg := depMetrics(t)
	ticks := make(chan time.Time)
	s := newScript()
	s.steps <- succeed
	stop := m.WatchDependency("db", s.check, ginprom.WatchTicks(ticks, nil))
	assert.Equal(t, map[string]float64{"db": 1}, upValues(t, reg, depUp), "after the first check")

	// Each tick starts a check, which waits for its step; the tick after
	// the step can only be taken once that check's result is recorded.
	ticks <- time.Time{}
	for i, step := range []struct {
		name string
		do   func(context.Context) error
		want float64
	}{
		{"error", fail, 0},
		{"nil after an error", succeed, 1},
		{"panic after a success", crash, 0},
		{"nil after a panic", succeed, 1},
		{"error after a success", fail, 0},
	} {
		s.steps <- step.do
		ticks <- time.Time{}
		assert.Equal(t, map[string]float64{"db": step.want}, upValues(t, reg, depUp), "step %d: %s", i+1, step.name)
	}
	stop()
	assert.EqualValues(t, 7, s.calls.Load(), "checks: the first, one per step, and the one stop cancelled")
	assert.Equal(t, "ginprom: WatchDependency(\"db\"): the check panicked: check crashed\n", log.String())
}

// TestWatchDependencyTimeout: a check that ignores its context counts as 0
// at its timeout, and WatchDependency returns then; the ticks that come
// while it still runs start no other check, its late success is discarded,
// and the next check starts at the first tick after it returned.
func TestWatchDependencyTimeout(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, reg := depMetrics(t)
	ticks := make(chan time.Time)
	release := make(chan struct{})
	started := make(chan int, 10)
	second := make(chan struct{})
	var calls, running, most atomic.Int32
	check := func(ctx context.Context) error {
		n := calls.Add(1)
		if r := running.Add(1); r > most.Load() {
			most.Store(r)
		}
		defer running.Add(-1)
		started <- int(n)
		switch n {
		case 1:
			<-release // ignores ctx
			return nil
		case 2:
			select {
			case <-second:
			case <-ctx.Done():
			}
			return errDown
		}
		return nil
	}
	stop := m.WatchDependency("slow", check, ginprom.WatchTimeout(20*time.Millisecond), ginprom.WatchTicks(ticks, nil))
	require.Equal(t, 1, <-started)
	assert.Equal(t, map[string]float64{"slow": 0}, upValues(t, reg, depUp), "at the timeout, while the check still runs")

	// The check still runs: these ticks are taken and dropped.
	ticks <- time.Time{}
	ticks <- time.Time{}
	close(release)
	// Ticks until the watcher starts the second check; those taken before
	// it saw the first one return are dropped too.
	for n := 0; n == 0; {
		select {
		case ticks <- time.Time{}:
		case n = <-started:
			assert.Equal(t, 2, n)
		}
	}
	assert.Equal(t, map[string]float64{"slow": 0}, upValues(t, reg, depUp), "the late success of the first check was discarded")
	close(second)
	stop()
	assert.EqualValues(t, 2, calls.Load(), "checks")
	assert.EqualValues(t, 1, most.Load(), "checks running at once")
}

// TestWatchDependencyContextTimeout: a check that honours its context gets
// one that ends at its timeout and counts 0 then.
func TestWatchDependencyContextTimeout(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, reg := depMetrics(t)
	var got error
	stop := m.WatchDependency("blocked", func(ctx context.Context) error {
		<-ctx.Done()
		got = ctx.Err()
		return got
	}, ginprom.WatchTimeout(10*time.Millisecond), ginprom.WatchTicks(make(chan time.Time), nil))
	assert.Equal(t, map[string]float64{"blocked": 0}, upValues(t, reg, depUp))
	stop() // waits for the check, which may return after the round has counted it
	assert.ErrorIs(t, got, context.DeadlineExceeded)
}

// TestWatchDurations: the interval and the timeout are time.Durations
// (flask-monitor documents seconds and waits milliseconds): the watcher
// asks its ticker for exactly the interval, 15s by default, and the check's
// deadline is exactly the timeout after the check began, 5s by default,
// capped at the interval.
func TestWatchDurations(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cases := []struct {
		name              string
		opts              []ginprom.WatchOption
		interval, timeout time.Duration
	}{
		{"defaults", nil, 15 * time.Second, 5 * time.Second},
		{"interval", []ginprom.WatchOption{ginprom.WatchInterval(time.Minute)}, time.Minute, 5 * time.Second},
		{"timeout", []ginprom.WatchOption{ginprom.WatchTimeout(2 * time.Second)}, 15 * time.Second, 2 * time.Second},
		{"timeout capped at the interval", []ginprom.WatchOption{ginprom.WatchInterval(3 * time.Second), ginprom.WatchTimeout(time.Minute)}, 3 * time.Second, 3 * time.Second},
		{"default timeout capped", []ginprom.WatchOption{ginprom.WatchInterval(time.Second)}, time.Second, time.Second},
		{"last wins", []ginprom.WatchOption{ginprom.WatchInterval(time.Second), ginprom.WatchInterval(40 * time.Second), ginprom.WatchTimeout(time.Second), ginprom.WatchTimeout(7 * time.Second)}, 40 * time.Second, 7 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := depMetrics(t)
			asked := make(chan time.Duration, 1)
			var before, inside, deadline time.Time
			var hasDeadline bool
			before = time.Now()
			stop := m.WatchDependency("d", func(ctx context.Context) error {
				inside = time.Now()
				deadline, hasDeadline = ctx.Deadline()
				return nil
			}, append(tc.opts, ginprom.WatchTicks(make(chan time.Time), asked))...)
			stop()
			assert.Equal(t, tc.interval, <-asked, "interval")
			require.True(t, hasDeadline, "the check's context has a deadline")
			// The deadline was set between before and the check's start.
			assert.False(t, deadline.Before(before.Add(tc.timeout)), "deadline %v is earlier than %v after WatchDependency was called", deadline, tc.timeout)
			assert.False(t, deadline.After(inside.Add(tc.timeout)), "deadline %v is later than %v after the check began", deadline, tc.timeout)
		})
	}
}

// TestWatchDependencyTicker: with a real ticker, checks keep coming, one
// per interval; after stop no goroutine is left.
func TestWatchDependencyTicker(t *testing.T) {
	before := goleak.IgnoreCurrent()
	m, reg := depMetrics(t)
	calls := make(chan struct{})
	var n atomic.Int32
	stop := m.WatchDependency("tick", func(ctx context.Context) error {
		if n.Add(1) == 1 {
			return nil // the first check runs before WatchDependency returns
		}
		select {
		case calls <- struct{}{}:
		case <-ctx.Done():
		}
		return errDown
	}, ginprom.WatchInterval(time.Millisecond))
	for range 3 {
		<-calls
	}
	stop()
	assert.Equal(t, map[string]float64{}, upValues(t, reg, depUp), "the series is removed at stop")
	got := n.Load()
	assert.GreaterOrEqual(t, got, int32(4))
	goleak.VerifyNone(t, before)
	assert.Equal(t, got, n.Load(), "a check ran after stop")
}

// TestWatchSeveralDependencies: several dependencies share one metric on
// one registry (flask-monitor allows one per registry), each with its own
// value.
func TestWatchSeveralDependencies(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, reg := depMetrics(t)
	noTicks := ginprom.WatchTicks(make(chan time.Time), nil)
	defer m.WatchDependency("postgres", succeed, noTicks)()
	defer m.WatchDependency("redis", fail, noTicks)()
	defer m.WatchDependency("billing", succeed, noTicks)()
	requireExposition(t, reg, depUpHead+`gin_dependency_up{name="billing"} 1
gin_dependency_up{name="postgres"} 1
gin_dependency_up{name="redis"} 0
`, depUp)
}

// TestWatchDependencyStopCancelsCheck: stop cancels the context of a check
// in progress and returns once it has returned; a stop from several
// goroutines at once returns in each.
func TestWatchDependencyStopCancelsCheck(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, reg := depMetrics(t)
	ticks := make(chan time.Time)
	inCheck := make(chan struct{})
	var calls atomic.Int32
	var got error
	stop := m.WatchDependency("db", func(ctx context.Context) error {
		if calls.Add(1) == 1 {
			return nil
		}
		close(inCheck)
		<-ctx.Done()
		got = ctx.Err()
		return got
	}, ginprom.WatchTicks(ticks, nil))
	ticks <- time.Time{}
	<-inCheck

	var returned atomic.Int32
	done := make(chan struct{})
	for range 3 {
		go func() {
			stop()
			returned.Add(1)
			done <- struct{}{}
		}()
	}
	for range 3 {
		<-done
	}
	assert.EqualValues(t, 3, returned.Load())
	assert.EqualValues(t, 2, calls.Load())
	require.ErrorIs(t, got, context.Canceled, "the check's context")
	assert.Equal(t, map[string]float64{}, upValues(t, reg, depUp))
}

// TestClose: Close stops every watcher of m, checks in progress included,
// and leaves m usable.
func TestClose(t *testing.T) {
	before := goleak.IgnoreCurrent()
	m, reg := depMetrics(t)
	ticks := make(chan time.Time)
	s := newScript()
	s.steps <- succeed
	m.WatchDependency("db", s.check, ginprom.WatchTicks(ticks, nil))
	m.WatchDependency("cache", fail, ginprom.WatchInterval(time.Millisecond))
	ticks <- time.Time{}
	assert.Equal(t, map[string]float64{"db": 1, "cache": 0}, upValues(t, reg, depUp))

	m.Close()
	assert.Equal(t, map[string]float64{}, upValues(t, reg, depUp))
	goleak.VerifyNone(t, before)
	m.Close()

	stop := m.WatchDependency("db", succeed, ginprom.WatchTicks(ticks, nil))
	assert.Equal(t, map[string]float64{"db": 1}, upValues(t, reg, depUp))
	stop()
	goleak.VerifyNone(t, before)
}

// TestWatchNoWait: with WatchNoWait, WatchDependency returns while the
// first check is still running; the series appears with its result.
func TestWatchNoWait(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, reg := depMetrics(t)
	ticks := make(chan time.Time)
	started, release := make(chan struct{}, 2), make(chan struct{})
	stop := m.WatchDependency("slow", func(context.Context) error {
		started <- struct{}{}
		<-release
		return nil
	}, ginprom.WatchNoWait(), ginprom.WatchTicks(ticks, nil))
	defer stop()
	<-started // the first check started, and WatchDependency has returned
	assert.Empty(t, upValues(t, reg, depUp), "no series before the first result")
	close(release)
	ticks <- time.Time{} // taken once the first check's result is recorded
	assert.Equal(t, map[string]float64{"slow": 1}, upValues(t, reg, depUp))
}
