package ginprom

import (
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// ErrDisabled is the error of the methods of a [Metrics] made with
// WithEnabled(false) that cannot do their work without metrics, such as
// [Metrics.StartHTTPServer]. Test for it with errors.Is.
var ErrDisabled = errors.New("ginprom: metrics are disabled (WithEnabled(false)); nothing is registered or served")

// WithEnabled turns the instance on or off, as a configuration switch
// would (Synse Server's "metrics: enabled"). Off, [New] registers nothing,
// [Metrics.Instrument] adds no route and no middleware, so the engine runs
// as if ginprom were not there, and every method of the Metrics stays safe
// to call and does nothing: the decorators and [Metrics.DoNotTrack] return
// handlers that only call c.Next, [Metrics.Info] returns a gauge that is
// registered nowhere, [Metrics.Handler] answers 404,
// [Metrics.RegisterEndpoint] adds no route, [Metrics.StartHTTPServer]
// returns [ErrDisabled], [Metrics.WatchDependency] runs no check, and
// [Metrics.ObserveMessage] records nothing. Options and the arguments of
// the decorators and of WatchDependency are still checked, and a
// dependency name watched twice at once still panics, so a configuration
// that would panic when on panics when off too.
//
// ginprom reads no environment variable: read the switch from your own
// configuration and pass it here.
//
// Default: on. The last WithEnabled wins.
func WithEnabled(on bool) Option {
	return optionFunc(func(c *config) { c.disabled = !on })
}

// Enabled reports whether m records and serves metrics: false when it was
// made with WithEnabled(false) (see [WithEnabled]).
func (m *Metrics) Enabled() bool { return !m.disabled() }

// disabled reports whether m was made with WithEnabled(false). Every method
// of m that registers, serves, watches or pushes checks it first.
func (m *Metrics) disabled() bool { return m.off }

// passThrough is the handler of every decorator of a disabled Metrics.
func passThrough(c *gin.Context) { c.Next() }

// notFound is the exposition of a disabled Metrics.
func notFound(c *gin.Context) {
	c.String(http.StatusNotFound, "404 page not found (ginprom: metrics are disabled)\n")
}

// unregisteredGauge is the gauge that Info returns when m is disabled: a
// working gauge that no registry exposes.
func unregisteredGauge(name, help string, labels prometheus.Labels) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels})
}

// offWatches are the dependency names that WatchDependency watches on a
// disabled Metrics. No check runs and nothing is registered, but a name
// watched twice at once panics, as it does when on, so that turning metrics
// on finds no new setup error. The zero value is ready to use.
type offWatches struct {
	mu    sync.Mutex
	last  uint64            // the number of the last claim
	names map[string]uint64 // the claim holding each name, which only its stop (or Close) releases
}

// claim takes name, panicking if it is taken, and returns the stop that
// gives it back; that stop may be called more than once.
func (o *offWatches) claim(where, name string) (stop func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.names[name]; ok {
		panic(fmt.Sprintf("ginprom: %s: this dependency is watched already; call the stop function of the first watcher, or give this one another name", where))
	}
	if o.names == nil {
		o.names = map[string]uint64{}
	}
	o.last++
	claim := o.last
	o.names[name] = claim
	return func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.names[name] == claim {
			delete(o.names, name)
		}
	}
}

// releaseAll gives every name back, as Close does when on.
func (o *offWatches) releaseAll() {
	o.mu.Lock()
	defer o.mu.Unlock()
	clear(o.names)
}
