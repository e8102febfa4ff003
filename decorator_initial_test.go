package ginprom_test

import (
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
)

// TestDecoratorInitialSeriesWithDefaultLabels: the README's rule for when
// a decorator's series exists at 0 from the start. Default labels count:
// all fixed, the series is there before any request; one function-valued
// default label, and it appears with the first request, as for a label
// function of the decorator's own.
func TestDecoratorInitialSeriesWithDefaultLabels(t *testing.T) {
	const head = "# HELP jobs_total Jobs.\n# TYPE jobs_total counter\n"

	a := newApp(t, ginprom.WithoutDefaults(), ginprom.WithDefaultLabels(ginprom.Labels{"region": "eu"}))
	a.r.GET("/", a.m.Counter("jobs_total", "Jobs.", nil), ok)
	requireExposition(t, a.reg, head+`jobs_total{region="eu"} 0
`, "jobs_total")

	a = newApp(t, ginprom.WithoutDefaults(), ginprom.WithDefaultLabels(ginprom.Labels{
		"region": "eu",
		"tenant": func(c *gin.Context) string { return c.Query("t") },
	}))
	a.r.GET("/", a.m.Counter("jobs_total", "Jobs.", ginprom.Labels{"kind": "import"}), ok)
	requireExposition(t, a.reg, "", "jobs_total")
	a.do(http.MethodGet, "/?t=acme")
	requireExposition(t, a.reg, head+`jobs_total{kind="import",region="eu",tenant="acme"} 1
`, "jobs_total")
}
