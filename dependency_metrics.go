package ginprom

import (
	"fmt"
	"slices"
	"sync"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/prometheus/client_golang/prometheus"
)

// dependencies are the dependency metrics of one Metrics, registered when
// first used, and the watchers it runs.
type dependencies struct {
	schema *requestSchema
	reg    prometheus.Registerer
	budget *budget

	mu       sync.Mutex // guards what follows
	buckets  []float64  // of the request histogram
	up       *upCollector
	requests *sideHistogram
	watches  map[*watch]struct{}
}

func newDependencies(reg prometheus.Registerer, b *budget, schema *requestSchema, buckets []float64) *dependencies {
	return &dependencies{schema: schema, buckets: buckets, reg: reg, budget: b, watches: map[*watch]struct{}{}}
}

// protocol says that the request histogram spells a transport error as
// the Big Brother protocol does: status "0", with an error message.
func (d *dependencies) protocol() bool {
	p := &d.schema.plans[famDependencyDuration]
	return p.uses(srcIsError) || p.uses(srcErrorMessage)
}

// start registers the dependency_up collector on first use, claims w's
// name, and runs launch while it holds the lock, so that Close sees every
// watcher whose goroutine has started. If the registry refuses the
// collector, or the name is watched already, it panics having kept
// nothing: neither that collector nor w.
func (d *dependencies) start(where string, w *watch, launch func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.up == nil {
		p := &d.schema.plans[famDependencyUp]
		limit := (*aggregate.OverflowCounter)(nil).Limit(unexposed, d.budget.limit)
		if p.named() {
			limit = d.budget.family(p.name)
		}
		up := &upCollector{
			desc:    prometheus.NewDesc(p.name, p.help, p.names(), nil),
			fam:     sideFamily{aggregate.NewIndex(limit, Overflow), d.schema.overflowMask(famDependencyUp, nil)},
			watches: map[string]*watch{},
		}
		if p.named() {
			up = registerOr(d.reg, p.name, defaultsFix(d.reg, d.schema.prefixed), up, family{p.name, typeGauge})
		}
		// Kept only once registered: a refused registration panics
		// before this, so the next call registers the gauge again,
		// rather than watching in a gauge that no scrape sees.
		d.up = up
	}
	d.up.claim(where, w, d.schema)
	d.watches[w] = struct{}{}
	launch()
}

// release forgets w once its goroutine has ended.
func (d *dependencies) release(w *watch) {
	d.mu.Lock()
	delete(d.watches, w)
	up := d.up
	d.mu.Unlock()
	up.release(w)
}

// upCollector exposes dependency_up: one series per watched name. It is
// shared by every Metrics on a registry, through register, and so is the
// set of names being watched. Its index keeps the family's series budget:
// a name watched past it is shown in the overflow series (one per set of
// Const values, which Metrics sharing the gauge may give other values),
// which reads 1 while every name there is up, and 0 once one is down.
type upCollector struct {
	desc    *prometheus.Desc
	fam     sideFamily
	mu      sync.Mutex
	watches map[string]*watch
}

// claim takes w's name and finds w's series, whose values are those of
// schema, the schema of w's Metrics: c may have been registered by
// another Metrics on the registry, whose Const values differ.
func (c *upCollector) claim(where string, w *watch, schema *requestSchema) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.watches[w.name]; ok {
		panic(fmt.Sprintf("ginprom: %s: this dependency is watched already, on this registry; call the stop function of the first watcher, or give this one another name", where))
	}
	w.up, w.upFam = c.fam.find(schema.sideValues(famDependencyUp, &sideInput{dependency: w.name}, nil)), &c.fam
	c.watches[w.name] = w
}

func (c *upCollector) release(w *watch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.watches[w.name] == w {
		delete(c.watches, w.name)
	}
}

// Describe implements prometheus.Collector.
func (c *upCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *upCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	ms := make([]prometheus.Metric, 0, len(c.watches))
	// The overflow series, each 1 while every name in it is up. There is
	// one per set of Const values: Metrics sharing the gauge may give
	// them other values.
	type overflowed struct {
		s  *aggregate.Series
		up float64
	}
	var overflows []overflowed
	for _, w := range c.watches {
		var v float64
		switch w.state.Load() {
		case stateUp:
			v = 1
		case stateDown:
		default:
			continue // no result yet
		}
		if w.up.over {
			i := slices.IndexFunc(overflows, func(o overflowed) bool { return o.s == w.up.s })
			if i < 0 {
				overflows = append(overflows, overflowed{w.up.s, v})
			} else {
				overflows[i].up = min(overflows[i].up, v)
			}
			continue
		}
		ms = append(ms, constMetric(c.desc)(prometheus.NewConstMetric(c.desc, prometheus.GaugeValue, v, w.up.s.Labels()...)))
	}
	c.mu.Unlock()
	for _, o := range overflows {
		ms = append(ms, constMetric(c.desc)(prometheus.NewConstMetric(c.desc, prometheus.GaugeValue, o.up, o.s.Labels()...)))
	}
	for _, m := range ms {
		ch <- m
	}
}

// requestFamily registers the request histogram on first use, for where
// (InstrumentClient), which it names when the registry holds that
// histogram with other buckets: another Metrics made it.
func (d *dependencies) requestFamily(where string) *sideHistogram {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.requests == nil {
		h := d.schema.sideHistogram(d.reg, d.budget, famDependencyDuration, d.buckets, nil)
		if there, here := h.hist.Bounds(), aggregate.UpperBounds(d.buckets); !slices.Equal(there, here) {
			panic(fmt.Sprintf("ginprom: %s: metric %q is already registered by another Metrics with the buckets %v, and this one's are %v; "+
				"give both the same buckets (WithBuckets, or the schema's Buckets), or give this Metrics another registry with WithRegistry",
				where, d.schema.plans[famDependencyDuration].name, there, here))
		}
		d.requests = h
	}
	return d.requests
}
