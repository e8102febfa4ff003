package ginprom_test

import (
	"context"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// heldFix is what the default metrics' message says to do about a name
// that another metric than the default metrics of another Metrics holds.
// Without a schema there is no schema's family to rename.
const heldFix = "give that metric another name, or give this Metrics another registry with WithRegistry, " +
	"or other names with WithDefaultsPrefix"

// heldSchemaFix is heldFix under a schema, whose names take no prefix but
// are each the schema's to change.
const heldSchemaFix = "give that metric another name, or give this Metrics another registry with WithRegistry, " +
	"or give the schema's family another Name in WithSchema (a schema's names take no WithDefaultsPrefix)"

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
	// A decorator alike the exceptions counter, which the registry
	// reports as already registered.
	t.Run("decorator alike", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		m := ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithoutDefaults())
		m.Counter("gin_http_request_exceptions_total", "Total number of HTTP requests whose handler panicked.",
			ginprom.Labels{"method": "x", "status": "y"})
		assert.PanicsWithValue(t, `ginprom: metric "gin_http_request_exceptions_total" is already registered by a Counter decorator, which no other metric can share; `+heldFix,
			func() { ginprom.New(gin.New(), ginprom.WithRegistry(reg)) })
	})
}

// TestNameHeldByGinprom: a metric under a name that one of ginprom's own
// families holds panics naming that family, never "another kind of
// metric" when the kind is the same, nor a kind when the collector is
// not a decorator.
func TestNameHeldByGinprom(t *testing.T) {
	const share = ", which no other metric can share; choose another name"
	t.Run("one-family request metrics", func(t *testing.T) {
		m := ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithSchema(ginprom.Schema{
			Duration: ginprom.Family{Name: "lat_seconds", Help: "Lat.", Labels: []ginprom.Label{{Name: "method", Value: ginprom.Method}}},
		}))
		assert.PanicsWithValue(t, `ginprom: metric "lat_seconds" is already registered by the default metrics of a Metrics`+share,
			func() { m.Histogram("lat_seconds", "Lat.", ginprom.Labels{"method": "x"}) })
	})
	t.Run("session family", func(t *testing.T) {
		m := ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()))
		assert.PanicsWithValue(t, `ginprom: metric "gin_http_sessions_open" is already registered by one of ginprom's session, message or dependency families`+share,
			func() {
				m.Gauge("gin_http_sessions_open", "Number of WebSocket and Server-Sent Events sessions open, by kind and route.",
					ginprom.Labels{"kind": "x", "path": "y"})
			})
	})
	t.Run("overflow counter", func(t *testing.T) {
		m := ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()))
		assert.PanicsWithValue(t, `ginprom: metric "gin_series_overflow_total" is already registered by ginprom's counter of observations past the series budget (see WithSeriesLimit)`+share,
			func() {
				m.Counter("gin_series_overflow_total", "Observations recorded in a family's overflow series because the family had reached its series budget (WithSeriesLimit), by family.",
					ginprom.Labels{"metric": "x"})
			})
	})
	t.Run("dependency gauge", func(t *testing.T) {
		m := ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()))
		stop := m.WatchDependency("db", func(context.Context) error { return nil })
		defer stop()
		assert.PanicsWithValue(t, `ginprom: metric "gin_dependency_up" is already registered by the gauge of WatchDependency`+share,
			func() {
				m.Gauge("gin_dependency_up", "Whether the dependency's last check succeeded: 1 if it returned no error, 0 if it failed, panicked or timed out.",
					ginprom.Labels{"name": "x"})
			})
	})
	// The other way round: the session family of the default metrics
	// under the name of a Counter decorator, a counter as well. The name
	// to change is the decorator's: the user did not name the family.
	t.Run("counter decorator", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		m := ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithoutDefaults())
		m.Counter("gin_http_session_bytes_total",
			"Total bytes of WebSocket and Server-Sent Events sessions, by direction (in: read from a WebSocket's client, out: written to the client).",
			ginprom.Labels{"kind": "x", "path": "y", "direction": "z"})
		assert.PanicsWithValue(t, `ginprom: metric "gin_http_session_bytes_total" is already registered by a Counter decorator, which no other metric can share; `+heldFix,
			func() { ginprom.New(gin.New(), ginprom.WithRegistry(reg)) })
	})
}

