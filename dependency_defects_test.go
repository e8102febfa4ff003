package ginprom_test

import (
	"context"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// The dependency-checker defects of labbsr0x/flask-monitor and
// bancodobrasil/gin-monitor, one test each, showing that ginprom's
// WatchDependency does not have them. They run under WithBigBrother, whose
// dependency_up is the metric those libraries expose.

// flask-monitor allows one dependency per registry. ginprom watches any
// number in one dependency_up, from one Metrics or several on one registry.
func TestDependencyDefectSeveralPerRegistry(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	reg := prometheus.NewRegistry()
	first := ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithBigBrother("1"))
	second := ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithBigBrother("1"))
	defer first.Close()
	defer second.Close()
	noTicks := ginprom.WatchTicks(make(chan time.Time), nil)
	first.WatchDependency("postgres", succeed, noTicks)
	first.WatchDependency("redis", fail, noTicks)
	second.WatchDependency("billing", succeed, noTicks)
	requireExposition(t, reg, `# HELP dependency_up Whether the dependency's last check succeeded: 1 if it returned no error, 0 if it failed, panicked or timed out.
# TYPE dependency_up gauge
dependency_up{name="billing"} 1
dependency_up{name="postgres"} 1
dependency_up{name="redis"} 0
`, "dependency_up")
}

// In flask-monitor a crashing check keeps the last value, so a dead
// dependency can show as up forever. In ginprom a check that panics, or
// hangs past its timeout, sets 0 whatever the value was.
func TestDependencyDefectCrashSetsZero(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, reg := depMetrics(t, ginprom.WithBigBrother("1"))

	// A crash after a success: 0.
	ticks := make(chan time.Time)
	s := newScript()
	s.steps <- succeed
	stop := m.WatchDependency("crashing", s.check, ginprom.WatchTicks(ticks, nil))
	require.Equal(t, map[string]float64{"crashing": 1}, upValues(t, reg, "dependency_up"))
	s.steps <- crash
	ticks <- time.Time{}
	ticks <- time.Time{} // taken once the crash is recorded
	assert.Equal(t, map[string]float64{"crashing": 0}, upValues(t, reg, "dependency_up"), "after a crash")
	stop()

	// A hang after a success: 0 at the timeout, while the check still hangs.
	hangTicks := make(chan time.Time)
	hang := make(chan struct{})
	calls := 0
	stop = m.WatchDependency("hanging", func(context.Context) error {
		calls++
		if calls > 1 {
			<-hang // ignores its context
		}
		return nil
	}, ginprom.WatchTimeout(20*time.Millisecond), ginprom.WatchTicks(hangTicks, nil))
	require.Equal(t, map[string]float64{"hanging": 1}, upValues(t, reg, "dependency_up"))
	hangTicks <- time.Time{}
	hangTicks <- time.Time{} // taken, and dropped, once the hanging check has timed out
	assert.Equal(t, map[string]float64{"hanging": 0}, upValues(t, reg, "dependency_up"), "after a timeout")
	close(hang)
	stop()
	assert.Equal(t, 2, calls)
}

// flask-monitor documents its interval in seconds but waits milliseconds.
// ginprom's interval and timeout are time.Durations, and the watcher asks
// its ticker for exactly that duration.
func TestDependencyDefectIntervalIsDuration(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	// This compiles only while both take a time.Duration.
	_ = []func(time.Duration) ginprom.WatchOption{ginprom.WatchInterval, ginprom.WatchTimeout}
	m, _ := depMetrics(t, ginprom.WithBigBrother("1"))
	asked := make(chan time.Duration, 1)
	var deadline, began time.Time
	before := time.Now()
	stop := m.WatchDependency("db", func(ctx context.Context) error {
		deadline, _ = ctx.Deadline()
		began = time.Now()
		return nil
	}, ginprom.WatchInterval(2*time.Second), ginprom.WatchTimeout(1500*time.Millisecond), ginprom.WatchTicks(make(chan time.Time), asked))
	stop()
	assert.Equal(t, 2*time.Second, <-asked)
	assert.False(t, deadline.After(began.Add(1500*time.Millisecond)), "deadline %v is more than 1.5s after the check began at %v", deadline, began)
	assert.False(t, deadline.Before(before.Add(1500*time.Millisecond)), "deadline %v is less than 1.5s after WatchDependency was called at %v", deadline, before)
}

// gin-monitor's checker goroutines never stop and have no timeout. In
// ginprom every check's context ends at its timeout, and Close ends every
// watcher's goroutine, and waits for it.
func TestDependencyDefectCheckersStopAndTimeOut(t *testing.T) {
	before := goleak.IgnoreCurrent()
	m, reg := depMetrics(t, ginprom.WithBigBrother("1"))
	timedOut := make(chan error, 100)
	for _, name := range []string{"a", "b", "c"} {
		m.WatchDependency(name, func(ctx context.Context) error {
			<-ctx.Done() // a dependency that never answers
			select {
			case timedOut <- ctx.Err():
			default:
			}
			return ctx.Err()
		}, ginprom.WatchInterval(5*time.Millisecond), ginprom.WatchTimeout(time.Millisecond))
	}
	for range 3 {
		require.ErrorIs(t, <-timedOut, context.DeadlineExceeded)
	}
	assert.Equal(t, map[string]float64{"a": 0, "b": 0, "c": 0}, upValues(t, reg, "dependency_up"))
	m.Close()
	goleak.VerifyNone(t, before)
}
