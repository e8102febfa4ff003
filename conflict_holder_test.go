package ginprom_test

import (
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// heldFix is what the default metrics' message says to do about a name
// that another metric than the default metrics of another Metrics holds.
const heldFix = "give that metric another name, or give this Metrics another registry with WithRegistry, " +
	"or other names (another prefix with WithDefaultsPrefix; under WithSchema, another Name for the schema's family)"

// TestDefaultsNameHeldByOther: the default metrics under a name that a
// collector of the user's, or a decorator, holds panic naming that holder,
// never saying that another Metrics made the name with other options.
func TestDefaultsNameHeldByOther(t *testing.T) {
	const both = "gin_http_request_duration_seconds and gin_http_request_total"
	t.Run("collector of the user's", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "gin_http_request_total", Help: "Mine."}))
		assert.PanicsWithValue(t, "ginprom: cannot register metrics "+both+": gin_http_request_total is registered by a collector ginprom did not make; "+heldFix,
			func() { ginprom.New(gin.New(), ginprom.WithRegistry(reg)) })
	})
	t.Run("counter decorator", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		m := ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithoutDefaults())
		m.Counter("gin_http_request", "Mine.", nil)
		assert.PanicsWithValue(t, "ginprom: cannot register metrics "+both+": gin_http_request_total is registered by a Counter decorator; "+heldFix,
			func() { ginprom.New(gin.New(), ginprom.WithRegistry(reg)) })
	})
}
