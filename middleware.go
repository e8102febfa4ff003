package ginprom

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/gin-gonic/gin"
)

// epoch is the origin of the monotonic readings of now.
var epoch = time.Now()

// now reads the monotonic clock: one clock read, where time.Now makes two.
func now() time.Duration { return time.Since(epoch) }

// seconds converts d with one multiplication; time.Duration.Seconds splits
// it into whole seconds and nanoseconds first, which costs more on the
// request path than the difference in rounding is worth.
func seconds(d time.Duration) float64 { return float64(d) * 1e-9 }

// tracker is one default-metrics middleware: the collectors, and a cache of
// their children per route, method and status.
type tracker struct {
	m      *Metrics
	d      *defaultMetrics
	routes atomic.Pointer[map[string]*routeEntry] // replaced, never modified
	mu     sync.Mutex                             // serialises additions to routes
	// recent holds the entries last found, direct-mapped by the address
	// of the route's full path, its last handler and method: Gin hands
	// every request of a route the same full-path string, so a hit costs
	// no hashing of the path.
	recent [64]atomic.Pointer[handlerEntry]
}

func (t *tracker) handle(c *gin.Context) {
	m, d := t.m, t.d
	// The walk of a request: the route's entry (route_cache.go), the
	// session check before the chain (here; session.go only for a request
	// that may be a session), the chain, the session check after it, the
	// status the client got (internal/canon), the series (series.go) and
	// the observation (internal/aggregate). See the README's "How it
	// works".
	//
	// The clock is read first: what follows, the route's entry above
	// all, is a chain of loads that runs while the clock read completes,
	// where after it each load would wait for the last. The duration so
	// takes in ginprom's own work before the chain, a few nanoseconds,
	// and a request that the middleware leaves alone (the metrics route,
	// an excluded path) pays for a reading it does not use.
	start := now()
	he, pass := t.route(c)
	if pass {
		c.Next()
		return
	}
	id := dispatchID{he.fullPath, he.pc}
	if he.shared {
		// Another default middleware may stand in this chain (one on
		// the engine, one on a group): the first of m's records the
		// dispatch, the others leave it alone.
		if m.marks(c, id)&(markCounted|markSkipped) != 0 {
			c.Next()
			return
		}
		m.mark(c, id, markCounted)
	}
	if m.skipper != nil && t.skip(c, he, id) {
		// Marked, so that m's decorators leave it out too without
		// asking again.
		m.mark(c, id, markSkipped)
		c.Next()
		return
	}
	var p pending
	d.pending(&p, c, he, id)
	if d.reqSize {
		p.contentLength = c.Request.ContentLength
		p.body = countBody(c.Request)
	}
	if d.respSize {
		p.written = countResponse(c)
	}
	// The schema's per-request variant: the url scheme, read now, and the
	// error message, which handlers set through the writer wrapped here
	// (see SetErrorMessage), when the schema has them.
	if d.schema.scheme {
		p.variant = requestScheme(c)
	}
	if d.messages != nil {
		p.mw = d.messages.wrap(c)
	}
	if d.inflight != nil {
		p.ref = d.requests.Shard(p.key)
		p.inflight = d.inflight.Key(he.method, p.variant)
	}
	p.start = start
	// The session check before the chain: a request that may become a
	// session (see session.go) is watched; any other is checked for an
	// event stream once it returns.
	var sw *sessionWriter
	if ws, announced := sessionHints(c.Request, he.method == canon.MethodGet); ws || announced || he.streams.Load() {
		sw = t.watchSession(c, he, &p, ws)
	}
	defer func() {
		var rec any
		switch p.step {
		case stepChain:
			// c.Next is unwinding from a panic, or from runtime.Goexit,
			// which leaves the client without an answer: both are
			// exceptions. Record it and let it go on: recovering here
			// and panicking again would cut the stack that
			// gin.Recovery prints. A label function's panic, raised
			// again by ginprom after the handler answered, is not the
			// handler's.
			if (sw != nil || streamed(c.Writer)) && t.endSession(c, he, &p, sw, true) {
				return
			}
			t.record(c, he, &p, !labelPanicking(c))
		case stepExemplar, stepGroup:
			// A user function that record called panicked, or called
			// runtime.Goexit: see userPanicked.
			rec = t.userPanicked(c, he, &p, recover())
		}
		if p.mw != nil {
			d.messages.unwrap(c, p.mw)
		}
		if p.written != nil {
			p.written.remove(c)
		}
		if rec != nil {
			raiseLabelPanic(c, rec)
		}
	}()
	if d.inflight != nil {
		// The request's one atomic write before the chain, as late as
		// it can be: a locked instruction waits for the stores before
		// it, and here it measured faster than before the session
		// check (README, Performance).
		d.inflight.Start(p.ref, p.inflight)
	}
	c.Next()
	p.step = stepReturned
	if (sw != nil || streamed(c.Writer)) && t.endSession(c, he, &p, sw, false) {
		return
	}
	t.record(c, he, &p, false)
}

