package ginprom_test

import (
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// TestConflictNamesTheOption: a second Metrics on one registry, made with
// other options, panics with a message that names the metrics as a list
// (never quoted as one name), says which option differs, and how to fix it.
func TestConflictNamesTheOption(t *testing.T) {
	const fix = "another Metrics on this registry made them with other options. Give this Metrics another registry with WithRegistry, or other names with WithDefaultsPrefix, or build both with the same options"
	const both = "gin_http_request_duration_seconds and gin_http_request_total"
	for _, tc := range []struct {
		name string
		opt  ginprom.Option
		msg  string
	}{
		{
			"buckets", ginprom.WithBuckets(1, 2),
			"ginprom: cannot register metrics " + both + ": they are already registered, and differ in the buckets (WithBuckets, or the schema's Buckets); " + fix,
		},
		{
			"summary", ginprom.WithLatencySummary(),
			"ginprom: cannot register metrics " + both + ": they are already registered, and differ in WithLatencySummary; " + fix,
		},
		{
			"exemplars", ginprom.WithExemplars(func(*gin.Context) prometheus.Labels { return nil }),
			"ginprom: cannot register metrics " + both + ": they are already registered, and differ in WithExemplars; " + fix,
		},
		{
			"default labels", ginprom.WithDefaultLabels(ginprom.Labels{"region": "eu"}),
			"ginprom: cannot register metrics " + both + ": " +
				"gin_http_request_duration_seconds has the labels {method, path, status} as registered and {method, path, region, status} in this Metrics and " +
				"gin_http_request_total has the labels {method, status} as registered and {method, region, status} in this Metrics " +
				"(WithDefaultLabels, the group-by label of WithGroupBy or GroupByFunc, WithTotalsByGroup and the schema decide the labels); " + fix,
		},
		{
			"group-by label", ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", func(*gin.Context) string { return "" })),
			"ginprom: cannot register metrics " + both + ": " +
				"gin_http_request_duration_seconds has the labels {method, path, status} as registered and {method, status, tenant} in this Metrics " +
				"(WithDefaultLabels, the group-by label of WithGroupBy or GroupByFunc, WithTotalsByGroup and the schema decide the labels); " + fix,
		},
		{
			"response size", ginprom.WithResponseSize(),
			"ginprom: cannot register metrics " + both[:len("gin_http_request_duration_seconds")] + ", gin_http_request_total and gin_http_response_size_bytes: " +
				"gin_http_response_size_bytes is not registered beside them: the two differ in WithResponseSize; " + fix,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			ginprom.New(gin.New(), ginprom.WithRegistry(reg))
			assert.PanicsWithValue(t, tc.msg, func() { ginprom.New(gin.New(), ginprom.WithRegistry(reg), tc.opt) })
		})
	}

	// The other way round: the first has the response size, this one not.
	reg := prometheus.NewRegistry()
	ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithResponseSize())
	assert.PanicsWithValue(t, "ginprom: cannot register metrics "+both+": "+both+" are registered alike, but together with other metrics: "+
		"the two differ in WithRequestSize, WithResponseSize, WithInFlight or the schema; "+fix,
		func() { ginprom.New(gin.New(), ginprom.WithRegistry(reg)) })
}

// TestConflictDecoratorLabels: a decorator registered twice with other
// labels says what the labels are on each side.
func TestConflictDecoratorLabels(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithoutDefaults())
	m.Counter("jobs_total", "Jobs.", ginprom.Labels{"kind": "a"})
	assert.PanicsWithValue(t, `ginprom: cannot register metric "jobs_total": jobs_total has the labels {kind} as registered and {queue} in this Metrics `+
		`(the labels given to the decorator, Info or the schema, and WithDefaultLabels, decide the labels); choose another name`,
		func() { m.Counter("jobs_total", "Jobs.", ginprom.Labels{"queue": "a"}) })
}

// TestRegisteredAsMessage: a name already taken by another kind of metric
// names that kind, or the type of a collector ginprom did not make, never
// one of ginprom's own types.
func TestRegisteredAsMessage(t *testing.T) {
	a := newApp(t)
	a.m.Counter("jobs_total", "Jobs.", nil)
	assert.PanicsWithValue(t, `ginprom: metric "jobs_total" is already registered as a counter, another kind of metric; choose another name`, func() {
		a.m.Gauge("jobs_total", "Jobs.", nil)
	})

	a.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "queue", Help: "Queue."}, func() float64 { return 0 }))
	assert.PanicsWithValue(t, `ginprom: metric "queue" is already registered by a collector ginprom did not make (*prometheus.valueFunc); choose another name`, func() {
		a.m.Gauge("queue", "Queue.", nil)
	})
}

// TestConflictInfoLabels: Info registered twice under one name with other
// label names says what the label names are on each side, as a decorator
// does, though Info's labels are constant; never that the help texts,
// which are the same, differ. A value that looks like the String form of
// another label is no label name.
func TestConflictInfoLabels(t *testing.T) {
	m := ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()))
	m.Info("d_info", "D.", prometheus.Labels{"a": "1", "z": `x",y="}`})
	assert.PanicsWithValue(t, `ginprom: cannot register metric "d_info": d_info has the labels {a, z} as registered and {b} in this Metrics `+
		`(the labels given to the decorator, Info or the schema, and WithDefaultLabels, decide the labels); choose another name`,
		func() { m.Info("d_info", "D.", prometheus.Labels{"b": "1"}) })
	assert.PanicsWithValue(t, `ginprom: cannot register metric "d_info": d_info has the labels {a, z} as registered and {} in this Metrics `+
		`(the labels given to the decorator, Info or the schema, and WithDefaultLabels, decide the labels); choose another name`,
		func() { m.Info("d_info", "D.", nil) })
}

// TestRegisteredAsGaugeDecorator: Info under the name of a Gauge decorator
// panics saying that the decorator holds the name, never that a gauge is
// another kind of metric than Info's gauge; so does a decorator of
// another kind.
func TestRegisteredAsGaugeDecorator(t *testing.T) {
	m := ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()))
	m.Gauge("d_info", "D.", nil)
	assert.PanicsWithValue(t, `ginprom: metric "d_info" is already registered by a Gauge decorator, which no other metric can share; choose another name`,
		func() { m.Info("d_info", "D.", nil) })
	m.Gauge("jobs_total", "Jobs.", nil)
	assert.PanicsWithValue(t, `ginprom: metric "jobs_total" is already registered by a Gauge decorator, which no other metric can share; choose another name`,
		func() { m.Counter("jobs_total", "Jobs.", nil) })
}

// TestRegisteredAsInfo: a decorator under the name of Info's gauge panics
// saying that Info holds the name, never that a collector ginprom did not
// make does.
func TestRegisteredAsInfo(t *testing.T) {
	m := ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()))
	m.Info("d_info", "D.", nil)
	assert.PanicsWithValue(t, `ginprom: metric "d_info" is already registered by Info, which no other metric can share; choose another name`,
		func() { m.Gauge("d_info", "D.", nil) })
}
