package ginprom

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Info registers an info metric: a gauge at 1 whose labels carry the data,
// such as an application's version or build. m.Info("app_info", "Application
// info", prometheus.Labels{"version": "1.0.3"}) exposes
// app_info{version="1.0.3"} 1. The gauge is returned, so it can be Set.
// nil labels give a plain "name 1". Neither the default labels nor the
// defaults prefix apply. Label values that are not valid UTF-8 are repaired.
// An identical info metric already in the registry is reused and set to 1.
//
// With WithEnabled(false), Info registers nothing and returns a gauge that
// no registry exposes; it can still be Set.
//
// Info panics on an invalid metric or label name, an empty help text, a
// metric of that name already registered with another type, other labels or
// another help text, or a name that is a series of another family, as
// [Metrics.Counter] says.
func (m *Metrics) Info(name, help string, labels prometheus.Labels) prometheus.Gauge {
	where := fmt.Sprintf("Info(%q)", name)
	checkMetric(where, name, help)
	var clean prometheus.Labels
	for k, v := range labels {
		checkLabelName(where, k)
		if clean == nil {
			clean = make(prometheus.Labels, len(labels))
		}
		clean[k] = repairUTF8(v)
	}
	if m.disabled() {
		return unregisteredGauge(name, help, clean)
	}
	g := register(m.reg, name, prometheus.Gauge(infoGauge{prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        name,
		Help:        help,
		ConstLabels: clean,
	})}))
	g.Set(1)
	return g
}

// infoGauge is the gauge of Info, of a type of its own so that a message
// about its name can say that Info registered it.
type infoGauge struct{ prometheus.Gauge }

// checkMetric panics if a user-given metric name or help text is unusable.
func checkMetric(where, name, help string) {
	if !validMetricName(name) {
		panic(fmt.Sprintf("ginprom: %s: %q is not a valid metric name; use ASCII letters, digits, '_' and ':', not beginning with a digit", where, name))
	}
	if help == "" {
		panic(fmt.Sprintf("ginprom: %s: the help text is empty; say what the metric measures", where))
	}
}