// contextKey names the request's context to the engine, which picks the
// shard the request writes to by it. The address only identifies the
// context; it is never turned back into a pointer.
func contextKey(c *gin.Context) uintptr {
	return uintptr(unsafe.Pointer(c)) //nolint:gosec // G103: only the address is read, as a number; nothing is dereferenced.
}

// pending fills p with what the middleware knows of a request of he
// before its chain runs: the key that picks its shard, and under
// GroupByPath its path. The shard is picked when the request is observed,
// or before the chain by the in-flight gauge. It is inlined; pendingPath,
// under GroupByPath, is not.
func (d *defaultMetrics) pending(p *pending, c *gin.Context, he *handlerEntry, id dispatchID) {
	*p = pending{id: id, key: contextKey(c)}
	if d.groupBy.kind == groupPath {
		pendingPath(p, c, he)
	}
}

// pendingPath puts in p, under GroupByPath, the path of a request of a
// matched route, and its entry in the route's index.
func pendingPath(p *pending, c *gin.Context, he *handlerEntry) {
	if !he.matched {
		return
	}
	// The path Gin routed is the URL path, but for spellings
	// (RemoveExtraSlash, UseRawPath); the index holds only routed paths,
	// so a hit needs no work to find it.
	p.raw = c.Request.URL.Path
	if he.groups != nil {
		p.group, p.series = he.groups.Find(p.raw)
	}
	if p.group == nil {
		p.path = routedPath(c)
	}
}

// maxInlineLabels bounds the label values the middleware gathers in an
// array on the stack; more spill to the heap.
const maxInlineLabels = 16

// record records one request of the route, method and handler of he.
// panicked says that the handler panicked; a panic of a label function is
// then dropped in favour of the handler's.
func (t *tracker) record(c *gin.Context, he *handlerEntry, p *pending, panicked bool) {
	p.obs = aggregate.Observation{Seconds: seconds(now() - p.start)}
	o := &p.obs
	m, d := t.m, t.d
	if p.mw != nil {
		p.variant = d.schema.variantOf(p.variant, p.mw.id)
	}
	if m.marksUsed() && m.marks(c, p.id)&(markNoDefaults|markNoMetrics) != 0 {
		if d.inflight != nil {
			d.inflight.Abandon(p.ref.Shard(), p.inflight)
		}
		return
	}
	if !panicked && he.groups != nil && d.groupBy.kind == groupFunc {
		t.recordFunc(c, he, p)
		return
	}
	status, answered := http.StatusInternalServerError, true
	if !panicked {
		err, written := c.Request.Context().Err(), c.Writer.Status()
		if status = written; !canon.Plain(err, written) {
			status, answered = canon.ClientStatus(err, written, c.Writer)
		}
	}
	// The sizes, as sizes puts them, a call less.
	if d.reqSize {
		o.ReqSize = requestSize(p.contentLength, p.body)
	}
	if d.respSize {
		if panicked {
			o.RespSize = panicResponseSize(c, p.written)
		} else {
			o.RespSize = responseSize(c, he.method, he.matched, answered, p.written)
		}
	}
	if !d.cached {
		if he.groups != nil && d.groupBy.kind == groupPath && status != http.StatusNotFound {
			// No label function runs: the series is at hand.
			t.recordPath(c, he, p, status, panicked, o)
			return
		}
		t.recordVarying(c, he, p, status, panicked, o)
		return
	}
	s := he.series(status, p.variant)
	if s == nil {
		s = t.addSeries(he, status, p.variant)
	}
	ref := p.ref // picked before the chain for the in-flight gauge
	if d.inflight == nil {
		ref = d.requests.Shard(p.key)
	}
	i := d.requests.Observe(ref, s, o)
	var rec any
	if d.exemplars != nil {
		if p.step == stepReturned {
			// t.exemplar's common case, a call less.
			p.step = stepExemplar
			s.Exemplar(i, d.exemplars(c), o.Seconds)
			p.step = stepReturned
		} else {
			rec = t.exemplar(c, p, s, i)
		}
	}
	if panicked {
		if t.firstException(c) {
			lvs := append([]string{canon.MethodNames[he.method], canon.StatusLabel(status)}, d.values...)
			if d.byGroup {
				lvs = append(lvs, he.label)
			}
			d.exceptions.WithLabelValues(lvs...).Inc()
		}
	} else if rec != nil {
		raiseLabelPanic(c, rec)
	}
}

