package ginprom

import (
	"github.com/prometheus/client_golang/prometheus"
)

// The families of the sessions, the messages and the dependencies are
// client_golang vectors whose children are resolved once per session
// route, event or dependency series; their label values come from a
// sideInput through the family's plan. A family the schema does not name
// gets a vector that no registry holds, so that the code that records into
// it needs no case of its own.

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

// unexposed is the name of the vectors of families a schema does not name.
const unexposed = "unexposed"

func (s *requestSchema) counterVec(reg prometheus.Registerer, fam int, defaults []string) *prometheus.CounterVec {
	p := &s.plans[fam]
	if !p.named() {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: unexposed, Help: p.help}, p.names(defaults...))
	}
	return register(reg, p.name, prometheus.NewCounterVec(prometheus.CounterOpts{Name: p.name, Help: p.help}, p.names(defaults...)))
}

func (s *requestSchema) gaugeVec(reg prometheus.Registerer, fam int, defaults []string) *prometheus.GaugeVec {
	p := &s.plans[fam]
	if !p.named() {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: unexposed, Help: p.help}, p.names(defaults...))
	}
	return register(reg, p.name, prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: p.name, Help: p.help}, p.names(defaults...)))
}

func (s *requestSchema) histogramVec(reg prometheus.Registerer, fam int, buckets []float64, defaults []string) *prometheus.HistogramVec {
	p := &s.plans[fam]
	name := p.name
	if !p.named() {
		name = unexposed
	}
	vec := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: p.help, Buckets: buckets}, p.names(defaults...))
	if !p.named() {
		return vec
	}
	return register(reg, p.name, vec)
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
