package ginprom

import (
	"fmt"

	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/gin-gonic/gin"
)

// Unmatched is the value of the group-by label, under every [GroupBy], for
// requests that match no route: those Gin answers with 404 or 405, and those
// its NoRoute and NoMethod handlers serve. Under [GroupByPath] it is also the
// value of requests that a matched route answers with 404. Whatever URLs a
// client sends, they add one series, not one per URL.
const Unmatched = canon.Unmatched

// A GroupBy says how the request label of the duration metric is computed.
// Use [GroupByRoute], [GroupByPath], [GroupByHandler] or [GroupByFunc]; the
// zero GroupBy means the default, GroupByRoute.
type GroupBy struct {
	kind  groupKind
	label string
	fn    func(*gin.Context) string
}

type groupKind uint8

const (
	groupUnset groupKind = iota
	groupRoute
	groupPath
	groupHandler
	groupFunc
)

var (
	// GroupByRoute labels requests "path" with their route template, as Gin
	// registered it: "/users/:id" for /users/42. Its cardinality is the
	// number of routes. This is the default.
	GroupByRoute = GroupBy{kind: groupRoute, label: "path"}

	// GroupByPath labels requests "path" with the path Gin routed them by,
	// as [WithExcludedPaths] describes it: "/users/42". The spellings of a
	// path that Gin routes alike ("//users/42", "/users/./42" under
	// RemoveExtraSlash) make one series. Every distinct path of a matched
	// route makes a series, so use it only where the paths are few.
	// Unmatched requests still get [Unmatched], and so do requests a
	// matched route answers with 404 (a file r.Static does not have, a
	// catch-all route's unknown page): a scan of a wildcard route adds one
	// series, not one per URL. A path longer than [MaxValueLen] bytes is
	// cut, ending in [CutMark].
	GroupByPath = GroupBy{kind: groupPath, label: "path"}

	// GroupByHandler labels requests "handler" with the name of the route's
	// last handler, as c.HandlerName() gives it, resolved once per route.
	GroupByHandler = GroupBy{kind: groupHandler, label: "handler"}
)

// GroupByFunc labels requests with the label named label, valued fn(c). fn
// runs after the rest of the chain, once per request, and only for requests
// that match a route; unmatched requests get [Unmatched]. Every distinct
// value makes a series, so fn should map requests onto a small set; wrap it
// in [LimitValues] to enforce a bound. A value longer than [MaxValueLen]
// bytes is cut, ending in [CutMark].
//
// GroupByFunc panics if label is not a valid label name or is one the
// default metrics use themselves ("method", "status", and "le" and
// "quantile" of histograms and summaries), or if fn is nil.
func GroupByFunc(label string, fn func(c *gin.Context) string) GroupBy {
	switch {
	case !validLabelName(label):
		panic(fmt.Sprintf("ginprom: GroupByFunc(%q, ...): not a valid label name; use ASCII letters, digits and '_', not beginning with a digit or \"__\"", label))
	case label == "method" || label == "status" || label == "le" || label == "quantile":
		panic(fmt.Sprintf("ginprom: GroupByFunc(%q, ...): the default metrics use that label name themselves; choose another", label))
	}
	if fn == nil {
		panic(fmt.Sprintf("ginprom: GroupByFunc(%q, nil): the function is nil", label))
	}
	return GroupBy{kind: groupFunc, label: label, fn: fn}
}

// perRoute reports whether the label value is the same for every request of
// a route and method, so that it can be resolved once and cached.
func (g GroupBy) perRoute() bool {
	return g.kind == groupRoute || g.kind == groupHandler
}

// name returns how g is written in code, for setup messages.
func (g GroupBy) name() string {
	switch g.kind {
	case groupPath:
		return "GroupByPath"
	case groupHandler:
		return "GroupByHandler"
	case groupFunc:
		return fmt.Sprintf("GroupByFunc(%q, ...)", g.label)
	}
	return "GroupByRoute"
}
