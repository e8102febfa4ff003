package ginprom_test

import (
	"math"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// newOn builds a Metrics on reg with opts.
func newOn(reg *prometheus.Registry, opts ...ginprom.Option) *ginprom.Metrics {
	return ginprom.New(gin.New(), append([]ginprom.Option{ginprom.WithRegistry(reg)}, opts...)...)
}

// TestSchemaMessages: each setup panic about a schema, its names or a
// clash on the registry says, in full, which option and which field to
// change and how.
func TestSchemaMessages(t *testing.T) {
	d := ginprom.Family{Name: "d_seconds"}
	schema := func(s ginprom.Schema) func() {
		return func() { newOn(prometheus.NewRegistry(), ginprom.WithSchema(s)) }
	}
	cases := []struct {
		name, want string
		fn         func()
	}{
		{
			"request and session families of one name",
			`ginprom: WithSchema: Requests and SessionBytesIn are both named "x_total"; Requests is a request metric, which shares its name with no other family: give one of them another Name`,
			schema(ginprom.Schema{
				Duration: d, Requests: ginprom.Family{Name: "x_total", Labels: lbl("k", ginprom.Const("a"))},
				SessionBytesIn: ginprom.Family{Name: "x_total", Labels: lbl("k", ginprom.Const("b"))},
			}),
		},
		{
			"the duration and a session family of one name",
			`ginprom: WithSchema: Duration and SessionDuration are both named "d_seconds"; Duration is a request metric, which shares its name with no other family: give one of them another Name`,
			schema(ginprom.Schema{Duration: d, SessionDuration: d}),
		},
		{
			"two request families of one name",
			`ginprom: WithSchema: Requests and ResponseBytes are both named "c"; Requests is a request metric, which shares its name with no other family: give one of them another Name`,
			schema(ginprom.Schema{Duration: d, Requests: ginprom.Family{Name: "c"}, ResponseBytes: ginprom.Family{Name: "c"}}),
		},
		{
			"one name, two types",
			`ginprom: WithSchema: Messages and MessageDuration are both named "m", a counter and a histogram; one name is one family, of one type: give one of them another Name`,
			schema(ginprom.Schema{Duration: d, Messages: ginprom.Family{Name: "m"}, MessageDuration: ginprom.Family{Name: "m"}}),
		},
		{
			"the overflow counter's name",
			`ginprom: WithSchema: Messages.Name "gin_series_overflow_total": that is the name of ginprom's counter of observations past the series budget (see WithSeriesLimit); give Messages another Name`,
			schema(ginprom.Schema{Duration: d, Messages: ginprom.Family{Name: "gin_series_overflow_total"}}),
		},
		{
			"the duration's _count",
			`ginprom: WithSchema: Requests.Name "d_seconds_count" is the name of a series of Duration (the histogram "d_seconds"), and every scrape would fail once both have series; give Requests another Name`,
			schema(ginprom.Schema{Duration: d, Requests: ginprom.Family{Name: "d_seconds_count"}}),
		},
		{
			"the duration's _bucket",
			`ginprom: WithSchema: ResponseBytes.Name "d_seconds_bucket" is the name of a series of Duration (the histogram "d_seconds"), and every scrape would fail once both have series; give ResponseBytes another Name`,
			schema(ginprom.Schema{Duration: d, ResponseBytes: ginprom.Family{Name: "d_seconds_bucket"}}),
		},
		{
			"a summary's _sum",
			`ginprom: WithSchema: Messages.Name "d_seconds_sum" is the name of a series of Duration (the summary "d_seconds"), and every scrape would fail once both have series; give Messages another Name`,
			func() {
				newOn(prometheus.NewRegistry(), ginprom.WithSchema(ginprom.Schema{Duration: d, Messages: ginprom.Family{Name: "d_seconds_sum"}}), ginprom.WithLatencySummary())
			},
		},
		{
			"a session histogram's _count",
			`ginprom: WithSchema: Messages.Name "s_seconds_count" is the name of a series of SessionDuration (the histogram "s_seconds"), and every scrape would fail once both have series; give Messages another Name`,
			schema(ginprom.Schema{Duration: d, SessionDuration: ginprom.Family{Name: "s_seconds"}, Messages: ginprom.Family{Name: "s_seconds_count"}}),
		},
		{
			"no duration",
			`ginprom: WithSchema: Duration.Name is empty; every schema exposes the request duration: give Duration a Name`,
			schema(ginprom.Schema{Requests: ginprom.Family{Name: "r_total"}}),
		},
		{
			"two schemas",
			`ginprom: WithSchema: a schema option (WithSchema, WithBigBrother or WithSemconv) is given 2 times; give one: a schema fixes the names of the metrics`,
			func() {
				newOn(prometheus.NewRegistry(), ginprom.WithBigBrother("1"), ginprom.WithSchema(ginprom.DefaultSchema("x")))
			},
		},
		{
			"a schema and a prefix",
			`ginprom: WithSchema with WithDefaultsPrefix("x"): a schema's families have the names it gives them; remove WithDefaultsPrefix (DefaultSchema takes a prefix)`,
			func() {
				newOn(prometheus.NewRegistry(), ginprom.WithDefaultsPrefix("x"), ginprom.WithSchema(ginprom.DefaultSchema("x")))
			},
		},
		{
			"Big Brother without a version",
			`ginprom: WithBigBrother("") or BigBrotherSchema(""): the version is empty; give the application's version, which application_info{version} exposes`,
			func() { newOn(prometheus.NewRegistry(), ginprom.WithSchema(ginprom.BigBrotherSchema(""))) },
		},
		{
			"a signal the schema does not name",
			`ginprom: WithSchema with WithInFlight: the schema's InFlight has no Name, so WithInFlight would add nothing; remove WithInFlight, or give InFlight a Name (in a Schema of your own, for a preset's)`,
			func() {
				newOn(prometheus.NewRegistry(), ginprom.WithInFlight(), ginprom.WithSchema(ginprom.BigBrotherSchema("1")))
			},
		},
		{
			// A built-in schema's fields are not the user's to edit: the
			// message names the option given, and what to use instead.
			"a signal Big Brother does not name",
			`ginprom: WithBigBrother with WithInFlight: the schema of WithBigBrother has no InFlight family, so WithInFlight is not supported with it; remove WithInFlight, or pass WithSchema a copy of BigBrotherSchema(version) whose InFlight has a Name`,
			func() { newOn(prometheus.NewRegistry(), ginprom.WithInFlight(), ginprom.WithBigBrother("1")) },
		},
		{
			"the route template with GroupByPath",
			`ginprom: WithSchema with WithGroupBy(GroupByPath): Duration's label "http_route" holds the matched route template only, never a path, handler or other value; use GroupByRoute, or remove WithGroupBy`,
			func() {
				newOn(prometheus.NewRegistry(), ginprom.WithSchema(ginprom.SemconvSchema()), ginprom.WithGroupBy(ginprom.GroupByPath))
			},
		},
		{
			"the route template of WithSemconv with GroupByPath",
			`ginprom: WithSemconv with WithGroupBy(GroupByPath): the label "http_route" of http_server_request_duration_seconds holds the matched route template only, never a path, handler or other value, so WithSemconv supports no other group-by; remove WithGroupBy, or use GroupByRoute`,
			func() {
				newOn(prometheus.NewRegistry(), ginprom.WithSemconv(), ginprom.WithGroupBy(ginprom.GroupByPath))
			},
		},
		{
			"Big Brother and a prefix",
			`ginprom: WithBigBrother with WithDefaultsPrefix("x"): the names of WithBigBrother take no prefix; remove WithDefaultsPrefix`,
			func() { newOn(prometheus.NewRegistry(), ginprom.WithDefaultsPrefix("x"), ginprom.WithBigBrother("1")) },
		},
		{
			"WithSemconv and a prefix",
			`ginprom: WithSemconv with WithDefaultsPrefix("x"): the names of WithSemconv take no prefix; remove WithDefaultsPrefix`,
			func() { newOn(prometheus.NewRegistry(), ginprom.WithSemconv(), ginprom.WithDefaultsPrefix("x")) },
		},
		{
			"a request value on the info metric",
			`ginprom: WithSchema: Info: label "m" cannot be Method: the info metric is set once, at setup, outside any request; remove it or give it another Value`,
			schema(ginprom.Schema{Duration: d, Info: ginprom.Family{Name: "i", Labels: lbl("m", ginprom.Method)}}),
		},
		{
			"a request value on a session family",
			`ginprom: WithSchema: SessionsOpen: label "code" cannot be Status: a session is told apart by its kind and route only; remove it or give it another Value`,
			schema(ginprom.Schema{Duration: d, SessionsOpen: ginprom.Family{Name: "s", Labels: lbl("code", ginprom.Status)}}),
		},
		{
			"a NaN bucket",
			`ginprom: WithSchema: Buckets: bucket 2 is NaN; give upper bounds that are numbers, in increasing order`,
			schema(ginprom.Schema{Duration: d, Buckets: []float64{1, math.NaN()}}),
		},
		{
			"help not UTF-8",
			`ginprom: WithSchema: Requests.Help: not valid UTF-8; give UTF-8 text, or "" for ginprom's help text`,
			schema(ginprom.Schema{Duration: d, Requests: ginprom.Family{Name: "r_total", Help: "a\xff"}}),
		},
		{
			"a Const not UTF-8",
			`ginprom: WithSchema: Duration: label "app": Const("a\xff") is not valid UTF-8; give a UTF-8 value`,
			schema(ginprom.Schema{Duration: ginprom.Family{Name: "d_seconds", Labels: lbl("app", ginprom.Const("a\xff"))}}),
		},
		{
			"a nil metrics middleware",
			`ginprom: WithMetricsMiddleware: handler 2 is nil; remove it, or pass a gin.HandlerFunc`,
			func() { newOn(prometheus.NewRegistry(), ginprom.WithMetricsMiddleware(func(*gin.Context) {}, nil)) },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { require.PanicsWithValue(t, tc.want, tc.fn) })
	}
}

// TestSchemaSummaryBucketName: under WithLatencySummary the duration has
// no _bucket series, so a family may take that name.
func TestSchemaSummaryBucketName(t *testing.T) {
	require.NotPanics(t, func() {
		newOn(prometheus.NewRegistry(), ginprom.WithSchema(ginprom.Schema{
			Duration: ginprom.Family{Name: "d_seconds"}, ResponseBytes: ginprom.Family{Name: "d_seconds_bucket"},
		}), ginprom.WithLatencySummary())
	})
}

// TestRegistryClashMessages: a clash with what the registry holds names
// the metric, what differs and what decides it, in full.
func TestRegistryClashMessages(t *testing.T) {
	d := ginprom.Family{Name: "d_seconds"}
	t.Run("one request family with other options", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		newOn(reg, ginprom.WithSchema(ginprom.Schema{Duration: d}))
		require.PanicsWithValue(t,
			`ginprom: cannot register metric "d_seconds": it is already registered, and differs in WithLatencySummary; another Metrics on this registry made them with other options. Give this Metrics another registry with WithRegistry (a schema's names take no WithDefaultsPrefix), or build both with the same options`,
			func() { newOn(reg, ginprom.WithSchema(ginprom.Schema{Duration: d}), ginprom.WithLatencySummary()) })
	})
	for _, labels := range []ginprom.Labels{nil, {"metric": "x"}} {
		t.Run("a decorator named like the overflow counter", func(t *testing.T) {
			m := newOn(prometheus.NewRegistry())
			require.PanicsWithValue(t,
				`ginprom: cannot register metric "gin_series_overflow_total": gin_series_overflow_total is the name of ginprom's counter of observations past the series budget (see WithSeriesLimit), registered on this registry; choose another name`,
				func() { m.Counter("gin_series_overflow_total", "Jobs.", labels) })
		})
	}
	t.Run("a decorator's help text", func(t *testing.T) {
		m := newOn(prometheus.NewRegistry())
		m.Counter("jobs_total", "Jobs.", nil)
		require.PanicsWithValue(t,
			`ginprom: cannot register metric "jobs_total": jobs_total has the help text "Jobs." as registered and "Other jobs." in this Metrics (the help given to the decorator, Info or the schema decides the help text); choose another name`,
			func() { m.Counter("jobs_total", "Other jobs.", nil) })
	})
	t.Run("a series of a metric already registered", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "d_seconds_count", Help: "Theirs."}))
		require.PanicsWithValue(t,
			`ginprom: the histogram "d_seconds" would expose a series d_seconds_count, which is the name of a metric already registered on the same registry, and every scrape would fail once both have series: choose another name (under WithSchema, another Name for the schema's family; for the default metrics, another prefix with WithDefaultsPrefix)`,
			func() { newOn(reg, ginprom.WithSchema(ginprom.Schema{Duration: d})) })
	})
}
