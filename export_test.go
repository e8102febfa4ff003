package ginprom

import (
	"testing"
	"time"
)

// SetPushTimeout shortens the least timeout of the pushes of StartPushing
// (PushTimeout) until the test ends, so that a test of a gateway that never
// answers does not wait 10s. Tests that call it must not run in parallel.
func SetPushTimeout(t *testing.T, d time.Duration) {
	t.Helper()
	old := pushTimeout
	pushTimeout = d
	t.Cleanup(func() { pushTimeout = old })
}

// RequestSeriesHeld returns the series the request store of m holds,
// exposed or not.
func RequestSeriesHeld(m *Metrics) int { return m.defaults.requests.Held() }
