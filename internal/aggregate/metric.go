package aggregate

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// ConstMetric turns a failure to build a metric of desc, which the checks
// at setup rule out, into an error of the scrape rather than a panic.
func ConstMetric(desc *prometheus.Desc) func(prometheus.Metric, error) prometheus.Metric {
	return func(m prometheus.Metric, err error) prometheus.Metric {
		if err != nil {
			return prometheus.NewInvalidMetric(desc, fmt.Errorf("ginprom: %w", err))
		}
		return m
	}
}
