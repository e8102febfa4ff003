package ginprom

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/gin-gonic/gin"
)

// The default-metrics middleware resolves its series once per route,
// method, handler and status, and keeps them in this cache. Readers take no
// lock: every level is an atomic pointer to data that is replaced, never
// modified. Writers take a mutex, and only when a route, method, handler or
// status is seen for the first time.
//
// The cache is bounded by what the application registers, not by what
// clients send: the routes are Gin's route templates plus one entry for
// unmatched requests (full path ""), methods are clamped to numMethods,
// handlers are those of the routes, and statuses are clamped to 100-999.

// routeEntry is one route template.
type routeEntry struct {
	// methods holds, per method, one entry per last handler. One
	// middleware may serve several engines, whose routes of one path and
	// method may end in different handlers; usually there is one entry.
	methods [canon.NumMethods]atomic.Pointer[[]*handlerEntry]
}

// handlerEntry is one route, method and last handler.
type handlerEntry struct {
	// pc is the code address of the route's last handler; method is the
	// method's index; matched says that a route matched (the full path is
	// not ""). label is the group-by value when it is fixed per route and
	// handler (GroupByRoute, GroupByHandler), or Unmatched.
	pc         uintptr
	method     int
	methodName string // canon.MethodNames[method]
	fullPath   string
	matched    bool
	label      string
	// pass says whether the middleware leaves the route's requests
	// alone: never, always (the metrics route, or a route whose routed
	// path is its template and is excluded), or as the exclusions match
	// each request's routed path (a route with parameters, or unmatched
	// requests).
	pass int
	// route is the route template, or Unmatched: the path label of
	// sessions. streams turns true once a request of the route has
	// streamed events, so that later ones are watched from the start.
	route   string
	streams atomic.Bool
	// groups indexes the series by group-by value, under a group-by
	// computed per request with fixed default labels; nil otherwise.
	groups *aggregate.GroupIndex
	// shared says that the route's chain holds more than one default
	// middleware, which may be m's: the middleware then makes sure that
	// one of m's records each dispatch.
	shared bool
	mu     sync.Mutex                    // serialises additions to list
	list   atomic.Pointer[[]seriesEntry] // replaced, never modified
}

// seriesEntry is the series of one route, method, handler, status and
// variant. The variant is the schema's per-request part (see
// requestSchema): the error message's index under WithBigBrother, the
// url_scheme under WithSemconv, 0 otherwise; both come from small fixed
// sets. Under a group-by computed per request (GroupByPath, GroupByFunc) with
// fixed default labels, it holds instead the label values that precede
// the group-by value, and their hash, so that finding a request's series
// hashes only that value.
type seriesEntry struct {
	status  int
	variant uint32
	series  *aggregate.RequestSeries
	prefix  *aggregate.Prefix // the same for every variant of a status
}

// The values of handlerEntry.pass.
const (
	passNever  = iota // the middleware records the route's requests
	passAlways        // the metrics route, or an excluded route without parameters
	passMatch         // the exclusions match each request's routed path
)

// route returns the entry of the request's route, method and last
// handler, making it on first sight, and whether the middleware leaves the
// request alone (see handlerEntry.pass). What identifies the route is read
// here, before the chain runs: a handler may hand the context to
// engine.HandleContext, which resets it for another route.
//
// A hit compares the request's method with the entry's canonical name, so
// the method is made canonical (canon.Method) only on a miss: when the
// entry is made, or for a method outside the nine, whose requests find
// their entry (OTHER) in the map each time.
func (t *tracker) route(c *gin.Context) (he *handlerEntry, pass bool) {
	fullPath := c.FullPath()
	pc := reflect.ValueOf(c.Handler()).Pointer()
	method := c.Request.Method
	var mk uint64
	if method != "" {
		mk = uint64(len(method))<<8 | uint64(method[0])
	}
	// The address only identifies the string; a hit compares the
	// contents too, which is one pointer comparison for Gin's own string.
	addr := uint64(uintptr(unsafe.Pointer(unsafe.StringData(fullPath)))) //nolint:gosec // G103: only the address is read, as a number; nothing is dereferenced.
	slot := &t.recent[((addr^uint64(pc))*0x9e3779b97f4a7c15+mk)>>58]
	if he = slot.Load(); he == nil || he.pc != pc || he.fullPath != fullPath || he.methodName != method {
		if he = t.lookupRoute(c, fullPath, canon.Method(method), pc); he == nil {
			return nil, true
		}
		if he.methodName == method {
			slot.Store(he)
		}
	}
	switch he.pass {
	case passNever:
		return he, false
	case passAlways:
		return he, true
	}
	return he, t.m.exclude.match(routedPath(c))
}

// variesPerRequest reports whether the routed path of a route's requests
// differs per request (see routedPath): the route has parameters, or no
// route matched.
func variesPerRequest(fullPath string) bool {
	return fullPath == "" || strings.ContainsAny(fullPath, ":*")
}

