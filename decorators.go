package ginprom

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

type metricKind uint8

const (
	kindCounter metricKind = iota
	kindGauge
	kindSummary
	kindHistogram
)

var kindNames = [...]string{"Counter", "Gauge", "Summary", "Histogram"}

// decorator is one metric made by Counter, Gauge, Summary or Histogram, and
// the handler that records it.
type decorator struct {
	m      *Metrics
	kind   metricKind
	labels labelSet // the decorator's and the default labels
	// fixed says that every label value is known at setup; values are
	// then those values, and the metric has one series, found once.
	fixed  bool
	values []string
	// oneFunc says that the only label is a label function.
	oneFunc bool
	// fromRequest has bit i set if labels[i] is a label function: in an
	// overflow series, its value reads Overflow.
	fromRequest uint64
	// mayLeaveOut says that exclusions, or a skipper that the decorators
	// ask themselves, may leave requests out, without any mark.
	mayLeaveOut bool

	// The family in the engine, one set by kind: sum for counters,
	// gauge, hist for histograms and summaries without objectives, and
	// the family's series budget. A summary with objectives keeps its
	// series, and its budget, in index, and observes into vec.
	sum   *aggregate.Sum
	gauge *aggregate.Gauge
	hist  *aggregate.Histogram
	index *aggregate.Index
	limit *aggregate.Limit
	// The series of a fixed decorator, once found; those of the values
	// of label functions lately seen.
	series atomic.Pointer[found]
	cache  seriesCache
	one    *valueCache // for a decorator whose only label is a label function

	// A client_golang vec that other code registered under the same
	// definition, which the decorator then records in, or the summary
	// with objectives; outside the budget for other code's vec.
	counterVec   *prometheus.CounterVec
	gaugeVec     *prometheus.GaugeVec
	histogramVec *prometheus.HistogramVec
	summaryVec   *prometheus.SummaryVec
}

// found is a series of a decorator's family, and whether the request went
// there because the family's budget was spent.
type found struct {
	s          *aggregate.Series
	overflowed bool
}

// Counter returns route middleware that counts the requests passing through
// it. "_total" is appended to name unless it ends so already. The count is
// taken after the rest of the chain, so label functions can read
// c.Writer.Status(); for a panicking handler they see 500.
//
//	r.GET("/items/:type", m.Counter("items_by_type", "Requests by item type.",
//		ginprom.Labels{"type": func(c *gin.Context) string { return c.Param("type") }}),
//		handler)
//
// The metric is created and registered when Counter is called; the returned
// handler may serve many routes, which share it. labels may be nil (see
// [Labels]); the labels of [WithDefaultLabels] are added.
//
// Counter panics, with a message that says what to fix, on an invalid metric
// or label name, an empty help text, a label value of an unsupported type, a
// label given both here and in WithDefaultLabels, an option that is not for
// counters, or a metric of that name already registered with another type,
// other labels or another help text. An identical metric already registered
// is reused.
//
// It also panics when the metric would collide with another family in the
// registry at scrape time, which the registry does not see when it
// registers: when its name is that of a series of another family (the
// _count, _sum, _bucket or _created of a histogram or summary, the _created
// or _total of a counter), or when one of its own series is named like
// another family or that family's series (Histogram("lat") beside
// Gauge("lat_count"), Counter("lat") beside Histogram("lat"), whose
// lat_created would clash). This holds in either order, across every
// Metrics on the registry, and for collectors that ginprom did not make
// once they have a series.
func (m *Metrics) Counter(name, help string, labels Labels, opts ...MetricOption) gin.HandlerFunc {
	if d := m.newDecorator(kindCounter, name, help, labels, opts); d != nil {
		if d.sum != nil && !d.mayLeaveOut {
			return d.countAfter()
		}
		return d.afterChain
	}
	return passThrough
}

// Gauge returns route middleware that tracks the requests in progress
// through it: the gauge goes up by one before the rest of the chain and down
// by one after it, also when a handler panics. Label functions run before
// the rest of the chain, so the status is not known to them yet.
//
// Creation, sharing, labels and panics are as for [Metrics.Counter], except
// that nothing is appended to name.
func (m *Metrics) Gauge(name, help string, labels Labels, opts ...MetricOption) gin.HandlerFunc {
	if d := m.newDecorator(kindGauge, name, help, labels, opts); d != nil {
		return d.inProgress
	}
	return passThrough
}

// Summary returns route middleware that observes the seconds spent in the
// rest of the chain. Without [WithMetricObjectives] the summary has a count
// and a sum only. Label functions run after the rest of the chain.
//
// Creation, sharing, labels and panics are as for [Metrics.Counter], except
// that nothing is appended to name and the label name "quantile" is
// reserved.
func (m *Metrics) Summary(name, help string, labels Labels, opts ...MetricOption) gin.HandlerFunc {
	if d := m.newDecorator(kindSummary, name, help, labels, opts); d != nil {
		if d.hist != nil && !d.mayLeaveOut {
			return d.observeAfter()
		}
		return d.afterChain
	}
	return passThrough
}

