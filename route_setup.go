package ginprom

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/gin-gonic/gin"
)

// Making the entries of the route cache (route_cache.go): once per route,
// method and handler, under the tracker's lock; never on a request's walk
// once its entry is made.

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