// lookupRoute returns the entry of the route, method and last handler, or
// nil for an excluded request of a route whose routed path varies: an
// excluded request makes no entry, so a route whose every request is
// excluded has none, as if it were not there.
func (t *tracker) lookupRoute(c *gin.Context, fullPath string, method int, pc uintptr) *handlerEntry {
	if m := t.m; m.exclude.active() && pc != m.metricsPC && variesPerRequest(fullPath) && m.exclude.match(routedPath(c)) {
		return nil
	}
	r := (*t.routes.Load())[fullPath]
	if r == nil {
		r = t.addRoute(fullPath)
	}
	if list := r.methods[method].Load(); list != nil {
		for _, he := range *list {
			if he.pc == pc {
				return he
			}
		}
	}
	return t.addHandler(c, r, fullPath, method, pc)
}

func (t *tracker) addRoute(fullPath string) *routeEntry {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.routes.Load()
	if r := old[fullPath]; r != nil {
		return r
	}
	routes := make(map[string]*routeEntry, len(old)+1)
	for k, v := range old {
		routes[k] = v
	}
	r := &routeEntry{}
	routes[fullPath] = r
	t.routes.Store(&routes)
	return r
}

func (t *tracker) addHandler(c *gin.Context, r *routeEntry, fullPath string, method int, pc uintptr) *handlerEntry {
	t.mu.Lock()
	defer t.mu.Unlock()
	var old []*handlerEntry
	if list := r.methods[method].Load(); list != nil {
		old = *list
	}
	for _, he := range old {
		if he.pc == pc {
			return he
		}
	}
	he := &handlerEntry{pc: pc, method: method, methodName: canon.MethodNames[method], fullPath: fullPath, matched: fullPath != "", label: Unmatched, route: Unmatched}
	m := t.m
	switch {
	case pc == m.metricsPC:
		he.pass = passAlways
	case !m.exclude.active():
	case variesPerRequest(fullPath):
		he.pass = passMatch
	case m.exclude.match(fullPath):
		// A route without parameters routes only its template.
		he.pass = passAlways
	}
	if he.pass == passAlways {
		// Left alone: no series, no in-flight method, no warning.
		list := append(append(make([]*handlerEntry, 0, len(old)+1), old...), he)
		r.methods[method].Store(&list)
		return he
	}
	if he.matched {
		he.route = repairUTF8(fullPath)
		switch t.d.groupBy.kind {
		case groupRoute:
			he.label = repairUTF8(fullPath)
		case groupHandler:
			// What c.HandlerName() returns, taken from the address read
			// before the chain ran, as HandleContext may change the
			// context's handlers.
			he.label = repairUTF8(runtime.FuncForPC(pc).Name())
		}
	}
	he.list.Store(&[]seriesEntry{})
	he.shared = middlewares(c) > 1
	if he.matched && !t.d.cached && t.d.fixedLabels {
		he.groups = aggregate.NewGroupIndex()
	}
	if t.d.inflight != nil {
		t.d.inflight.Use(method)
	}
	if he.matched && gin.IsDebugging() {
		warnRecoveryAfter(c)
	}
	list := append(append(make([]*handlerEntry, 0, len(old)+1), old...), he)
	r.methods[method].Store(&list)
	return he
}

// middlewareName is the name Gin gives the handler of every default
// middleware.
const middlewareName = "github.com/gin-contrib/ginprom.(*tracker).handle"

// middlewares counts the default middlewares in the chain of c, of every
// Metrics. It runs once per route.
func middlewares(c *gin.Context) int {
	n := 0
	for _, name := range c.HandlerNames() {
		if strings.HasPrefix(name, middlewareName) {
			n++
		}
	}
	return n
}

// warnRecoveryAfter warns, in Gin's debug mode, when the route of c runs a
// gin.Recovery after the ginprom middleware: that Recovery answers a
// handler's panic before ginprom sees it, so the panic shows as an ordinary
// 500 response, not as an exception. It runs once per route.
func warnRecoveryAfter(c *gin.Context) {
	const (
		middleware = middlewareName
		recovery   = "github.com/gin-gonic/gin.CustomRecoveryWithWriter."
	)
	seen := false
	for _, name := range c.HandlerNames() {
		switch {
		case strings.HasPrefix(name, middleware):
			seen = true
		case seen && strings.HasPrefix(name, recovery):
			_, _ = fmt.Fprintf(gin.DefaultWriter, "[GIN-debug] [WARNING] ginprom: %s %s runs gin.Recovery after the ginprom middleware, "+
				"so its panics are counted as 500 responses, not as exceptions; register gin.Recovery before ginprom, as gin.Default does.\n",
				c.Request.Method, c.FullPath())
			return
		}
	}
}
