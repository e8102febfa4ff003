package ginprom_test

import (
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/prometheus/client_golang/prometheus"
)

// TestWatchDependencySharedGaugeOwnValues: two Metrics on one registry
// share the dependency gauge, whose schemas give it the same labels but
// another Const value. Each watcher's series carries the values of its own
// Metrics' schema, as the other shared families' series do, not those of
// the Metrics that registered the gauge first.
func TestWatchDependencySharedGaugeOwnValues(t *testing.T) {
	reg := prometheus.NewRegistry()
	metrics := func(service string) *ginprom.Metrics {
		s := ginprom.DefaultSchema("gin")
		s.DependencyUp.Labels = []ginprom.Label{{Name: "name", Value: ginprom.Dependency}, {Name: "service", Value: ginprom.Const(service)}}
		m := ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithSchema(s), ginprom.WithoutDefaults())
		t.Cleanup(m.Close)
		return m
	}
	billing, search := metrics("billing"), metrics("search")
	hour := ginprom.WatchInterval(time.Hour)
	billing.WatchDependency("postgres", succeed, hour)
	search.WatchDependency("elastic", fail, hour)
	requireExposition(t, reg, "# HELP gin_dependency_up "+upHelp+"\n# TYPE gin_dependency_up gauge\n"+
		`gin_dependency_up{name="elastic",service="search"} 0
gin_dependency_up{name="postgres",service="billing"} 1
`, "gin_dependency_up")
}

// TestWatchDependencySharedGaugeOverflow: past the budget of the shared
// gauge, the watchers of each Metrics go to the overflow series of their
// own Const values: one series per Metrics, each 1 while all of its
// overflowed dependencies are up, so that a dependency down is not
// reported under another service.
func TestWatchDependencySharedGaugeOverflow(t *testing.T) {
	reg := prometheus.NewRegistry()
	metrics := func(service string) *ginprom.Metrics {
		s := ginprom.DefaultSchema("gin")
		s.DependencyUp.Labels = []ginprom.Label{{Name: "name", Value: ginprom.Dependency}, {Name: "service", Value: ginprom.Const(service)}}
		m := ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithSchema(s), ginprom.WithoutDefaults(), ginprom.WithSeriesLimit(1))
		t.Cleanup(m.Close)
		return m
	}
	billing, search := metrics("billing"), metrics("search")
	hour := ginprom.WatchInterval(time.Hour)
	billing.WatchDependency("postgres", succeed, hour)
	billing.WatchDependency("redis", fail, hour)
	search.WatchDependency("elastic", succeed, hour)
	search.WatchDependency("kafka", succeed, hour)
	requireExposition(t, reg, "# HELP gin_dependency_up "+upHelp+"\n# TYPE gin_dependency_up gauge\n"+
		`gin_dependency_up{name="<overflow>",service="billing"} 0
gin_dependency_up{name="<overflow>",service="search"} 1
gin_dependency_up{name="postgres",service="billing"} 1
`+budgetOverflowHead+`gin_series_overflow_total{metric="gin_dependency_up"} 3
`, "gin_dependency_up", "gin_series_overflow_total")
}
