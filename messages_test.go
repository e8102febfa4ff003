package ginprom_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// LabelFunc is a named label function type, as applications declare them.
type LabelFunc func(*gin.Context) string

// TestNamedLabelFuncType: a value of a named function type with the
// signature of a label function is a label function, in decorator labels and
// in default labels; a nil one panics as a nil function does.
func TestNamedLabelFuncType(t *testing.T) {
	var itemType LabelFunc = func(c *gin.Context) string { return c.Param("type") }
	var tenant LabelFunc = func(c *gin.Context) string { return c.GetHeader("X-Tenant") }
	a := newApp(t, ginprom.WithDefaultLabels(ginprom.Labels{"tenant": tenant}))
	a.r.GET("/items/:type", a.m.Counter("by_type", "Requests by item type.", ginprom.Labels{"type": itemType}), ok)
	require.Equal(t, http.StatusOK, serve(a.r, http.MethodGet, "/items/book", "X-Tenant", "acme").Code)
	requireExposition(t, a.reg, `
# HELP by_type_total Requests by item type.
# TYPE by_type_total counter
by_type_total{tenant="acme",type="book"} 1
`, "by_type_total")
	assert.Equal(t, map[string]float64{`method="GET",status="200",tenant="acme"`: 1},
		safetyParse(t, a.reg)["gin_http_request_total"])

	msg := panicMessage(t, func() { a.m.Counter("nil_func", "Nil.", ginprom.Labels{"x": LabelFunc(nil)}) })
	assert.True(t, strings.HasPrefix(msg, "ginprom: "), msg)
	assert.Contains(t, msg, `"x" is nil`)
}

// useDefaultRegistry makes client_golang's default registerer and gatherer a
// fresh registry until the test ends, so that New without WithRegistry can
// be tested without touching the process-wide one.
func useDefaultRegistry(t *testing.T) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	oldR, oldG := prometheus.DefaultRegisterer, prometheus.DefaultGatherer
	prometheus.DefaultRegisterer, prometheus.DefaultGatherer = reg, reg
	t.Cleanup(func() { prometheus.DefaultRegisterer, prometheus.DefaultGatherer = oldR, oldG })
	return reg
}

// TestSecondNewConflictMessage: a second New whose default metrics differ
// from the first's on one registry panics with a message that points at
// WithRegistry and WithDefaultsPrefix, not at renaming, and says when the
// registry is client_golang's default one. An identical second New is fine.
func TestSecondNewConflictMessage(t *testing.T) {
	labelled := ginprom.WithDefaultLabels(ginprom.Labels{"env": "prod"})
	for _, tc := range []struct {
		name string
		opt  ginprom.Option
	}{
		{"other labels", labelled},
		{"other buckets", ginprom.WithBuckets(1, 2)},
		{"a summary", ginprom.WithLatencySummary()},
		{"other group-by", ginprom.WithGroupBy(ginprom.GroupByHandler)},
		{"more signals", ginprom.WithResponseSize()},
	} {
		t.Run(tc.name+" on the default registry", func(t *testing.T) {
			useDefaultRegistry(t)
			ginprom.New(gin.New())
			ginprom.New(gin.New()) // identical: reused
			msg := panicMessage(t, func() { ginprom.New(gin.New(), tc.opt) })
			assert.True(t, strings.HasPrefix(msg, "ginprom: "), msg)
			assert.Contains(t, msg, "client_golang's default registry")
			assert.Contains(t, msg, "WithRegistry(prometheus.NewRegistry())")
			assert.Contains(t, msg, "WithDefaultsPrefix")
			assert.NotContains(t, msg, "choose another name")
		})
		t.Run(tc.name+" on a registry of the caller's", func(t *testing.T) {
			reg := prometheus.NewRegistry()
			ginprom.New(gin.New(), ginprom.WithRegistry(reg))
			msg := panicMessage(t, func() { ginprom.New(gin.New(), ginprom.WithRegistry(reg), tc.opt) })
			assert.True(t, strings.HasPrefix(msg, "ginprom: "), msg)
			assert.Contains(t, msg, "another Metrics on this registry")
			assert.Contains(t, msg, "WithRegistry")
			assert.Contains(t, msg, "WithDefaultsPrefix")
			assert.NotContains(t, msg, "choose another name")
		})
	}
}

// TestGroupByLabelAlsoADefaultLabel: a default label named like the
// group-by label panics with a message naming both.
func TestGroupByLabelAlsoADefaultLabel(t *testing.T) {
	tenant := func(c *gin.Context) string { return c.GetHeader("X-Tenant") }
	for _, tc := range []struct {
		g     ginprom.GroupBy
		label string
		names string
	}{
		{ginprom.GroupByFunc("tenant", tenant), "tenant", `GroupByFunc("tenant", ...)`},
		{ginprom.GroupByRoute, "path", "GroupByRoute"},
		{ginprom.GroupByPath, "path", "GroupByPath"},
		{ginprom.GroupByHandler, "handler", "GroupByHandler"},
	} {
		t.Run(tc.names, func(t *testing.T) {
			msg := panicMessage(t, func() {
				newApp(t, ginprom.WithGroupBy(tc.g), ginprom.WithDefaultLabels(ginprom.Labels{tc.label: "x"}))
			})
			assert.True(t, strings.HasPrefix(msg, "ginprom: "), msg)
			assert.Contains(t, msg, "WithDefaultLabels")
			assert.Contains(t, msg, `"`+tc.label+`"`)
			assert.Contains(t, msg, tc.names)
		})
	}
}
