package ginprom_test

import (
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWatchDependencyAfterRefusedOverflowCounter: a schema that names no
// session or message family, without default metrics, registers nothing
// at New, so the first WatchDependency registers the overflow counter. When
// the registry refuses it, the Metrics keeps nothing of it: a second call
// panics alike, and once the user has unregistered the collector in the
// way, the next calls register it, and what overflows the budget is counted
// there, as without the refusal.
func TestWatchDependencyAfterRefusedOverflowCounter(t *testing.T) {
	s := ginprom.DefaultSchema("gin")
	s.SessionsOpen, s.SessionDuration, s.SessionBytesIn, s.SessionBytesOut = ginprom.Family{}, ginprom.Family{}, ginprom.Family{}, ginprom.Family{}
	s.Messages, s.MessageErrors, s.MessageDuration = ginprom.Family{}, ginprom.Family{}, ginprom.Family{}
	s.MessageBytesIn, s.MessageBytesOut = ginprom.Family{}, ginprom.Family{}
	m, reg := depMetrics(t, ginprom.WithSchema(s), ginprom.WithoutDefaults(), ginprom.WithSeriesLimit(1))
	t.Cleanup(m.Close)
	const help = "Observations recorded in a family's overflow series because the family had reached its series budget (WithSeriesLimit), by family."
	blocker := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gin_series_overflow_total", Help: help}, []string{"metric"})
	reg.MustRegister(blocker)

	msg := `ginprom: metric "gin_series_overflow_total" is already registered by a collector ginprom did not make (*prometheus.CounterVec); choose another name`
	hour := ginprom.WatchInterval(time.Hour)
	assert.PanicsWithValue(t, msg, func() { m.WatchDependency("db", succeed, hour) })
	assert.PanicsWithValue(t, msg, func() { m.WatchDependency("db", succeed, hour) }, "the name is held still: a second call panics alike")

	require.True(t, reg.Unregister(blocker))
	m.WatchDependency("db", succeed, hour)
	m.WatchDependency("queue", fail, hour)
	m.WatchDependency("cache", succeed, hour)
	assert.Equal(t, map[string]float64{"db": 1, ginprom.Overflow: 0}, upValues(t, reg, depUp))
	requireExposition(t, reg, budgetOverflowHead+`gin_series_overflow_total{metric="gin_dependency_up"} 2
`, "gin_series_overflow_total")
}
