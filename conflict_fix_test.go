package ginprom_test

import (
	"context"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// TestHeldNameFixUnderSchema: under a schema, a name of its families that
// another metric holds is fixed by giving the schema's family another
// Name, whether the registry refuses the whole collector (a collector of
// the user's alike a family of the request metrics) or the one family (a
// Counter decorator alike a session family); without a schema, there is
// no schema's family to rename.
func TestHeldNameFixUnderSchema(t *testing.T) {
	t.Run("request metrics", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			opts []ginprom.Option
			fix  string
		}{
			{"default names", nil, heldFix},
			{"schema", []ginprom.Option{ginprom.WithSchema(ginprom.DefaultSchema(ginprom.DefaultPrefix))}, heldSchemaFix},
		} {
			t.Run(tc.name, func(t *testing.T) {
				reg := prometheus.NewRegistry()
				reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "gin_http_request_total", Help: "Mine."}))
				assert.PanicsWithValue(t, "ginprom: cannot register metrics gin_http_request_duration_seconds and gin_http_request_total: "+
					"gin_http_request_total is registered by a collector ginprom did not make; "+tc.fix,
					func() { ginprom.New(gin.New(), append([]ginprom.Option{ginprom.WithRegistry(reg)}, tc.opts...)...) })
			})
		}
	})
	t.Run("session family", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		m := ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithoutDefaults())
		m.Counter("gin_http_session_bytes_total",
			"Total bytes of WebSocket and Server-Sent Events sessions, by direction (in: read from a WebSocket's client, out: written to the client).",
			ginprom.Labels{"kind": "x", "path": "y", "direction": "z"})
		assert.PanicsWithValue(t, `ginprom: metric "gin_http_session_bytes_total" is already registered by a Counter decorator, which no other metric can share; `+heldSchemaFix,
			func() { ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithBigBrother("1")) })
	})
}

// TestDependencyFamiliesLabelsHint: two schemas that give a dependency
// family one name with other labels panic saying that the schema decides
// those labels, never WithDefaultLabels, which the dependency families do
// not take.
func TestDependencyFamiliesLabelsHint(t *testing.T) {
	const fix = "another Metrics on this registry made them with other options. " +
		"Give this Metrics another registry with WithRegistry (a schema's names take no WithDefaultsPrefix), or build both with the same options"
	for _, tc := range []struct {
		name string
		set  func(*ginprom.Schema, ginprom.Family)
		use  func(*ginprom.Metrics) (stop func())
	}{
		{
			"up gauge",
			func(s *ginprom.Schema, f ginprom.Family) { s.DependencyUp = f },
			func(m *ginprom.Metrics) func() {
				return m.WatchDependency("db", func(context.Context) error { return nil })
			},
		},
		{
			"request histogram",
			func(s *ginprom.Schema, f ginprom.Family) { s.DependencyDuration = f },
			func(m *ginprom.Metrics) func() {
				m.InstrumentClient("db", nil)
				return func() {}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			metrics := func(prefix, label string) *ginprom.Metrics {
				s := ginprom.DefaultSchema(prefix)
				tc.set(&s, ginprom.Family{Name: "dep", Labels: []ginprom.Label{{Name: label, Value: ginprom.Dependency}}})
				return ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithSchema(s))
			}
			defer tc.use(metrics("a", "name"))()
			m := metrics("b", "service")
			assert.PanicsWithValue(t, `ginprom: cannot register metric "dep": dep has the labels {name} as registered and {service} in this Metrics `+
				"(the schema decides the labels of the dependency metrics, which take no WithDefaultLabels); "+fix,
				func() { tc.use(m)() })
		})
	}
}

// twoCounters is a collector of the user's that describes two counters.
type twoCounters struct{ a, b *prometheus.Desc }

func (c twoCounters) Describe(ch chan<- *prometheus.Desc) { ch <- c.a; ch <- c.b }
func (twoCounters) Collect(chan<- prometheus.Metric)      {}

// TestAlikeNamesTheHolder: a decorator alike one family of a collector
// that describes several panics naming that collector: the default
// metrics, or a collector ginprom did not make.
func TestAlikeNamesTheHolder(t *testing.T) {
	t.Run("default metrics", func(t *testing.T) {
		m := ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()))
		assert.PanicsWithValue(t, `ginprom: cannot register metric "gin_http_request_total": gin_http_request_total is registered alike, `+
			"but by the default metrics of a Metrics, which no other metric can share; choose another name",
			func() {
				m.Counter("gin_http_request_total", "Total number of HTTP requests served by Gin.", ginprom.Labels{"method": "x", "status": "y"})
			})
	})
	t.Run("collector of the user's", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(twoCounters{prometheus.NewDesc("a_total", "A.", nil, nil), prometheus.NewDesc("b_total", "B.", nil, nil)})
		m := ginprom.New(gin.New(), ginprom.WithRegistry(reg))
		assert.PanicsWithValue(t, `ginprom: cannot register metric "a_total": a_total is registered alike, `+
			"but by a collector ginprom did not make, which no other metric can share; choose another name",
			func() { m.Counter("a_total", "A.", nil) })
	})
}

