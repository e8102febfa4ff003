package ginprom

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

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
	methods [numMethods]atomic.Pointer[[]*handlerEntry]
}

// handlerEntry is one route, method and last handler.
type handlerEntry struct {
	// pc is the code address of the route's last handler; method is the
	// method's index; matched says that a route matched (the full path is
	// not ""). label is the group-by value when it is fixed per route and
	// handler (GroupByRoute, GroupByHandler), or Unmatched.
	pc      uintptr
	method  int
	matched bool
	label   string
	mu      sync.Mutex                    // serialises additions to list
	list    atomic.Pointer[[]seriesEntry] // replaced, never modified
}

// seriesEntry is the series of one route, method, handler, status and
// variant. The variant is the schema's per-request part (see requestSchema):
// the error message's index under WithBigBrother, the url_scheme under
// WithSemconv, 0 otherwise. Both come from small fixed sets.
type seriesEntry struct {
	status  int
	variant uint32
	series  *series
}

// route returns the entry of the request's route, method and last handler,
// making it on first sight.
func (t *tracker) route(c *gin.Context, fullPath string, method int, pc uintptr) *handlerEntry {
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
	he := &handlerEntry{pc: pc, method: method, matched: fullPath != "", label: Unmatched}
	if he.matched {
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
	if he.matched && gin.IsDebugging() {
		warnRecoveryAfter(c)
	}
	list := append(append(make([]*handlerEntry, 0, len(old)+1), old...), he)
	r.methods[method].Store(&list)
	return he
}

// series returns the series for status and variant, or nil if it is not
// cached yet. A route sees few statuses and variants; a linear scan beats
// hashing.
func (he *handlerEntry) series(status int, variant uint32) *series {
	for _, e := range *he.list.Load() {
		if e.status == status && e.variant == variant {
			return e.series
		}
	}
	return nil
}

func (t *tracker) addSeries(he *handlerEntry, status int, variant uint32) *series {
	he.mu.Lock()
	defer he.mu.Unlock()
	if s := he.series(status, variant); s != nil {
		return s
	}
	d := t.d
	lvs := d.schema.appendSeries(nil, he.method, status, he.label, he.matched, variant, d.values)
	counts := appendCounts(nil, he.method, status, d.values)
	if d.byGroup {
		counts = append(counts, he.label)
	}
	s := d.requests.lookup(lvs, counts)
	old := *he.list.Load()
	list := append(append(make([]seriesEntry, 0, len(old)+1), old...), seriesEntry{status, variant, s})
	he.list.Store(&list)
	return s
}

// warnRecoveryAfter warns, in Gin's debug mode, when the route of c runs a
// gin.Recovery after the ginprom middleware: that Recovery answers a
// handler's panic before ginprom sees it, so the panic shows as an ordinary
// 500 response, not as an exception. It runs once per route.
func warnRecoveryAfter(c *gin.Context) {
	const (
		middleware = "github.com/gin-contrib/ginprom.(*tracker).handle"
		recovery   = "github.com/gin-gonic/gin.CustomRecoveryWithWriter."
	)
	seen := false
	for _, name := range c.HandlerNames() {
		switch {
		case strings.HasPrefix(name, middleware):
			seen = true
		case seen && strings.HasPrefix(name, recovery):
			fmt.Fprintf(gin.DefaultWriter, "[GIN-debug] [WARNING] ginprom: %s %s runs gin.Recovery after the ginprom middleware, "+
				"so its panics are counted as 500 responses, not as exceptions; register gin.Recovery before ginprom, as gin.Default does.\n",
				c.Request.Method, c.FullPath())
			return
		}
	}
}
