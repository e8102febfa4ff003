package ginprom

import (
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// afterChain is the handler of counters, summaries and histograms: it
// records once the rest of the chain has run, or panicked.
func (d *decorator) afterChain(c *gin.Context) {
	m := d.m
	id, out := m.decoratorLeftOut(c)
	if out {
		c.Next()
		return
	}
	var start time.Duration
	if d.kind != kindCounter {
		start = now()
	}
	returned := false
	defer func() {
		if !returned {
			// A panic, unless the goroutine exits (runtime.Goexit) or
			// the panic is a label function's, raised again after the
			// handler answered.
			d.record(c, id, start, !goexiting() && !labelPanicking(c))
		}
	}()
	c.Next()
	returned = true
	d.record(c, id, start, false)
}

// decoratorLeftOut reports whether the request is left out of m's
// decorator metrics: an excluded path, ExcludeAllMetrics, or WithSkipper.
// The default middleware evaluates the skipper and marks what it skips;
// without default metrics the first decorator does. It returns the
// dispatch, when marks are in use.
func (m *Metrics) decoratorLeftOut(c *gin.Context) (id dispatchID, out bool) {
	if m.excluded(c) {
		return id, true
	}
	if m.marksUsed.Load() || m.skipsMarked.Load() {
		id = currentDispatch(c)
		if m.marks(c, id)&(markNoMetrics|markSkipped) != 0 {
			return id, true
		}
	}
	if m.defaults == nil && m.skipper != nil && m.skipper(c) {
		id = currentDispatch(c)
		m.mark(c, id, markSkipped)
		return id, true
	}
	return id, false
}

// dispatch returns id, or the current dispatch if id was not read because
// no marks were in use then.
func (m *Metrics) dispatch(c *gin.Context, id dispatchID) dispatchID {
	if id.pc == 0 {
		return currentDispatch(c)
	}
	return id
}

func (d *decorator) record(c *gin.Context, id dispatchID, start time.Duration, panicked bool) {
	var elapsed float64
	if d.kind != kindCounter {
		elapsed = seconds(now() - start)
	}
	if d.m.marksUsed.Load() && d.m.marks(c, d.m.dispatch(c, id))&markNoMetrics != 0 {
		return
	}
	if panicked && !d.fixed {
		defer showPanicStatus(c)()
	}
	var buf [maxInlineLabels]string
	lvs, rec := d.labelValues(c, buf[:0])
	if d.kind == kindCounter {
		d.counterFor(lvs).Inc()
	} else {
		d.observerFor(lvs).Observe(elapsed)
	}
	if rec != nil && !panicked {
		raiseLabelPanic(c, rec)
	}
}

// inProgress is the handler of gauges.
func (d *decorator) inProgress(c *gin.Context) {
	if _, out := d.m.decoratorLeftOut(c); out {
		c.Next()
		return
	}
	var buf [maxInlineLabels]string
	lvs, rec := d.labelValues(c, buf[:0])
	g := d.gaugeFor(lvs)
	g.Inc()
	defer g.Dec()
	if rec != nil {
		raiseLabelPanic(c, rec)
	}
	c.Next()
}

// labelValues returns the label values of the request, computed into buf
// unless they are fixed.
func (d *decorator) labelValues(c *gin.Context, buf []string) ([]string, any) {
	if d.fixed {
		return d.values, nil
	}
	if len(d.labels) > cap(buf) {
		buf = make([]string, 0, len(d.labels))
	}
	return appendValues(buf, d.labels, c)
}

func (d *decorator) counterFor(lvs []string) prometheus.Counter {
	return child(&d.counterChild, d.fixed, func() prometheus.Counter {
		return d.counter.WithLabelValues(lvs...)
	})
}

func (d *decorator) gaugeFor(lvs []string) prometheus.Gauge {
	return child(&d.gaugeChild, d.fixed, func() prometheus.Gauge {
		return d.gauge.WithLabelValues(lvs...)
	})
}

func (d *decorator) observerFor(lvs []string) prometheus.Observer {
	return child(&d.observerChild, d.fixed, func() prometheus.Observer {
		if d.histogram != nil {
			return d.histogram.WithLabelValues(lvs...)
		}
		return d.summary.WithLabelValues(lvs...)
	})
}

// child returns the child of a metric. With per-request labels (fixed
// false) it resolves it each time; otherwise it resolves it once and keeps
// it in cache.
func child[T any](cache *atomic.Pointer[T], fixed bool, resolve func() T) T {
	if !fixed {
		return resolve()
	}
	if p := cache.Load(); p != nil {
		return *p
	}
	c := resolve()
	cache.Store(&c)
	return c
}
