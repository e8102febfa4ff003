package ginprom

import (
	"time"

	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/gin-gonic/gin"
)

// afterChain is the handler of counters, summaries and histograms: it
// records once the rest of the chain has run, or panicked.
func (d *decorator) afterChain(c *gin.Context) {
	id, out := d.leftOut(c)
	if out {
		c.Next()
		return
	}
	// The dispatch, read now if leftOut did not: after the chain, an
	// engine.HandleContext in it may have left c.FullPath() and
	// c.Handler() to the inner route (see dispatchOf).
	path, last := c.FullPath(), c.Handler()
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
			d.record(c, d.m.chainDispatch(id, path, last), start, !goexiting() && !labelPanicking(c))
		}
	}()
	c.Next()
	returned = true
	d.record(c, d.m.chainDispatch(id, path, last), start, false)
}

// chainDispatch returns id, or, if it was not read (no marks were in use
// before the chain) and marks are in use now, the dispatch of the route
// whose full path and last handler were path and last before the chain.
func (m *Metrics) chainDispatch(id dispatchID, path string, last gin.HandlerFunc) dispatchID {
	if id.pc == 0 && m.decoratorMarksUsed() {
		return dispatchOf(path, last)
	}
	return id
}

// countAfter returns the handler of a counter in its own family, and
// observeAfter that of a histogram or a summary without objectives: the
// same as afterChain, with the body in the closure to save a call, the same
// records, taken without the general path's checks and switches: once
// marks that decorators heed are in use, they look them up once, after the
// chain, where the marks made before it are too (marksLeaveOut), and a
// panic in the chain goes to the general path's record. A decorator that
// exclusions or its own skipper may leave out (mayLeaveOut, known when it
// is made) has afterChain instead. A decorator whose only label is a label
// function calls it without a recover of its own: the handler's deferred
// function, which runs anyway, recovers its panic and records the request
// as labelValue and record would have.
//
// Neither is inlined: the compiler does not inline calls inside the copy
// of a closure that it makes when it inlines the function returning it,
// and the handlers' atomic loads, clock readings and cache lookups would
// each become a call.
//
//go:noinline
func (d *decorator) countAfter() gin.HandlerFunc {
	one := d.oneFunction()
	return func(c *gin.Context) {
		path, last := c.FullPath(), c.Handler()
		step := inChain
		defer func() {
			if step == recorded {
				return
			}
			if step == inLabel {
				d.labelPanicked(c, 0, recover())
				return
			}
			d.chainUnwound(c, dispatchOf(path, last), 0)
		}()
		c.Next()
		step = recorded
		if d.m.decoratorMarksUsed() && d.m.marksLeaveOut(c, dispatchOf(path, last)) {
			// Marked, before this decorator or in the chain:
			// ExcludeAllMetrics, or a skip by a default middleware.
			return
		}
		var f found
		var rec any
		if one != nil {
			step = inLabel
			v := one(c)
			step = recorded
			if f.s = d.one.slot(v).get(v); f.s == nil {
				f = d.lookupValue(v)
			}
		} else {
			f, rec = d.seriesOf(c)
		}
		key := contextKey(c)
		d.sum.AddAt(key, f.s, 1)
		d.overflowed(f, key)
		if rec != nil {
			raiseLabelPanic(c, rec)
		}
	}
}

// observeAfter: see countAfter.
//
//go:noinline
func (d *decorator) observeAfter() gin.HandlerFunc {
	one := d.oneFunction()
	return func(c *gin.Context) {
		path, last := c.FullPath(), c.Handler()
		start := now()
		var elapsed float64
		step := inChain
		defer func() {
			if step == recorded {
				return
			}
			if step == inLabel {
				d.labelPanicked(c, elapsed, recover())
				return
			}
			d.chainUnwound(c, dispatchOf(path, last), start)
		}()
		c.Next()
		step = recorded
		if d.m.decoratorMarksUsed() && d.m.marksLeaveOut(c, dispatchOf(path, last)) {
			return
		}
		elapsed = seconds(now() - start)
		var f found
		var rec any
		if one != nil {
			step = inLabel
			v := one(c)
			step = recorded
			if f.s = d.one.slot(v).get(v); f.s == nil {
				f = d.lookupValue(v)
			}
		} else {
			f, rec = d.seriesOf(c)
		}
		key := contextKey(c)
		d.hist.ObserveAt(key, f.s, elapsed)
		d.overflowed(f, key)
		if rec != nil {
			raiseLabelPanic(c, rec)
		}
	}
}

// marksLeaveOut reports whether a mark that decorators heed
// (ExcludeAllMetrics, a skip) leaves dispatch id out of their metrics.
// Callers ask it only once such marks are in use (decoratorMarksUsed).
func (m *Metrics) marksLeaveOut(c *gin.Context, id dispatchID) bool {
	return m.marks(c, id)&(markNoMetrics|markSkipped) != 0
}

// oneFunction returns the label function of a decorator whose only label
// is one, or nil.
func (d *decorator) oneFunction() func(*gin.Context) string {
	if d.oneFunc {
		return d.labels[0].fn
	}
	return nil
}

// Where countAfter and observeAfter are, for their deferred function.
const (
	inChain  = iota // in the rest of the chain
	inLabel         // in the label function
	recorded        // past both
)

