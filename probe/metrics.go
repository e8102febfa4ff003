package probe

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// buckets are the buckets of the duration histogram, those of the
// article's monitor: a probe is fast (under 10ms), fine (under 100ms), slow
// (under 500ms), very slow (under 2s) or worse.
var buckets = []float64{0.01, 0.1, 0.5, 2}

// metrics are the collectors that every target of a Prober writes to.
type metrics struct {
	duration *prometheus.HistogramVec
	success  *prometheus.GaugeVec
	last     *prometheus.GaugeVec
}

// newMetrics registers the collectors, under names (resolved), in reg,
// reusing identical ones already there, and panics on conflicting ones; fn
// is the constructor, for the messages.
func newMetrics(fn string, reg prometheus.Registerer, names Names) *metrics {
	target := []string{names.MethodLabel, names.URLLabel}
	return &metrics{
		duration: register(fn, reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    names.Duration,
			Help:    "Duration of synthetic probes, from the request to the end of the response body, by result.",
			Buckets: buckets,
		}, []string{names.MethodLabel, names.URLLabel, names.ResultLabel}), names.Duration),
		success: register(fn, reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: names.Success,
			Help: "Whether the last synthetic probe succeeded (1) or failed (0).",
		}, target), names.Success),
		last: register(fn, reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: names.LastSuccess,
			Help: "Unix time at which the last successful synthetic probe ended; 0 before the first success.",
		}, target), names.LastSuccess),
	}
}

// resolve creates t's series, at 0, and keeps them on t. The label values
// follow the order of newMetrics's label names: method, url, result.
func (m *metrics) resolve(t *target) {
	t.succeeded = m.duration.WithLabelValues(t.method, t.label, "success")
	t.failed = m.duration.WithLabelValues(t.method, t.label, "failure")
	t.up = m.success.WithLabelValues(t.method, t.label)
	t.last = m.last.WithLabelValues(t.method, t.label)
}

// register registers c in reg and returns it, or the identical collector
// already registered there.
func register[C prometheus.Collector](fn string, reg prometheus.Registerer, c C, name string) C {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic(fmt.Sprintf("probe: %s: cannot register %s: %v; another collector of that name with other labels or help is registered, so use another registry, or other Names with NewNamed", fn, name, err))
}