// recordPath records a request under GroupByPath with fixed default
// labels: the series of the status, in the route's index entry found
// before the chain; series.go only makes a series the index does not have.
func (t *tracker) recordPath(c *gin.Context, he *handlerEntry, p *pending, status int, panicked bool, o *aggregate.Observation) {
	d := t.d
	var s *aggregate.RequestSeries
	var over bool // the budget redirected the request to an overflow series
	for _, e := range p.series {
		if e.Status == status && e.Variant == p.variant {
			s = e.Series
			break
		}
	}
	if s == nil {
		group := canon.Value(p.path)
		if p.group != nil {
			group = p.group.Value()
		}
		pfx := he.prefix(status)
		if pfx == nil {
			pfx = t.addPrefix(he, status)
		}
		s, over = d.requests.LookupGroup(pfx, group, p.variant)
		if group == p.raw {
			he.groups.Add(s.Group(), status, p.variant, s)
		}
	}
	i := d.requests.Observe(d.requests.Shard(p.key), s, o)
	if over {
		d.requests.Overflowed(d.requests.Shard(p.key), s)
	}
	var rec any
	if d.exemplars != nil {
		rec = t.exemplar(c, p, s, i)
	}
	if panicked {
		if t.firstException(c) {
			d.exceptions.WithLabelValues(exceptionLVs(d, s)...).Inc()
			if over {
				d.requests.Exception(d.requests.Shard(p.key), s)
			}
		}
	} else if rec != nil {
		raiseLabelPanic(c, rec)
	}
}

// recordFunc records a request that returned under GroupByFunc with fixed
// default labels: the status the client got and the group-by value in one
// call into internal/canon (canon.Finish), the series in one into the
// route's index; series.go only makes a series the index does not have.
// The function runs without a recover of its own: a panic or a
// runtime.Goexit in it is caught by the deferred function of
// tracker.handle, which runs anyway (see userPanicked), or, when record
// runs from a deferred function, by recordFuncGuarded's.
func (t *tracker) recordFunc(c *gin.Context, he *handlerEntry, p *pending) {
	if p.step != stepReturned {
		t.recordFuncGuarded(c, he, p)
		return
	}
	p.step = stepGroup
	canon.Finish(&p.out, c.Request.Context().Err(), c.Writer.Status(), c.Writer, t.d.groupBy.fn, c)
	p.step = stepReturned
	t.recordGroup(c, he, p, p.out.Group, nil)
}

// recordGroup records a request under GroupByFunc with fixed default
// labels in the series of group, of the status in p.out. rec is the
// group-by function's panic, if it panicked; the panic to raise again once
// the request is recorded is returned: rec, or else the exemplar
// function's.
func (t *tracker) recordGroup(c *gin.Context, he *handlerEntry, p *pending, group string, rec any) any {
	d := t.d
	if d.reqSize || d.respSize {
		t.sizes(c, he, p, false, p.out.Answered, &p.obs)
	}
	s := he.groups.Series(group, p.out.Status, p.variant)
	var over bool // the budget redirected the request to an overflow series
	if s == nil {
		pfx := he.prefix(p.out.Status)
		if pfx == nil {
			pfx = t.addPrefix(he, p.out.Status)
		}
		s, over = d.requests.LookupGroup(pfx, group, p.variant)
		if rec == nil {
			he.groups.Add(s.Group(), p.out.Status, p.variant, s)
		}
	}
	i := d.requests.Observe(d.requests.Shard(p.key), s, &p.obs)
	if over {
		d.requests.Overflowed(d.requests.Shard(p.key), s)
	}
	if d.exemplars != nil {
		if r := t.exemplar(c, p, s, i); rec == nil {
			rec = r
		}
	}
	return rec
}

// sessionHints reports, in one call, what the request says of a session
// before its chain: whether it is a websocket request (see
// websocketRequest; only a GET can be one), and whether the client
// announces an event stream: its Accept header begins with
// text/event-stream, as EventSource and most clients of streams send it. A
// stream asked for otherwise (after other media types) is found when it
// ends, and its route watched from then on. An ordinary GET costs two map
// lookups and a byte comparison, and no other call.
func sessionHints(r *http.Request, get bool) (websocket, announced bool) {
	if get {
		if up := r.Header["Upgrade"]; len(up) > 0 {
			websocket = websocketUpgrade(r, up[0])
		}
	}
	accept := r.Header["Accept"]
	return websocket, len(accept) > 0 && eventStreamPrefix(accept[0])
}

// streamed is the session check after the chain for a request that was
// not watched: its response went out as an event stream (see lateSession).
func streamed(w gin.ResponseWriter) bool {
	return w.Written() && isEventStream(w.Header())
}

// isEventStream reports whether the response header says text/event-stream.
func isEventStream(h http.Header) bool {
	ct := h["Content-Type"]
	return len(ct) > 0 && eventStreamPrefix(ct[0])
}

// eventStreamPrefix reports whether s begins with text/event-stream, ASCII
// case aside. Most values differ at their sixth byte ("text/html",
// "application/json"), where it looks first.
func eventStreamPrefix(s string) bool {
	const want = "text/event-stream"
	return len(s) >= len(want) && s[5]|0x20 == 'e' && strings.EqualFold(s[:len(want)], want)
}
