package ginprom

import (
	"context"
	"runtime"

	"github.com/gin-gonic/gin"
)

// Marks say what to leave out of the metrics for one request. They are
// kept in the request's context, not in gin.Context.Keys, because
// engine.HandleContext resets the Keys for the inner dispatch and leaves
// them so for the rest of the outer one; and each mark names the dispatch
// it was made in, so that the marks of one dispatch never apply to
// another. Making the first mark of a request allocates; requests that are
// never marked cost one context lookup, and only once some handler of the
// instance can mark them.

// Marks of one dispatch.
const (
	markNoDefaults = 1 << iota // DoNotTrack
	markNoMetrics              // ExcludeAllMetrics
	markSkipped                // WithSkipper said true
	markCounted                // a default middleware of the instance records it
)

// dispatchID names one dispatch of a request: the route (its full path)
// and its last handler, as they are when the dispatch begins.
type dispatchID struct {
	path string
	pc   uintptr
}

// currentDispatch returns the dispatch the context is in now.
func currentDispatch(c *gin.Context) dispatchID {
	return dispatchOf(c.FullPath(), c.Handler())
}

// dispatchOf returns the dispatch of the route whose full path is path and
// whose last handler is last. A decorator reads both before the chain:
// after it, engine.HandleContext leaves c.FullPath() to the inner route,
// and c.Handler() too on a Gin that does not restore the handlers (1.9
// does not) or when a panic unwinds from the inner dispatch.
func dispatchOf(path string, last gin.HandlerFunc) dispatchID {
	return dispatchID{path, funcPC(last)}
}

// marksKey is the key of an instance's marks in a request's context.
type marksKey struct{ m *Metrics }

// requestMarks are the marks one instance left on one request.
type requestMarks struct {
	dispatches []dispatchMarks
	// exception says that a dispatch has counted the panic that is
	// unwinding: the outer dispatches of a HandleContext do not count it
	// again.
	exception bool
}

type dispatchMarks struct {
	id    dispatchID
	flags int
}

// The flags of Metrics.marking.
const (
	defaultMarksMade = 1 << iota // DoNotTrack can mark requests, or a request was marked counted
	allMarksMade                 // ExcludeAllMetrics can mark requests
	skipsMade                    // a request that the skipper leaves out was marked
)

// marksUsed reports whether any request may carry a mark that the default
// middleware heeds (DoNotTrack, ExcludeAllMetrics).
func (m *Metrics) marksUsed() bool {
	return m.marking.Load()&(defaultMarksMade|allMarksMade) != 0
}

// decoratorMarksUsed reports whether any request may carry a mark that
// decorators heed (ExcludeAllMetrics, a skip): DoNotTrack alone leaves the
// decorators on their fast path.
func (m *Metrics) decoratorMarksUsed() bool {
	return m.marking.Load()&(allMarksMade|skipsMade) != 0
}

// markingFlag returns the flag of Metrics.marking that a mark f turns on.
func markingFlag(f int) uint32 {
	switch f {
	case markSkipped:
		return skipsMade
	case markNoMetrics:
		return allMarksMade
	default: // markNoDefaults, markCounted
		return defaultMarksMade
	}
}

// requestMarks returns m's marks on the request, or nil.
func (m *Metrics) requestMarks(c *gin.Context) *requestMarks {
	rm, _ := c.Request.Context().Value(marksKey{m}).(*requestMarks)
	return rm
}

// marks returns the marks of dispatch id.
func (m *Metrics) marks(c *gin.Context, id dispatchID) int {
	if m.marking.Load() == 0 {
		return 0
	}
	rm := m.requestMarks(c)
	if rm == nil {
		return 0
	}
	for _, d := range rm.dispatches {
		if d.id == id {
			return d.flags
		}
	}
	return 0
}

// marksOrAdd returns m's marks on the request, making them if there are
// none.
func (m *Metrics) marksOrAdd(c *gin.Context) *requestMarks {
	if rm := m.requestMarks(c); rm != nil {
		return rm
	}
	rm := &requestMarks{}
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), marksKey{m}, rm))
	return rm
}

// mark adds the flag f, one of the marks, to the marks of dispatch id,
// and turns on its flag of Metrics.marking (see markingFlag).
func (m *Metrics) mark(c *gin.Context, id dispatchID, f int) {
	flag := markingFlag(f)
	if m.marking.Load()&flag == 0 {
		m.marking.Or(flag)
	}
	rm := m.marksOrAdd(c)
	for i := range rm.dispatches {
		if rm.dispatches[i].id == id {
			rm.dispatches[i].flags |= f
			return
		}
	}
	rm.dispatches = append(rm.dispatches, dispatchMarks{id, f})
}

// labelPanicKey marks a request whose unwinding panic is one that ginprom
// raised again after recording, the panic of a label function: the
// handler answered, so no instance counts it as the handler's exception.
type labelPanicKey struct{}

// raiseLabelPanic marks the request, then raises rec again.
func raiseLabelPanic(c *gin.Context, rec any) {
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), labelPanicKey{}, true))
	panic(rec)
}

// labelPanicking reports whether the panic unwinding through c is a label
// function's, raised again by raiseLabelPanic.
func labelPanicking(c *gin.Context) bool {
	return c.Request.Context().Value(labelPanicKey{}) != nil
}

// goexiting reports, from a deferred call, whether the goroutine is
// unwinding because of runtime.Goexit (t.FailNow, say) rather than a
// panic. Recovering would tell, but would stop the panic; the stack tells
// without touching it. It runs only when a chain did not return.
func goexiting() bool {
	var pcs [64]uintptr
	n := runtime.Callers(2, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		switch f.Function {
		case "runtime.gopanic":
			return false
		case "runtime.Goexit":
			return true
		}
		if !more {
			return false
		}
	}
}
