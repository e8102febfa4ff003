package ginprom

import (
	"reflect"
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
	if he = slot.Load(); he == nil || he.pc != pc || !sameString(he.fullPath, fullPath) || !sameMethod(he.methodName, method) {
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

// sameString reports whether a and b are equal, answering from their
// addresses first: a route's requests bring the very string of its entry
// (Gin's full path), whose bytes then need no comparison.
func sameString(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b) //nolint:gosec // G103: the addresses are compared, nothing is dereferenced.
}

// sameMethod reports whether the request's method equals name, an entry's
// canonical method name. The request's method is a string of its own,
// parsed from the request line, so its bytes are compared here, without a
// call: a name of 4 to 8 bytes by its first and last 4 (which together
// cover it), one of 3 byte by byte. Other lengths compare as strings.
func sameMethod(name, method string) bool {
	n := len(name)
	switch {
	case n != len(method):
		return false
	case n == 3:
		return name[0] == method[0] && name[1] == method[1] && name[2] == method[2]
	case n >= 4 && n <= 8:
		return word4(name) == word4(method) && word4(name[n-4:]) == word4(method[n-4:])
	}
	return name == method
}

// word4 returns the first 4 bytes of s, len(s) >= 4, as one number.
func word4(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
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

// routedPath returns the path Gin routed the request by, which exclusions
// and GroupByPath match and record, rather than the URL path the client
// wrote. For a request that matched a route, it is the route template with
// each parameter's value in place: the template itself for a route without
// parameters, and otherwise the URL path when it spells the template so, as
// it does under Gin's default settings. Only a path that Gin changed before
// routing (cleaned under RemoveExtraSlash, taken raw under UseRawPath)
// makes a new string, once per request.
//
// So "//health" and "/static/../health", which Gin routes to /health under
// RemoveExtraSlash, both give "/health": a client cannot move a request out
// of an exclusion, into one, or into a series of its own by spelling its
// path another way. A request that matched no route, which reaches no
// handler of the application's, gives its URL path.
//
// Under UseRawPath with UnescapePathValues, Gin unescapes the parameters,
// and the path is spelled with the unescaped values.
func routedPath(c *gin.Context) string {
	tmpl := c.FullPath()
	switch {
	case tmpl == "":
		return c.Request.URL.Path
	case len(c.Params) == 0:
		// A route without parameters matches only its template.
		return tmpl
	}
	if p := c.Request.URL.Path; spells(p, tmpl, c.Params) {
		return p
	}
	return spell(tmpl, c.Params)
}

// spells reports whether path is tmpl with the values of params in place of
// its parameters.
func spells(path, tmpl string, params gin.Params) bool {
	k := 0
	for i := 0; i < len(tmpl); {
		if v, n, ok := param(tmpl[i:], params, k); ok {
			if !strings.HasPrefix(path, v) {
				return false
			}
			path = path[len(v):]
			i += n
			k++
			continue
		}
		if path == "" || path[0] != tmpl[i] {
			return false
		}
		path = path[1:]
		i++
	}
	return path == ""
}

// spell returns tmpl with the values of params in place of its parameters.
func spell(tmpl string, params gin.Params) string {
	var b strings.Builder
	b.Grow(len(tmpl))
	k := 0
	for i := 0; i < len(tmpl); {
		if v, n, ok := param(tmpl[i:], params, k); ok {
			b.WriteString(v)
			i += n
			k++
			continue
		}
		b.WriteByte(tmpl[i])
		i++
	}
	return b.String()
}

// param reports whether tmpl begins with the k-th parameter of params, and
// returns its value and the length of its name in tmpl. A named parameter
// is ":key"; a catch-all is "/*key", whose value Gin gives with the slash
// before it. A colon or star that does not name params[k] is a literal, as
// an escaped colon of newer Gin versions is in the template.
func param(tmpl string, params gin.Params, k int) (value string, n int, ok bool) {
	if k >= len(params) {
		return "", 0, false
	}
	start := 1
	switch {
	case tmpl[0] == ':':
	case strings.HasPrefix(tmpl, "/*"):
		start = 2
	default:
		return "", 0, false
	}
	n = strings.IndexByte(tmpl[start:], '/')
	if n < 0 {
		n = len(tmpl) - start
	}
	if tmpl[start:start+n] != params[k].Key {
		return "", 0, false
	}
	return params[k].Value, start + n, true
}