// TestDecoratorUnlikeNamesTheHolder: a decorator under the name of a
// family of the default metrics, with other labels or another help text,
// panics saying what differs and that the default metrics hold the name;
// a decorator under the name of a decorator of the same kind says only
// what differs.
func TestDecoratorUnlikeNamesTheHolder(t *testing.T) {
	const labels = " (the labels given to the decorator, Info or the schema, and WithDefaultLabels, decide the labels); choose another name"
	m := ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()))
	assert.PanicsWithValue(t, `ginprom: cannot register metric "gin_http_request_total": gin_http_request_total has the labels {method, status} `+
		"as registered by the default metrics of a Metrics and {kind} in this Metrics"+labels,
		func() {
			m.Counter("gin_http_request_total", "Total number of HTTP requests served by Gin.", ginprom.Labels{"kind": "x"})
		})
	assert.PanicsWithValue(t, `ginprom: cannot register metric "gin_http_request_duration_seconds": gin_http_request_duration_seconds has the help text `+
		`"Duration of HTTP requests served by Gin, in seconds." as registered by the default metrics of a Metrics and "Mine." in this Metrics `+
		"(the help given to the decorator, Info or the schema decides the help text); choose another name",
		func() {
			m.Histogram("gin_http_request_duration_seconds", "Mine.", ginprom.Labels{"method": "x", "path": "y", "status": "z"})
		})

	m.Counter("jobs_total", "Jobs.", ginprom.Labels{"kind": "a"})
	assert.PanicsWithValue(t, `ginprom: cannot register metric "jobs_total": jobs_total has the labels {kind} as registered and {queue} in this Metrics`+labels,
		func() { m.Counter("jobs_total", "Jobs.", ginprom.Labels{"queue": "a"}) })
	assert.PanicsWithValue(t, `ginprom: cannot register metric "jobs_total": jobs_total has the labels {kind} as registered by a Counter decorator and {queue} in this Metrics`+labels,
		func() { m.Gauge("jobs_total", "Jobs.", ginprom.Labels{"queue": "a"}) })
}

// TestNoteNameHeld: a metric under the name of the note that ginprom
// keeps of a registered name, described alike, panics saying that ginprom
// keeps that name for itself, never that the default metrics hold it.
func TestNoteNameHeld(t *testing.T) {
	m := ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithoutDefaults())
	m.Counter("jobs_total", "Jobs.", nil)
	const msg = `ginprom: metric "__ginprom_registered_jobs_total" is already registered by a note that ginprom keeps for itself ` +
		"(names beginning with __ are reserved), which no other metric can share; choose another name"
	assert.PanicsWithValue(t, msg, func() { m.Gauge("__ginprom_registered_jobs_total", "What ginprom registered under this name.", nil) })
	assert.PanicsWithValue(t, msg, func() { m.Info("__ginprom_registered_jobs_total", "What ginprom registered under this name.", nil) })
}

// TestClientGolangCollectorsOfGinprom: a family of a schema under the name
// of the exceptions counter or the info metric of another Metrics'
// schema, which are client_golang's collectors, panics naming the default
// metrics, never a collector ginprom did not make.
func TestClientGolangCollectorsOfGinprom(t *testing.T) {
	const msg = "is already registered by the default metrics of a Metrics, which no other metric can share; " + heldSchemaFix
	family := ginprom.Family{Name: "x_total", Help: "H.", Labels: []ginprom.Label{{Name: "k", Value: ginprom.Const("v")}}}
	t.Run("exceptions counter", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		first, second := ginprom.DefaultSchema("a"), ginprom.DefaultSchema("b")
		first.Exceptions, second.Messages = family, family
		ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithSchema(first))
		assert.PanicsWithValue(t, `ginprom: metric "x_total" `+msg,
			func() { ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithSchema(second)) })
	})
	t.Run("info metric", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		first, second := ginprom.DefaultSchema("a"), ginprom.DefaultSchema("b")
		first.Info, second.DependencyUp = ginprom.Family{Name: "x", Help: "H."}, ginprom.Family{Name: "x", Help: "H."}
		ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithSchema(first))
		m := ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithSchema(second))
		assert.PanicsWithValue(t, `ginprom: metric "x" `+msg,
			func() { m.WatchDependency("db", func(context.Context) error { return nil })() })
	})
}
