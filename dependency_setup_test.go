package ginprom_test

import (
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

// TestWatchDependencyTwice: a name watched twice at once panics, on one
// Metrics and across two on one registry; after stop it may be watched
// again; another registry is another namespace.
func TestWatchDependencyTwice(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, reg := depMetrics(t)
	noTicks := ginprom.WatchTicks(make(chan time.Time), nil)
	stop := m.WatchDependency("db", succeed, noTicks)
	coreRequireSetupPanic(t, `WatchDependency("db"): this dependency is watched already`, func() {
		m.WatchDependency("db", fail, noTicks)
	})
	other := ginprom.New(nil, ginprom.WithRegistry(reg))
	coreRequireSetupPanic(t, `WatchDependency("db"): this dependency is watched already`, func() {
		other.WatchDependency("db", fail, noTicks)
	})
	assert.Equal(t, map[string]float64{"db": 1}, upValues(t, reg, depUp), "the failed attempts changed nothing")

	elsewhere, _ := depMetrics(t)
	defer elsewhere.WatchDependency("db", fail, noTicks)()

	stop()
	stop() // a second stop is harmless
	assert.Equal(t, map[string]float64{}, upValues(t, reg, depUp))
	stop = other.WatchDependency("db", fail, noTicks)
	assert.Equal(t, map[string]float64{"db": 0}, upValues(t, reg, depUp))
	stop()
}

// TestWatchDependencyUnderPrefix: the metric takes the defaults prefix, and
// works without the default metrics too.
func TestWatchDependencyUnderPrefix(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, tc := range []struct {
		opt  ginprom.Option
		name string
	}{
		{ginprom.WithDefaultsPrefix("shop"), "shop_dependency_up"},
		{ginprom.WithDefaultsPrefix(ginprom.NoPrefix), "dependency_up"},
		{ginprom.WithoutDefaults(), depUp},
	} {
		m, reg := depMetrics(t, tc.opt)
		stop := m.WatchDependency("db", succeed, ginprom.WatchTicks(make(chan time.Time), nil))
		assert.Equal(t, map[string]float64{"db": 1}, upValues(t, reg, tc.name))
		stop()
	}
}

// TestWatchDependencySetupPanics: setup errors panic with a ginprom
// message that names the culprit, and start nothing.
func TestWatchDependencySetupPanics(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, reg := depMetrics(t)
	cases := []struct {
		name, culprit string
		f             func()
	}{
		{"empty name", "the dependency name is empty", func() { m.WatchDependency("", succeed) }},
		{"invalid UTF-8", "not valid UTF-8", func() { m.WatchDependency("db\xff", succeed) }},
		{"nil check", `WatchDependency("db"): the check is nil`, func() { m.WatchDependency("db", nil) }},
		{"nil option", "option 2 of 2 is nil", func() { m.WatchDependency("db", succeed, ginprom.WatchInterval(time.Second), nil) }},
		{"zero interval", "WatchInterval(0s): the interval must be positive", func() { m.WatchDependency("db", succeed, ginprom.WatchInterval(0)) }},
		{"negative interval", "WatchInterval(-1s)", func() { m.WatchDependency("db", succeed, ginprom.WatchInterval(-time.Second)) }},
		{"zero timeout", "WatchTimeout(0s): the timeout must be positive", func() { m.WatchDependency("db", succeed, ginprom.WatchTimeout(0)) }},
		{"negative timeout", "WatchTimeout(-5ms)", func() { m.WatchDependency("db", succeed, ginprom.WatchTimeout(-5*time.Millisecond)) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			coreRequireSetupPanic(t, tc.culprit, tc.f)
		})
	}
	assert.Empty(t, upValues(t, reg, depUp))
	// None of them claimed the name.
	m.WatchDependency("db", succeed, ginprom.WatchTicks(make(chan time.Time), nil))()
}
