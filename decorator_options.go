package ginprom

// A MetricOption configures one decorator metric, as the keyword arguments
// of prometheus_flask_exporter's decorators do. An option that does not
// apply to the kind of metric makes the constructor panic.
type MetricOption interface {
	applyMetric(*metricConfig)
}

type metricOptionFunc func(*metricConfig)

func (f metricOptionFunc) applyMetric(c *metricConfig) { f(c) }

type metricConfig struct {
	buckets    []float64
	objectives map[float64]float64
	noInitial  bool
}

// WithMetricBuckets sets the upper bounds of a [Metrics.Histogram]'s
// buckets, in seconds.
//
// Default: [DefaultBuckets], whatever [WithBuckets] says for the default
// histogram. No bounds keep the default; the last WithMetricBuckets wins.
// The constructor panics if the bounds are not strictly increasing, one is
// NaN, or the metric is not a histogram.
func WithMetricBuckets(buckets ...float64) MetricOption {
	return metricOptionFunc(func(c *metricConfig) {
		if len(buckets) > 0 {
			c.buckets = append([]float64(nil), buckets...)
		}
	})
}

// WithMetricObjectives sets the quantiles a [Metrics.Summary] computes, each
// mapped to its absolute error: {0.5: 0.05, 0.99: 0.001}.
//
// Default: none, so the summary exposes only a count and a sum, as the
// Python client's does. A nil or empty map keeps the default; the last
// WithMetricObjectives wins. The constructor panics if a quantile or an
// error is outside [0, 1], or the metric is not a summary.
func WithMetricObjectives(objectives map[float64]float64) MetricOption {
	return metricOptionFunc(func(c *metricConfig) {
		if len(objectives) > 0 {
			c.objectives = objectives
		}
	})
}

// WithoutInitialSeries stops a decorator whose labels are all static from
// creating its series, at 0, when it is constructed; the series then
// appears with the first request. Decorators with a label function never
// create series in advance, since their values are not known.
//
// Default: the series is created at construction, so that rate() and
// increase() see its first increments. Repeated use changes nothing more.
func WithoutInitialSeries() MetricOption {
	return metricOptionFunc(func(c *metricConfig) { c.noInitial = true })
}