// TestDefaultsNameHeldAfterUnregister: Info's gauge unregistered and a
// gauge of the user's registered alike in its place, the default metrics
// under that name blame the user's gauge, not Info, which holds nothing.
func TestDefaultsNameHeldAfterUnregister(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithoutDefaults())
	assert.True(t, reg.Unregister(m.Info("gin_http_request_total", "Mine.", nil)))
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "gin_http_request_total", Help: "Mine."}))
	assert.PanicsWithValue(t, "ginprom: cannot register metrics gin_http_request_duration_seconds and gin_http_request_total: "+
		"gin_http_request_total is registered by a collector ginprom did not make; "+heldFix,
		func() { ginprom.New(gin.New(), ginprom.WithRegistry(reg)) })
}

// TestSideFamiliesOfAnotherMetrics: a Metrics without default metrics,
// beside one with them on the same registry, made with other default
// labels, panics on its message families saying that the other Metrics
// made them with other options, not "choose another name" for a name the
// user never gave.
func TestSideFamiliesOfAnotherMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	ginprom.New(gin.New(), ginprom.WithRegistry(reg))
	assert.PanicsWithValue(t, `ginprom: cannot register metric "gin_websocket_messages_total": `+
		"gin_websocket_messages_total has the labels {event, result} as registered and {env, event, result} in this Metrics "+
		"(WithDefaultLabels and the schema decide the labels); another Metrics on this registry made them with other options. "+
		"Give this Metrics another registry with WithRegistry, or other names with WithDefaultsPrefix, or build both with the same options",
		func() {
			ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithoutDefaults(), ginprom.WithDefaultLabels(ginprom.Labels{"env": "x"}))
		})
}

// TestDependencyGaugeNameHeld: WatchDependency under a registry where Info
// holds the name of its gauge panics naming Info and the family, not the
// descriptor, nor "choose another name" for a name the user never gave.
func TestDependencyGaugeNameHeld(t *testing.T) {
	m := ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithoutDefaults())
	m.Info("gin_dependency_up", "Mine.", nil)
	assert.PanicsWithValue(t, `ginprom: cannot register metric "gin_dependency_up": gin_dependency_up is registered by Info; `+heldFix,
		func() { m.WatchDependency("db", func(context.Context) error { return nil }) })
}

// TestSchemaNameHeld: under WithBigBrother, whose names take no prefix,
// the info metric under a name that Info holds panics without offering
// WithDefaultsPrefix, which WithBigBrother refuses, and offers another
// Name for the schema's family.
func TestSchemaNameHeld(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithoutDefaults())
	m.Info("application_info", "Mine.", nil)
	assert.PanicsWithValue(t, `ginprom: cannot register metric "application_info": application_info is registered by Info; `+heldSchemaFix,
		func() { ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithBigBrother("1")) })
}

// TestDefaultsNameHeldAfterReregister: Info's gauge unregistered and Info
// called again alike, the default metrics under that name still blame
// Info, which holds it again.
func TestDefaultsNameHeldAfterReregister(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithoutDefaults())
	assert.True(t, reg.Unregister(m.Info("gin_http_request_total", "Mine.", nil)))
	m.Info("gin_http_request_total", "Mine.", nil)
	assert.PanicsWithValue(t, "ginprom: cannot register metrics gin_http_request_duration_seconds and gin_http_request_total: "+
		"gin_http_request_total is registered by Info; "+heldFix,
		func() { ginprom.New(gin.New(), ginprom.WithRegistry(reg)) })
}