// Histogram returns route middleware that observes the seconds spent in the
// rest of the chain, in [DefaultBuckets] unless [WithMetricBuckets] says
// otherwise. Label functions run after the rest of the chain.
//
// Creation, sharing, labels and panics are as for [Metrics.Counter], except
// that nothing is appended to name and the label name "le" is reserved.
func (m *Metrics) Histogram(name, help string, labels Labels, opts ...MetricOption) gin.HandlerFunc {
	if d := m.newDecorator(kindHistogram, name, help, labels, opts); d != nil {
		if d.hist != nil && !d.mayLeaveOut {
			return d.observeAfter()
		}
		return d.afterChain
	}
	return passThrough
}

// DoNotTrack returns route middleware that leaves the requests passing
// through it out of the default metrics. Decorator metrics still count them.
// It may stand anywhere in the route's chain. The mark holds for the
// dispatch it is made in: a request forwarded with engine.HandleContext to a
// route with DoNotTrack leaves the forwarding dispatch recorded. Marking a
// request allocates, once for that request (see the README's Safety
// section).
func (m *Metrics) DoNotTrack() gin.HandlerFunc {
	if m.disabled() {
		return passThrough
	}
	m.marking.Or(defaultMarksMade)
	return func(c *gin.Context) { m.mark(c, currentDispatch(c), markNoDefaults) }
}

// ExcludeAllMetrics returns route middleware that leaves the requests
// passing through it out of the default metrics and out of every decorator
// metric of m, wherever it stands in the route's chain. A gauge that went up
// before ExcludeAllMetrics ran goes down again as usual. Like
// [Metrics.DoNotTrack], its mark holds for the dispatch it is made in.
func (m *Metrics) ExcludeAllMetrics() gin.HandlerFunc {
	if m.disabled() {
		return passThrough
	}
	m.marking.Or(allMarksMade)
	return func(c *gin.Context) { m.mark(c, currentDispatch(c), markNoMetrics) }
}

// RegisterDefault applies the decorators to every route registered after
// the call on every engine m instruments, now or later, as engine.Use would:
// routes and groups made before the call keep their handlers. The
// decorators never run for the metrics route, nor for requests that match
// no route.
//
// RegisterDefault panics if a decorator is nil.
func (m *Metrics) RegisterDefault(decorators ...gin.HandlerFunc) {
	wrapped := make([]gin.HandlerFunc, len(decorators))
	for i, d := range decorators {
		if d == nil {
			panic(fmt.Sprintf("ginprom: RegisterDefault: decorator %d is nil", i+1))
		}
		wrapped[i] = func(c *gin.Context) {
			if c.FullPath() == "" || m.isMetricsRoute(c) {
				return
			}
			d(c)
		}
	}
	if m.disabled() {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.defaultDecorators = append(m.defaultDecorators, wrapped...)
	for _, e := range m.engines {
		e.Use(wrapped...)
	}
}

func (m *Metrics) newDecorator(kind metricKind, name, help string, labels Labels, opts []MetricOption) *decorator {
	where := fmt.Sprintf("%s(%q)", kindNames[kind], name)
	checkMetric(where, name, help)
	if kind == kindCounter && !strings.HasSuffix(name, "_total") {
		name += "_total"
	}
	var cfg metricConfig
	for i, o := range opts {
		if o == nil {
			panic(fmt.Sprintf("ginprom: %s: option %d is nil", where, i+1))
		}
		o.applyMetric(&cfg)
	}
	if cfg.buckets != nil && kind != kindHistogram {
		panic(fmt.Sprintf("ginprom: %s: WithMetricBuckets applies to histograms only", where))
	}
	if cfg.objectives != nil && kind != kindSummary {
		panic(fmt.Sprintf("ginprom: %s: WithMetricObjectives applies to summaries only", where))
	}
	buckets := slices.Clone(DefaultBuckets)
	if cfg.buckets != nil {
		checkBuckets(where+": WithMetricBuckets", cfg.buckets)
		buckets = cfg.buckets
	}
	for q, e := range cfg.objectives {
		if !(q >= 0 && q <= 1 && e >= 0 && e <= 1) {
			panic(fmt.Sprintf("ginprom: %s: WithMetricObjectives: quantile %g with error %g; both must be within [0, 1]", where, q, e))
		}
	}
	var reserved []string
	switch kind {
	case kindHistogram:
		reserved = []string{"le"}
	case kindSummary:
		reserved = []string{"quantile"}
	}
	set := parseLabels(where, labels, reserved...).merge(where, m.labels)
	if m.disabled() {
		// Checked as when on; nothing is registered.
		return nil
	}

	d := &decorator{m: m, kind: kind, labels: set, fixed: set.fixed()}
	d.mayLeaveOut = m.exclude.active() || m.defaults == nil && m.skipper != nil
	if d.fixed {
		d.values = set.values()
	}
	if len(set) == 1 && set[0].fn != nil {
		d.oneFunc, d.one = true, &valueCache{}
	}
	for i, l := range set {
		if l.fn != nil && i < 64 {
			d.fromRequest |= 1 << i
		}
	}
	d.register(where, name, help, buckets, cfg.objectives)
	if d.fixed && !cfg.noInitial {
		d.initial()
	}
	return d
}
