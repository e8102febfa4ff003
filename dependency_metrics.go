package ginprom

import (
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// dependencyNames are the names and labels of the dependency metrics. They
// are decided once, in newDependencies, from the configuration: the default
// names carry the defaults prefix (gin under WithSemconv, which forbids
// another), and WithBigBrother gives the protocol's. Nothing else spells a
// dependency metric's name.
type dependencyNames struct {
	up      string    // gauge, 1 or 0, label "name"
	request string    // histogram of outgoing requests
	buckets []float64 // of the request histogram
	// protocol gives the request histogram the Big Brother protocol's
	// labels (name, type, status, method, addr, isError, errorMessage)
	// instead of name, method and status; isError then says which statuses
	// are errors.
	protocol bool
	isError  func(status int) bool
}

// defaultDependencyNames are the names without a schema:
// <prefix>_dependency_up and <prefix>_dependency_request_duration_seconds,
// with the buckets of the default duration histogram.
func defaultDependencyNames(prefix string, buckets []float64) dependencyNames {
	return dependencyNames{
		up:      prefixed(prefix, "dependency_up"),
		request: prefixed(prefix, "dependency_request_duration_seconds"),
		buckets: buckets,
	}
}

// bigBrotherDependencyNames are the Big Brother protocol's names:
// dependency_up and dependency_request_seconds with the protocol's labels.
// isError says which statuses (100 to 999) are errors; nil means the
// protocol's rule, 400 and up.
func bigBrotherDependencyNames(buckets []float64, isError func(status int) bool) dependencyNames {
	if isError == nil {
		isError = func(status int) bool { return status >= 400 }
	}
	return dependencyNames{
		up:       "dependency_up",
		request:  "dependency_request_seconds",
		buckets:  buckets,
		protocol: true,
		isError:  isError,
	}
}

// dependencies are the dependency metrics of one Metrics, registered when
// first used, and the watchers it runs.
type dependencies struct {
	names dependencyNames
	reg   prometheus.Registerer

	mu       sync.Mutex // guards what follows
	up       *upCollector
	requests *prometheus.HistogramVec
	watches  map[*watch]struct{}
}

func newDependencies(reg prometheus.Registerer, cfg *config, schema *requestSchema) *dependencies {
	names := defaultDependencyNames(cfg.prefix, cfg.buckets)
	if cfg.schema == schemaBigBrother {
		names = bigBrotherDependencyNames(cfg.buckets, func(status int) bool { return schema.isError[status-100] })
	}
	return &dependencies{names: names, reg: reg, watches: map[*watch]struct{}{}}
}

// start registers the dependency_up collector on first use, claims w's
// name, and runs launch while it holds the lock, so that Close sees every
// watcher whose goroutine has started.
func (d *dependencies) start(where string, w *watch, launch func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.up == nil {
		d.up = register(d.reg, d.names.up, &upCollector{
			desc: prometheus.NewDesc(d.names.up,
				"Whether the dependency's last check succeeded: 1 if it returned no error, 0 if it failed, panicked or timed out.",
				[]string{"name"}, nil),
			watches: map[string]*watch{},
		})
	}
	d.up.claim(where, w)
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
// set of names being watched.
type upCollector struct {
	desc    *prometheus.Desc
	mu      sync.Mutex
	watches map[string]*watch
}

func (c *upCollector) claim(where string, w *watch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.watches[w.name]; ok {
		panic(fmt.Sprintf("ginprom: %s: this dependency is watched already, on this registry; call the stop function of the first watcher, or give this one another name", where))
	}
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
	for name, w := range c.watches {
		var v float64
		switch w.state.Load() {
		case stateUp:
			v = 1
		case stateDown:
		default:
			continue // no result yet
		}
		ms = append(ms, constMetric(c.desc)(prometheus.NewConstMetric(c.desc, prometheus.GaugeValue, v, name)))
	}
	c.mu.Unlock()
	for _, m := range ms {
		ch <- m
	}
}

// requestVec registers the request histogram on first use.
func (d *dependencies) requestVec() *prometheus.HistogramVec {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.requests == nil {
		labels := []string{"name", "method", "status"}
		if d.names.protocol {
			labels = []string{"name", "type", "status", "method", "addr", "isError", "errorMessage"}
		}
		d.requests = register(d.reg, d.names.request, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    d.names.request,
			Help:    "Duration of outgoing HTTP requests to a dependency, in seconds, until the response's headers arrived.",
			Buckets: d.names.buckets,
		}, labels))
	}
	return d.requests
}
