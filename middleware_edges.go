package ginprom

import (
	"time"

	"github.com/gin-contrib/ginprom/internal/aggregate"
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
}
