package ginprom

import (
	"strings"

	"github.com/gin-gonic/gin"
)

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
