package ginprom

import (
	"errors"
	"net/http"

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
// returns [ErrDisabled], and [Metrics.ObserveMessage] records nothing.
// Options and the arguments of the decorators are still checked, so a
// configuration that would panic when on panics when off too.
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
