package ginprom_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
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
	m, reg := depMetrics(t, ginprom.WithSchema(noSideSchema()), ginprom.WithoutDefaults(), ginprom.WithSeriesLimit(1))
	t.Cleanup(m.Close)
	blocker := overflowBlocker()
	reg.MustRegister(blocker)

	msg := overflowRefused
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

// TestDecoratorAfterRefusedOverflowCounter: as for WatchDependency, a
// decorator whose overflow counter the registry refused keeps nothing of
// it: a second decorator panics alike, and once the collector in the way
// is gone, the overflow of a decorator made then is counted, through the
// real router.
func TestDecoratorAfterRefusedOverflowCounter(t *testing.T) {
	a := newApp(t, ginprom.WithSchema(noSideSchema()), ginprom.WithoutDefaults(), ginprom.WithSeriesLimit(1))
	blocker := overflowBlocker()
	a.reg.MustRegister(blocker)
	byID := ginprom.Labels{"id": func(c *gin.Context) string { return c.Param("id") }}
	assert.PanicsWithValue(t, overflowRefused, func() { a.m.Counter("lookups", "Lookups, by id.", byID) })
	assert.PanicsWithValue(t, overflowRefused, func() { a.m.Counter("reads", "Reads, by id.", byID) },
		"the name is held still: a second decorator panics alike")

	require.True(t, a.reg.Unregister(blocker))
	a.r.GET("/users/:id", a.m.Counter("reads", "Reads, by id.", byID), ok)
	for _, id := range []string{"1", "2", "3", "2"} {
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/users/"+id).Code)
	}
	requireExposition(t, a.reg, `# HELP reads_total Reads, by id.
# TYPE reads_total counter
reads_total{id="1"} 1
reads_total{id="<overflow>"} 3
`+budgetOverflowHead+`gin_series_overflow_total{metric="reads_total"} 3
`, "reads_total", "gin_series_overflow_total")
}

// overflowRefused is the panic of a setup whose overflow counter the
// registry refuses, its name held by overflowBlocker.
const overflowRefused = `ginprom: metric "gin_series_overflow_total" is already registered by a collector ginprom did not make (*prometheus.CounterVec); choose another name`

// overflowBlocker is a counter like ginprom's overflow counter, which the
// registry reports as already registered.
func overflowBlocker() *prometheus.CounterVec {
	const help = "Observations recorded in a family's overflow series because the family had reached its series budget (WithSeriesLimit), by family."
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gin_series_overflow_total", Help: help}, []string{"metric"})
}

// noSideSchema is DefaultSchema("gin") without the session and message
// families, so that New under WithoutDefaults registers nothing with a
// series budget, and the first family that has one registers the overflow
// counter.
func noSideSchema() ginprom.Schema {
	s := ginprom.DefaultSchema("gin")
	s.SessionsOpen, s.SessionDuration, s.SessionBytesIn, s.SessionBytesOut = ginprom.Family{}, ginprom.Family{}, ginprom.Family{}, ginprom.Family{}
	s.Messages, s.MessageErrors, s.MessageDuration = ginprom.Family{}, ginprom.Family{}, ginprom.Family{}
	s.MessageBytesIn, s.MessageBytesOut = ginprom.Family{}, ginprom.Family{}
	return s
}
