package ginprom

import (
	"sync"
	"sync/atomic"

	"github.com/gin-gonic/gin"
)

// The default-metrics middleware resolves its series once per route,
// method and status, and keeps them in this cache. Readers
// take no lock: every level is an atomic pointer to data that is replaced,
// never modified. Writers take a mutex, and only when a route, method or
// status is seen for the first time.
//
// The cache is bounded by what the application registers, not by what
// clients send: the routes are Gin's route templates plus one entry for
// unmatched requests (full path ""), methods are clamped to numMethods, and
// statuses to 100-999.

// routeEntry is one route template.
type routeEntry struct {
	methods [numMethods]atomic.Pointer[methodEntry]
}

// methodEntry is one route and method.
type methodEntry struct {
	// label is the group-by value when it is fixed per route and method
	// (GroupByRoute, GroupByHandler), or Unmatched. pc is the code address
	// of the route's last handler, from which Gin derives the handler name.
	// One middleware may serve several engines, whose routes of one path
	// and method may end in different handlers: the cached series serve
	// only the requests whose handler is at pc.
	label string
	pc    uintptr
	mu    sync.Mutex                    // serialises additions to series
	list  atomic.Pointer[[]seriesEntry] // replaced, never modified
}

// seriesEntry is the series of one route, method and status.
type seriesEntry struct {
	status int
	series *series
}

// route returns the entry of the request's route and method, making it on
// first sight.
func (t *tracker) route(c *gin.Context, fullPath string, method int, pc uintptr) *methodEntry {
	r := (*t.routes.Load())[fullPath]
	if r == nil {
		r = t.addRoute(fullPath)
	}
	if me := r.methods[method].Load(); me != nil {
		return me
	}
	return t.addMethod(c, r, fullPath, method, pc)
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

func (t *tracker) addMethod(c *gin.Context, r *routeEntry, fullPath string, method int, pc uintptr) *methodEntry {
	me := &methodEntry{label: Unmatched, pc: pc}
	if fullPath != "" {
		switch t.d.groupBy.kind {
		case groupRoute:
			me.label = repairUTF8(fullPath)
		case groupHandler:
			me.label = repairUTF8(c.HandlerName())
		}
	}
	me.list.Store(&[]seriesEntry{})
	if r.methods[method].CompareAndSwap(nil, me) {
		return me
	}
	return r.methods[method].Load()
}

// series returns the children for status, or nil if they are not cached
// yet. A route sees few statuses; a linear scan beats hashing.
func (me *methodEntry) series(status int) *series {
	for _, e := range *me.list.Load() {
		if e.status == status {
			return e.series
		}
	}
	return nil
}

func (t *tracker) addSeries(me *methodEntry, method, status int) *series {
	me.mu.Lock()
	defer me.mu.Unlock()
	if s := me.series(status); s != nil {
		return s
	}
	lvs := append([]string{methodNames[method], statusLabel(status)}, t.d.values...)
	s := t.d.requests.lookup(append(lvs, me.label))
	old := *me.list.Load()
	list := append(append(make([]seriesEntry, 0, len(old)+1), old...), seriesEntry{status, s})
	me.list.Store(&list)
	return s
}
