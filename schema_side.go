package ginprom

import (
	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/prometheus/client_golang/prometheus"
)

// The families of the sessions, the messages and the dependencies live in
// the engine, each with its series budget; their series are found once per
// session, event or dependency series, and their label values come from a
// sideInput through the family's plan.

// sideInput is what a session, message or dependency series knows.
type sideInput struct {
	kind, route                string // a session's
	event, result              string // a message's
	dependency, method, status string // a dependency's
	isError, message           string
}

// sideValues returns the label values of fam for in, then defaults.
func (s *requestSchema) sideValues(fam int, in *sideInput, defaults []string) []string {
	p := &s.plans[fam]
	lvs := make([]string, 0, len(p.labels)+len(defaults))
	for _, l := range p.labels {
		var v string
		switch l.Value.src {
		case srcConst:
			v = l.Value.v
		case srcVersion:
			v = s.version
		case srcSessionKind:
			v = in.kind
		case srcRoute:
			v = in.route
		case srcEvent:
			v = in.event
		case srcResult:
			v = in.result
		case srcDependency:
			v = in.dependency
		case srcMethod:
			v = in.method
		case srcStatus:
			v = in.status
		case srcIsError:
			v = in.isError
		case srcErrorMessage:
			v = in.message
		}
		lvs = append(lvs, v)
	}
	return append(lvs, defaults...)
}

// unexposed is the name of the families a schema does not name: they are
// recorded in like the others, so that the code that records needs no case
// of its own, and never registered.
const unexposed = "unexposed"

// sideFamily finds the series of one session, message or dependency family
// in the engine, within the family's series budget.
type sideFamily struct {
	x *aggregate.Index
	// fromRequest marks the label values that read Overflow in the
	// family's overflow series (see overflowMask).
	fromRequest uint64
}

// sideSeries is a series of a side family, and whether it is the
// family's overflow series, whose observations the overflow counter counts.
type sideSeries struct {
	s    *aggregate.Series
	over bool
}

// find returns the series of lvs, or the overflow series once the budget
// is spent.
func (f *sideFamily) find(lvs []string) sideSeries {
	s, over := f.x.Lookup(lvs, f.fromRequest)
	return sideSeries{s, over}
}

// overflowed counts one observation of s, in the shard of r, in the
// overflow counter if s is the overflow series.
func (f *sideFamily) overflowed(s sideSeries, r aggregate.Ref) {
	if s.over {
		f.x.Limit().Overflowed(r, 1)
	}
}

// sideSum is a counter family of the sessions, messages or dependencies.
type sideSum struct {
	sideFamily
	sum *aggregate.Sum
}

// add adds n to s, in the shard of key (see [aggregate.Index.Shard]).
func (f *sideSum) add(key uintptr, s sideSeries, n uint64) {
	r := f.x.Shard(key)
	f.sum.Add(r, s.s, n)
	f.overflowed(s, r)
}

// sideGauge is a gauge family of the sessions.
type sideGauge struct {
	sideFamily
	gauge *aggregate.Gauge
}

// add adds delta to s, in the shard of key.
func (f *sideGauge) add(key uintptr, s sideSeries, delta int64) {
	r := f.x.Shard(key)
	f.gauge.Add(r, s.s, delta)
	if delta > 0 {
		f.overflowed(s, r)
	}
}

// sideHistogram is a histogram family of the sessions, messages or
// dependencies.
type sideHistogram struct {
	sideFamily
	hist *aggregate.Histogram
}

// observe records v in s, in the shard of key.
func (f *sideHistogram) observe(key uintptr, s sideSeries, v float64) {
	r := f.x.Shard(key)
	f.hist.Observe(r, s.s, v)
	f.overflowed(s, r)
}

// overflowMask returns the label values of fam (then defaults) that read
// Overflow in its overflow series: every value that may differ from one
// series to the next, so that the family has one overflow series. A Const,
// the version and a static default label keep theirs.
func (s *requestSchema) overflowMask(fam int, defaults labelSet) uint64 {
	p := &s.plans[fam]
	var mask uint64
	for i, l := range p.labels {
		if l.Value.src != srcConst && l.Value.src != srcVersion {
			mask |= 1 << i
		}
	}
	for i, l := range defaults {
		if l.fn != nil {
			mask |= 1 << (len(p.labels) + i)
		}
	}
	return mask
}

// sideCollector makes the collector of fam with build, given its
// descriptor and budget, and registers it, or finds the identical one that
// another Metrics registered. A family the schema does not name keeps the
// budget, uncounted, and is not registered.
func sideCollector[C prometheus.Collector](s *requestSchema, reg prometheus.Registerer, b *budget, fam int, typ familyType, defaults labelSet, build func(*prometheus.Desc, *aggregate.Limit) C) C {
	p := &s.plans[fam]
	if !p.named() {
		desc := prometheus.NewDesc(unexposed, p.help, p.names(defaults.names()...), nil)
		return build(desc, (*aggregate.OverflowCounter)(nil).Limit(unexposed, b.limit))
	}
	desc := prometheus.NewDesc(p.name, p.help, p.names(defaults.names()...), nil)
	return registerOr(reg, p.name, s.sideFix(reg, fam), build(desc, b.family(p.name)), family{p.name, typ})
}

func (s *requestSchema) sideSum(reg prometheus.Registerer, b *budget, fam int, defaults labelSet) *sideSum {
	sum := sideCollector(s, reg, b, fam, typeCounter, defaults, func(d *prometheus.Desc, l *aggregate.Limit) *aggregate.Sum {
		return aggregate.NewSum(d, l, Overflow)
	})
	return &sideSum{sideFamily{sum.Index, s.overflowMask(fam, defaults)}, sum}
}

func (s *requestSchema) sideGauge(reg prometheus.Registerer, b *budget, fam int, defaults labelSet) *sideGauge {
	gauge := sideCollector(s, reg, b, fam, typeGauge, defaults, func(d *prometheus.Desc, l *aggregate.Limit) *aggregate.Gauge {
		return aggregate.NewGauge(d, l, Overflow)
	})
	return &sideGauge{sideFamily{gauge.Index, s.overflowMask(fam, defaults)}, gauge}
}

func (s *requestSchema) sideHistogram(reg prometheus.Registerer, b *budget, fam int, buckets []float64, defaults labelSet) *sideHistogram {
	hist := sideCollector(s, reg, b, fam, typeHistogram, defaults, func(d *prometheus.Desc, l *aggregate.Limit) *aggregate.Histogram {
		return aggregate.NewHistogram(d, buckets, l, Overflow)
	})
	return &sideHistogram{sideFamily{hist.Index, s.overflowMask(fam, defaults)}, hist}
}

// sideNames returns the label names of the families fams, which the
// default labels leave to them.
func (s *requestSchema) sideNames(fams ...int) []string {
	var names []string
	for _, f := range fams {
		names = append(names, s.plans[f].names()...)
	}
	return names
}