// chainUnwound is what countAfter and observeAfter do when the rest of
// the chain did not return: record the request as afterChain does.
func (d *decorator) chainUnwound(c *gin.Context, id dispatchID, start time.Duration) {
	d.record(c, id, start, !goexiting() && !labelPanicking(c))
}

// labelPanicked is what countAfter and observeAfter do when the label
// function of a decorator whose only label is one panicked with rec:
// record the request in the series of canon.PanicValue, then raise the
// panic again, as labelValue and record do. A nil rec is runtime.Goexit in
// the label function, which, as under labelValue, records nothing.
func (d *decorator) labelPanicked(c *gin.Context, elapsed float64, rec any) {
	if rec == nil {
		return
	}
	f := d.seriesOfValue(canon.PanicValue)
	key := contextKey(c)
	if d.sum != nil {
		d.sum.AddAt(key, f.s, 1)
	} else {
		d.hist.ObserveAt(key, f.s, elapsed)
	}
	d.overflowed(f, key)
	raiseLabelPanic(c, rec)
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
	if m.decoratorMarksUsed() {
		id = currentDispatch(c)
		if m.marksLeaveOut(c, id) {
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

// leftOut is m.decoratorLeftOut, asked only when something may leave the
// request out: exclusions, a skipper that only decorators ask, or marks.
func (d *decorator) leftOut(c *gin.Context) (dispatchID, bool) {
	if m := d.m; d.mayLeaveOut || m.decoratorMarksUsed() {
		return m.decoratorLeftOut(c)
	}
	return dispatchID{}, false
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
	if d.m.decoratorMarksUsed() && d.m.marksLeaveOut(c, d.m.dispatch(c, id)) {
		// Left out by a mark made in the chain: ExcludeAllMetrics, or
		// the skipper of a default middleware after this decorator.
		return
	}
	if panicked && !d.fixed {
		defer showPanicStatus(c)()
	}
	var rec any
	if d.index != nil {
		var f found
		f, rec = d.seriesOf(c)
		key := contextKey(c)
		switch {
		case d.sum != nil:
			d.sum.AddAt(key, f.s, 1)
		case d.hist != nil:
			d.hist.ObserveAt(key, f.s, elapsed)
		default:
			// A summary with objectives: its series are in the
			// index, its values in client_golang's summary.
			d.summaryVec.WithLabelValues(f.s.Labels()...).Observe(elapsed)
		}
		d.overflowed(f, key)
	} else {
		var buf [maxInlineLabels]string
		var lvs []string
		lvs, rec = d.labelValues(c, buf[:0])
		switch {
		case d.counterVec != nil:
			d.counterVec.WithLabelValues(lvs...).Inc()
		case d.histogramVec != nil:
			d.histogramVec.WithLabelValues(lvs...).Observe(elapsed)
		default:
			d.summaryVec.WithLabelValues(lvs...).Observe(elapsed)
		}
	}
	if rec != nil && !panicked {
		raiseLabelPanic(c, rec)
	}
}

// inProgress is the handler of gauges.
func (d *decorator) inProgress(c *gin.Context) {
	if _, out := d.leftOut(c); out {
		c.Next()
		return
	}
	var rec any
	if d.gauge != nil {
		var f found
		f, rec = d.seriesOf(c)
		r := d.index.Shard(contextKey(c))
		d.gauge.Add(r, f.s, 1)
		d.overflowed(f, contextKey(c))
		defer d.gauge.Add(r, f.s, -1)
	} else {
		var buf [maxInlineLabels]string
		var lvs []string
		lvs, rec = d.labelValues(c, buf[:0])
		g := d.gaugeVec.WithLabelValues(lvs...)
		g.Inc()
		defer g.Dec()
	}
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

// find returns the series of the label values lvs in d's family: of lvs
// themselves, or the overflow series once the family's budget is spent. A
// fixed decorator finds its series once.
func (d *decorator) find(lvs []string) found {
	if !d.fixed {
		s, over := d.index.Lookup(lvs, d.fromRequest)
		return found{s, over}
	}
	if f := d.series.Load(); f != nil {
		return *f
	}
	s, over := d.index.Lookup(lvs, d.fromRequest)
	f := &found{s, over}
	d.series.Store(f)
	return *f
}

// overflowed counts the observation of the request named key in the
// overflow counter if it went to an overflow series. It inlines; the
// counting, which is rare, does not.
func (d *decorator) overflowed(f found, key uintptr) {
	if f.overflowed {
		d.countOverflow(key)
	}
}

// countOverflow counts the observation of the request named key in the
// overflow counter.
func (d *decorator) countOverflow(key uintptr) {
	d.limit.Overflowed(d.index.Shard(key), 1)
}

// initial makes the series of a fixed decorator, at 0.
func (d *decorator) initial() {
	switch {
	case d.index != nil:
		d.find(d.values)
	case d.counterVec != nil:
		d.counterVec.WithLabelValues(d.values...)
	case d.gaugeVec != nil:
		d.gaugeVec.WithLabelValues(d.values...)
	case d.histogramVec != nil:
		d.histogramVec.WithLabelValues(d.values...)
	default:
		d.summaryVec.WithLabelValues(d.values...)
	}
}
