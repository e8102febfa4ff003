package ginprom

import (
	"fmt"
	"maps"
	"slices"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/prometheus/client_golang/prometheus"
)

// The collectors of decorators: a family in the engine each, of a type of
// its own per kind, so that the registry's answer for a name already taken
// tells the kinds apart. The histogram and the summary keep the buckets
// and objectives, which the registry does not compare, so that a decorator
// made again under the same name can be checked against them.

type counterFamily struct{ *aggregate.Sum }

type gaugeFamily struct{ *aggregate.Gauge }

type histogramFamily struct {
	*aggregate.Histogram
	buckets []float64
}

// summaryFamily is a summary in the engine (a count and a sum), or, with
// objectives, client_golang's summary, whose quantiles need its streaming
// algorithm, with an index that keeps its series' values and budget.
type summaryFamily struct {
	*aggregate.Histogram // nil with objectives
	vec                  *prometheus.SummaryVec
	index                *aggregate.Index
	objectives           map[float64]float64
}

// Describe implements prometheus.Collector.
func (f *summaryFamily) Describe(ch chan<- *prometheus.Desc) {
	if f.vec != nil {
		f.vec.Describe(ch)
		return
	}
	f.Histogram.Describe(ch)
}

// Collect implements prometheus.Collector.
func (f *summaryFamily) Collect(ch chan<- prometheus.Metric) {
	if f.vec != nil {
		f.vec.Collect(ch)
		return
	}
	f.Histogram.Collect(ch)
}

// register registers the family of d, or finds the identical one already
// registered: ginprom's, or a client_golang vec that other code registered
// with the same definition, which d then records in.
func (d *decorator) register(where, name, help string, buckets []float64, objectives map[float64]float64) {
	m := d.m
	names := d.labels.names()
	desc := prometheus.NewDesc(name, help, names, nil)
	limit := m.budget.family(name)
	var made prometheus.Collector
	switch d.kind {
	case kindCounter:
		made = &counterFamily{aggregate.NewSum(desc, limit, Overflow)}
	case kindGauge:
		made = &gaugeFamily{aggregate.NewGauge(desc, limit, Overflow)}
	case kindHistogram:
		made = &histogramFamily{aggregate.NewHistogram(desc, buckets, limit, Overflow), buckets}
	case kindSummary:
		f := &summaryFamily{objectives: objectives}
		if objectives == nil {
			f.Histogram = aggregate.NewSummary(desc, limit, Overflow)
			f.index = f.Index
		} else {
			f.vec = prometheus.NewSummaryVec(prometheus.SummaryOpts{Name: name, Help: help, Objectives: objectives}, names)
			f.index = aggregate.NewIndex(limit, Overflow)
		}
		made = f
	}
	switch c := register(m.reg, name, made).(type) {
	case *counterFamily:
		d.want(kindCounter, name, c)
		d.sum, d.index = c.Sum, c.Index
	case *gaugeFamily:
		d.want(kindGauge, name, c)
		d.gauge, d.index = c.Gauge, c.Index
	case *histogramFamily:
		d.want(kindHistogram, name, c)
		if !slices.Equal(c.buckets, buckets) {
			panic(fmt.Sprintf("ginprom: %s: a histogram of that name is already registered with other buckets; make them the same, or choose another name", where))
		}
		d.hist, d.index = c.Histogram, c.Index
	case *summaryFamily:
		d.want(kindSummary, name, c)
		if !maps.Equal(c.objectives, objectives) {
			panic(fmt.Sprintf("ginprom: %s: a summary of that name is already registered with other objectives; make them the same, or choose another name", where))
		}
		d.hist, d.index = c.Histogram, c.index
		d.summaryVec = c.vec
	case *prometheus.CounterVec:
		d.counterVec = foreign(m.reg, name, d, c, kindCounter)
	case *prometheus.GaugeVec:
		d.gaugeVec = foreign(m.reg, name, d, c, kindGauge)
	case *prometheus.HistogramVec:
		d.histogramVec = foreign(m.reg, name, d, c, kindHistogram)
	case *prometheus.SummaryVec:
		d.summaryVec = foreign(m.reg, name, d, c, kindSummary)
	default:
		otherKind(d.m.reg, name, c)
	}
	if d.index != nil {
		d.limit = d.index.Limit()
	}
}

// foreign returns c, the vec that other code registered in reg under d's
// name, if it is of d's kind, and panics otherwise. A vec that ginprom
// made itself (the exceptions counter of the default metrics is one) is
// not the user's to share: a decorator recording in it would count its
// requests as something they are not.
func foreign[C prometheus.Collector](reg prometheus.Registerer, name string, d *decorator, c C, kind metricKind) C {
	if notedBy(reg, c) {
		panic(fmt.Sprintf("ginprom: metric %q is already registered %s; choose another name", name, heldIn(reg, c)))
	}
	d.want(kind, name, c)
	return c
}

// want panics unless d is of the kind of c, the collector registered as
// name.
func (d *decorator) want(kind metricKind, name string, c prometheus.Collector) {
	if d.kind != kind {
		otherKind(d.m.reg, name, c)
	}
}

func otherKind(reg prometheus.Registerer, name string, c prometheus.Collector) {
	panic(fmt.Sprintf("ginprom: metric %q is already registered %s; choose another name", name, registeredAs(reg, c)))
}
