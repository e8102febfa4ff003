package ginprom

import (
	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/prometheus/client_golang/prometheus"
)

// The request metrics live in internal/aggregate's Requests store; this
// file gives it what it needs from the root at setup: the series budget of
// each request family, and the schema as its Exposer.

// requestBudget returns the series budget of the request families descs
// names. Besides the method and the status (clamped to fixed sets), a
// series' label values are the default labels and the group-by value: the
// values of label functions, and the group-by value of GroupByPath and
// GroupByFunc, come from the request, and read Overflow in an overflow
// series.
func requestBudget(b *budget, schema *requestSchema, descs *aggregate.RequestDescs, cfg *config, labels labelSet) aggregate.RequestBudget {
	plans := &schema.plans
	family := func(fam int, desc *prometheus.Desc) *aggregate.Limit {
		if desc == nil {
			return nil
		}
		return b.family(plans[fam].name)
	}
	rb := aggregate.RequestBudget{
		Duration: b.family(plans[famDuration].name),
		Total:    family(famRequests, descs.Total),
		ReqSize:  family(famRequestSize, descs.ReqSize),
		RespSize: family(famResponseSize, descs.RespSize),
		Bytes:    family(famResponseBytes, descs.Bytes),
	}
	if plans[famExceptions].named() {
		rb.Exceptions = b.family(plans[famExceptions].name)
	}
	for i, l := range labels {
		if l.fn != nil {
			rb.FromRequest |= 1 << (2 + i)
		}
	}
	if k := cfg.groupBy.kind; k == groupPath || k == groupFunc {
		rb.FromRequest |= 1 << (2 + len(labels))
	}
	return rb
}

// Display implements aggregate.Exposer: the duration's label values.
func (s *requestSchema) Display(lvs []string, method int, variant uint32) []string {
	return s.display(lvs, method, variant)
}

// Counted implements aggregate.Exposer: the request counter's label values.
func (s *requestSchema) Counted(lvs []string, method int, variant uint32) []string {
	return s.counted(lvs, method, variant)
}

// Exception implements aggregate.Exposer: the exceptions' label values.
func (s *requestSchema) Exception(lvs []string) []string { return s.exception(lvs) }

// InFlight implements aggregate.Exposer: the in-flight gauge's values
// before the static default labels.
func (s *requestSchema) InFlight(method int, variant uint32) []string {
	p := &s.plans[famInFlight]
	lvs := make([]string, 0, len(p.labels))
	for _, l := range p.labels {
		lvs = append(lvs, s.value(l.Value, method, 200, "", variant))
	}
	return lvs
}

// constMetric is aggregate.ConstMetric.
func constMetric(desc *prometheus.Desc) func(prometheus.Metric, error) prometheus.Metric {
	return aggregate.ConstMetric(desc)
}
