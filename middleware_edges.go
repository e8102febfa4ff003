package ginprom

import (
	"time"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/gin-gonic/gin"
)

// The middleware's turns off the walk of a request (see tracker.handle):
// a skipper asked, an exception counted; and what the walk carries across
// the chain.

// skip asks the skipper about the request. A skipper that panics or calls
// runtime.Goexit is a panic in the chain: the request is recorded as an
// exception with status 500, and the panic goes on.
func (t *tracker) skip(c *gin.Context, he *handlerEntry, id dispatchID) bool {
	returned := false
	defer func() {
		if !returned {
			var p pending
			t.d.pending(&p, c, he, id)
			if t.d.schema.scheme {
				p.variant = requestScheme(c)
			}
			if in := t.d.inflight; in != nil {
				p.ref = t.d.requests.Shard(p.key)
				p.inflight = in.Key(he.method, p.variant)
				in.Start(p.ref, p.inflight)
			}
			p.start = now()
			t.record(c, he, &p, true)
		}
	}()
	skip := t.m.skipper(c)
	returned = true
	return skip
}

// firstException reports whether the panic unwinding through c has not
// been counted by an inner dispatch (engine.HandleContext), and notes that
// it now is. Under a schema without exceptions nothing counts it: false,
// and the request's context is left alone, so that a panic allocates
// nothing.
func (t *tracker) firstException(c *gin.Context) bool {
	if t.d.exceptions.vec == nil {
		return false
	}
	rm := t.m.requestMarks(c)
	if rm != nil && rm.exception {
		return false
	}
	if rm == nil {
		rm = t.m.marksOrAdd(c)
	}
	rm.exception = true
	return true
}

// pending is what the middleware knows of a request before its chain
// runs.
type pending struct {
	id            dispatchID
	start         time.Duration
	key           uintptr       // picks the shard (see contextKey)
	ref           aggregate.Ref // the shard, picked only for the in-flight gauge
	contentLength int64
	body          *countingBody // counts a body of unknown length
	written       *bodyCounter  // counts the body behind another's writer
	// Under GroupByPath: the URL path, and its entry in the route's index
	// with the entry's series as they were before the chain (see
	// aggregate.GroupIndex.Find), or else the path Gin routed.
	raw    string
	group  *aggregate.GroupEntry
	series []aggregate.GroupSeries // group's series, as they were then
	path   string
	// The schema's variant (see seriesEntry), the writer that carries
	// Big Brother's error message, and the in-flight gauge's key.
	variant  uint32
	mw       *messageWriter
	inflight int
	// observed says that the request is in its series: a runtime.Goexit
	// after that point (in the exemplar function) must not record it
	// again.
	observed bool
	// Where the middleware is (see stepChain), the request's observation,
	// and under GroupByFunc its outcome: kept here, so that
	// tracker.handle's deferred function finds them when a user function
	// that record calls panics.
	step uint8
	obs  aggregate.Observation
	out  canon.Outcome
}

// Where tracker.handle is in a request, for its deferred function.
const (
	stepChain     uint8 = iota // the chain runs, or is unwinding
	stepReturned               // the chain returned; user functions run unguarded
	stepExemplar               // in the exemplar function
	stepGroup                  // in the GroupByFunc function
	stepRecovered              // recording after a user function's panic
)

// exemplar runs the exemplar function and keeps its exemplar in duration
// bucket i of s. Right after the chain returned it runs without a recover
// of its own, the step noted for the deferred function that catches its
// panic (see userPanicked); from a deferred function, under
// recordExemplar's. It returns the panic to raise again, if any.
func (t *tracker) exemplar(c *gin.Context, p *pending, s *aggregate.RequestSeries, i int) any {
	if p.step != stepReturned {
		return recordExemplar(t.d.exemplars, c, s, i, p.obs.Seconds)
	}
	p.step = stepExemplar
	s.Exemplar(i, t.d.exemplars(c), p.obs.Seconds)
	p.step = stepReturned
	return nil
}

// userPanicked is what a deferred function does when a user function that
// record called unguarded, at step p.step, panicked with r, or called
// runtime.Goexit (r is nil); it returns the panic to raise again once the
// deferred function is done. The exemplar function ran once the request
// was recorded: its exemplar is dropped. The GroupByFunc function ran
// before: the request is recorded with PanicValue as its group-by value,
// or, on runtime.Goexit, as recordVarying records it.
func (t *tracker) userPanicked(c *gin.Context, he *handlerEntry, p *pending, r any) any {
	step := p.step
	p.step = stepRecovered
	if step != stepGroup {
		return r
	}
	if r == nil {
		if t.d.reqSize || t.d.respSize {
			t.sizes(c, he, p, false, p.out.Answered, &p.obs)
		}
		t.observeVarying(c, he, p, p.out.Status, false, &p.obs, true)
		return nil
	}
	return t.recordGroup(c, he, p, canon.PanicValue, r)
}

// recordFuncGuarded is recordFunc from a deferred function (a label
// function's panic, raised again by an inner instance, unwinding through
// the chain), whose panics tracker.handle's deferred function cannot
// catch: it catches them itself.
func (t *tracker) recordFuncGuarded(c *gin.Context, he *handlerEntry, p *pending) {
	p.step = stepReturned
	defer func() {
		var rec any
		switch p.step {
		case stepExemplar, stepGroup:
			rec = t.userPanicked(c, he, p, recover())
		}
		if rec != nil {
			raiseLabelPanic(c, rec)
		}
	}()
	t.recordFunc(c, he, p)
}
