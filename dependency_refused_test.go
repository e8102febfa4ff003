package ginprom_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// upHelp is the help text of the dependency gauge, under every schema.
const upHelp = "Whether the dependency's last check succeeded: 1 if it returned no error, 0 if it failed, panicked or timed out."

// scrapeFamily scrapes /metrics through a's engine and returns the lines
// of the family name: its HELP, its TYPE and its series, in the text
// format. A family the scrape does not hold is "".
func scrapeFamily(t testing.TB, a *app, name string) string {
	t.Helper()
	w := a.do(http.MethodGet, "/metrics")
	require.Equal(t, http.StatusOK, w.Code)
	var b strings.Builder
	for line := range strings.Lines(w.Body.String()) {
		if strings.HasPrefix(line, "# HELP "+name+" ") || strings.HasPrefix(line, "# TYPE "+name+" ") ||
			strings.HasPrefix(line, name+"{") || strings.HasPrefix(line, name+" ") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// TestWatchDependencyAfterRefusedGauge: when the registry refuses the
// dependency gauge because another collector holds its name, the Metrics
// keeps nothing of it. While the name is held, every call panics alike;
// once the user has unregistered the collector in the way, the next call
// registers the gauge and its series is scraped, the name is claimed on
// the registry against another Metrics, and Close ends the watcher. The
// check of a refused call never runs.
func TestWatchDependencyAfterRefusedGauge(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []ginprom.Option
		family string
		panic  string
	}{
		{
			name:   "default metrics",
			family: "gin_dependency_up",
			panic: `ginprom: metric "gin_dependency_up" is already registered by a collector ginprom did not make (*prometheus.GaugeVec); ` +
				"give that metric another name, or give this Metrics another registry with WithRegistry, " +
				"or other names with WithDefaultsPrefix",
		},
		{
			name:   "WithBigBrother",
			opts:   []ginprom.Option{ginprom.WithBigBrother("1")},
			family: "dependency_up",
			panic: `ginprom: metric "dependency_up" is already registered by a collector ginprom did not make (*prometheus.GaugeVec); ` +
				"give that metric another name, or give this Metrics another registry with WithRegistry, " +
				"or give the schema's family another Name in WithSchema (a schema's names take no WithDefaultsPrefix)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			a := newApp(t, tc.opts...)
			// A gauge alike ginprom's, which the registry reports as
			// already registered, and lets go when unregistered.
			blocker := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: tc.family, Help: upHelp}, []string{"name"})
			a.reg.MustRegister(blocker)
			noTicks := ginprom.WatchTicks(make(chan time.Time), nil)
			var refusedCalls atomic.Int32
			refused := func(ctx context.Context) error {
				refusedCalls.Add(1)
				return ctx.Err()
			}

			assert.PanicsWithValue(t, tc.panic, func() { a.m.WatchDependency("db", refused, noTicks) })
			assert.PanicsWithValue(t, tc.panic, func() { a.m.WatchDependency("db", refused, noTicks) },
				"the name is held still: a second call panics alike")
			assert.PanicsWithValue(t, tc.panic, func() { a.m.WatchDependency("db", refused, noTicks, ginprom.WatchNoWait()) },
				"and so does one that would not wait")

			require.True(t, a.reg.Unregister(blocker))
			stop := a.m.WatchDependency("db", succeed, noTicks)
			assert.Equal(t, "# HELP "+tc.family+" "+upHelp+"\n# TYPE "+tc.family+" gauge\n"+tc.family+`{name="db"} 1`+"\n",
				scrapeFamily(t, a, tc.family), "the gauge is registered and holds the watcher's result")

			other := ginprom.New(nil, append([]ginprom.Option{ginprom.WithRegistry(a.reg)}, tc.opts...)...)
			assert.PanicsWithValue(t, `ginprom: WatchDependency("db"): this dependency is watched already, on this registry; `+
				"call the stop function of the first watcher, or give this one another name",
				func() { other.WatchDependency("db", fail, noTicks) }, "the name is claimed on the registry")
			stopOther := other.WatchDependency("queue", fail, noTicks)
			assert.Equal(t, "# HELP "+tc.family+" "+upHelp+"\n# TYPE "+tc.family+" gauge\n"+
				tc.family+`{name="db"} 1`+"\n"+tc.family+`{name="queue"} 0`+"\n",
				scrapeFamily(t, a, tc.family), "both Metrics share the one gauge")
			stopOther()

			a.m.Close() // returns once every watcher of a.m has ended
			assert.Empty(t, scrapeFamily(t, a, tc.family), "no series outlives its watcher")
			assert.Equal(t, int32(0), refusedCalls.Load(), "a refused call ran its check")
			stop() // harmless after Close
		})
	}
}

// TestInstrumentClientAfterRefusedHistogram: when the registry refuses the
// dependency request histogram because another collector holds its name,
// the Metrics keeps nothing of it: a second call panics alike, and once the
// user has unregistered the collector in the way, the next call registers
// the histogram and its requests are scraped.
func TestInstrumentClientAfterRefusedHistogram(t *testing.T) {
	a := newApp(t)
	const help = "Duration of outgoing HTTP requests to a dependency, in seconds, until the response's headers arrived."
	blocker := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: depRequests, Help: help}, []string{"name", "method", "status"})
	a.reg.MustRegister(blocker)
	msg := `ginprom: metric "gin_dependency_request_duration_seconds" is already registered by a collector ginprom did not make (*prometheus.HistogramVec); ` +
		"give that metric another name, or give this Metrics another registry with WithRegistry, " +
		"or other names with WithDefaultsPrefix"
	assert.PanicsWithValue(t, msg, func() { a.m.InstrumentClient("db", nil) })
	assert.PanicsWithValue(t, msg, func() { a.m.InstrumentClient("db", nil) }, "the name is held still: a second call panics alike")

	require.True(t, a.reg.Unregister(blocker))
	rt := a.m.InstrumentClient("db", roundTripFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody}, nil
	}))
	for range 3 {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://db.invalid/x", nil)
		require.NoError(t, err)
		require.NoError(t, roundTrip(t, rt, req))
	}
	assert.Equal(t, map[string]uint64{`method="POST",name="db",status="204"`: 3}, samples(t, a.reg, depRequests))
	scraped := scrapeFamily(t, a, depRequests+"_count")
	assert.Equal(t, depRequests+`_count{method="POST",name="db",status="204"} 3`+"\n", scraped, "through the engine's /metrics")
}
