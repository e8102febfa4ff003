package ginprom_test

import (
	"fmt"
	"net/http"
	"reflect"
	"runtime"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// TestDecoratorOnlyLabelPanics: a decorator whose only label is a label
// function that panics records each request under PanicValue, once, and
// raises the panic again, with or without default metrics and Recovery;
// a value seen before and after still finds its own series.
func TestDecoratorOnlyLabelPanics(t *testing.T) {
	t.Parallel()
	labels := ginprom.Labels{"who": func(c *gin.Context) string {
		if c.Query("boom") != "" {
			panic("only label boom")
		}
		return "fine"
	}}
	for _, k := range decoAfterKinds {
		for _, defaults := range []bool{false, true} {
			for _, recovery := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/defaults=%t/recovery=%t", k.name, defaults, recovery), func(t *testing.T) {
					t.Parallel()
					var opts []ginprom.Option
					if !defaults {
						opts = append(opts, ginprom.WithoutDefaults())
					}
					a := newApp(t, opts...)
					if recovery {
						a.r.Use(decoQuiet())
					}
					a.r.GET("/", k.make(a.m, "only", "Only.", labels), func(c *gin.Context) { c.Status(http.StatusOK) })
					a.do(http.MethodGet, "/")
					for range 2 {
						if recovery {
							assert.Equal(t, http.StatusInternalServerError, a.do(http.MethodGet, "/?boom=1").Code)
						} else {
							assert.PanicsWithValue(t, "only label boom", func() { a.do(http.MethodGet, "/?boom=1") })
						}
					}
					a.do(http.MethodGet, "/")
					decoRequireSeries(t, a.reg, k, "only"+k.suffix, "Only.", map[string]float64{
						`who="` + ginprom.PanicValue + `"`: 2 * k.perRequest(),
						`who="fine"`:                       2 * k.perRequest(),
					})
				})
			}
		}
	}
}

// TestDecoratorOnlyLabelGoexit: runtime.Goexit in the only label function
// of a decorator records nothing for that request, and leaves the next
// request to record as usual.
func TestDecoratorOnlyLabelGoexit(t *testing.T) {
	t.Parallel()
	labels := ginprom.Labels{"who": func(c *gin.Context) string {
		if c.Query("exit") != "" {
			runtime.Goexit()
		}
		return "fine"
	}}
	for _, k := range decoAfterKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, ginprom.WithoutDefaults())
			a.r.GET("/", k.make(a.m, "exiting", "Exiting.", labels), ok)
			goexitServe(t, a.r, "/?exit=1")
			a.do(http.MethodGet, "/")
			decoRequireSeries(t, a.reg, k, "exiting"+k.suffix, "Exiting.", map[string]float64{`who="fine"`: k.perRequest()})
		})
	}
}

// TestDecoratorFastHandlersCompiledOnce: the handlers of counters,
// histograms and summaries without objectives are the closures of
// countAfter and observeAfter as compiled once, not copies made where the
// compiler inlined the function returning them, in which it inlines no
// calls (the handlers' atomic loads, clock readings and cache lookups).
func TestDecoratorFastHandlersCompiledOnce(t *testing.T) {
	t.Parallel()
	status := ginprom.Labels{"status": func(c *gin.Context) string { return "200" }}
	m := ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithoutDefaults())
	for _, h := range []struct {
		h    gin.HandlerFunc
		want string
	}{
		{m.Counter("fast", "Fast.", status), "countAfter.func1"},
		{m.Histogram("fast_seconds", "Fast.", status), "observeAfter.func1"},
		{m.Summary("fast_summary_seconds", "Fast.", status), "observeAfter.func1"},
	} {
		name := runtime.FuncForPC(reflect.ValueOf(h.h).Pointer()).Name()
		assert.Equal(t, "github.com/gin-contrib/ginprom.(*decorator)."+h.want, name)
	}
}
