package probe

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// buckets are the buckets of synthetic_request_duration_seconds, those of
// the article's monitor: a probe is fast (under 10ms), fine (under 100ms),
// slow (under 500ms), very slow (under 2s) or worse.
var buckets = []float64{0.01, 0.1, 0.5, 2}

// metrics are the collectors that every target of a Prober writes to.
type metrics struct {
	duration *prometheus.HistogramVec
	success  *prometheus.GaugeVec
	last     *prometheus.GaugeVec
}

// newMetrics registers the collectors in reg, reusing identical ones
// already there, and panics on conflicting ones.
func newMetrics(reg prometheus.Registerer) *metrics {
	return &metrics{
		duration: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "synthetic_request_duration_seconds",
			Help:    "Duration of synthetic probes, from the request to the end of the response body, by result.",
			Buckets: buckets,
		}, []string{"method", "url", "result"}), "synthetic_request_duration_seconds"),
		success: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "synthetic_probe_success",
			Help: "Whether the last synthetic probe succeeded (1) or failed (0).",
		}, []string{"method", "url"}), "synthetic_probe_success"),
		last: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "synthetic_last_success_timestamp_seconds",
			Help: "Unix time at which the last successful synthetic probe ended; 0 before the first success.",
		}, []string{"method", "url"}), "synthetic_last_success_timestamp_seconds"),
	}
}

// resolve creates t's series, at 0, and keeps them on t.
func (m *metrics) resolve(t *target) {
	t.succeeded = m.duration.WithLabelValues(t.method, t.label, "success")
	t.failed = m.duration.WithLabelValues(t.method, t.label, "failure")
	t.up = m.success.WithLabelValues(t.method, t.label)
	t.last = m.last.WithLabelValues(t.method, t.label)
}

// register registers c in reg and returns it, or the identical collector
// already registered there.
func register[C prometheus.Collector](reg prometheus.Registerer, c C, name string) C {
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
	panic(fmt.Sprintf("probe: New: cannot register %s: %v; another collector of that name with other labels or help is registered, so use another registry", name, err))
}
