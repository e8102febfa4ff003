package ginprom_test

import (
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSchemaValidation: New panics, saying what to fix, on a schema that
// cannot work.
func TestSchemaValidation(t *testing.T) {
	dur := func(labels ...any) ginprom.Family { return ginprom.Family{Name: "d_seconds", Labels: lbl(labels...)} }
	cases := []struct {
		name, culprit string
		schema        ginprom.Schema
		opts          []ginprom.Option
	}{
		{"no duration", "Duration.Name is empty", ginprom.Schema{}, nil},
		{"invalid name", `Duration.Name "1d": not a valid metric name`, ginprom.Schema{Duration: ginprom.Family{Name: "1d"}}, nil},
		{"invalid label name", `label "a-b" is not a valid label name`, ginprom.Schema{Duration: dur("a-b", ginprom.Method)}, nil},
		{"reserved label name", `label "le" is reserved`, ginprom.Schema{Duration: dur("le", ginprom.Method)}, nil},
		{"label twice", `label "m" is given twice`, ginprom.Schema{Duration: dur("m", ginprom.Method, "m", ginprom.Status)}, nil},
		{"zero value", `label "m" has no Value`, ginprom.Schema{Duration: dur("m", ginprom.Value{})}, nil},
		{
			"status in flight", `InFlight: label "code" cannot be Status: the in-flight gauge rises before the status is known`,
			ginprom.Schema{Duration: dur("method", ginprom.Method), InFlight: ginprom.Family{Name: "f", Labels: lbl("code", ginprom.Status)}},
			nil,
		},
		{
			"event on a request metric", `Duration: label "e" cannot be Event: only the messages of ObserveMessage have an event`,
			ginprom.Schema{Duration: dur("e", ginprom.Event)},
			nil,
		},
		{
			"dependency on a session", `SessionsOpen: label "d" cannot be Dependency`,
			ginprom.Schema{Duration: dur(), SessionsOpen: ginprom.Family{Name: "s", Labels: lbl("d", ginprom.Dependency)}},
			nil,
		},
		{
			"one name, two types", `Messages and MessageDuration are both named "m", a counter and a histogram`,
			ginprom.Schema{Duration: dur(), Messages: ginprom.Family{Name: "m"}, MessageDuration: ginprom.Family{Name: "m"}},
			nil,
		},
		{
			"one name, other labels", `MessageBytesIn and MessageBytesOut are both named "b" with other label names`,
			ginprom.Schema{
				Duration: dur(), MessageBytesIn: ginprom.Family{Name: "b", Labels: lbl("d", ginprom.Const("in"))},
				MessageBytesOut: ginprom.Family{Name: "b", Labels: lbl("e", ginprom.Const("out"))},
			},
			nil,
		},
		{
			"one name, nothing apart", `no Const value tells their series apart`,
			ginprom.Schema{
				Duration: dur(), MessageBytesIn: ginprom.Family{Name: "b", Labels: lbl("event", ginprom.Event)},
				MessageBytesOut: ginprom.Family{Name: "b", Labels: lbl("event", ginprom.Event)},
			},
			nil,
		},
		{
			"two request metrics of one name", `Requests and ResponseBytes are both named "c"`,
			ginprom.Schema{Duration: dur(), Requests: ginprom.Family{Name: "c"}, ResponseBytes: ginprom.Family{Name: "c"}},
			nil,
		},
		{
			"sizes with other labels", `ResponseSize has other labels than Duration`,
			ginprom.Schema{Duration: dur("method", ginprom.Method), ResponseSize: ginprom.Family{Name: "s", Labels: lbl("code", ginprom.Status)}},
			nil,
		},
		{
			"scheme on the counter alone", `Requests has Scheme but Duration has not`,
			ginprom.Schema{Duration: dur(), Requests: ginprom.Family{Name: "c", Labels: lbl("s", ginprom.Scheme)}},
			nil,
		},
		{
			"in flight without a method", `InFlight is named but Duration has no Method`,
			ginprom.Schema{Duration: dur(), InFlight: ginprom.Family{Name: "f"}},
			nil,
		},
		{
			"request size not named", `WithSchema with WithRequestSize: the schema's RequestSize has no Name, so WithRequestSize would add nothing; remove WithRequestSize, or give RequestSize a Name`,
			ginprom.Schema{Duration: dur("method", ginprom.Method)},
			[]ginprom.Option{ginprom.WithRequestSize()},
		},
		{
			"response size not named", `WithSchema with WithResponseSize: the schema's ResponseSize has no Name`,
			ginprom.Schema{Duration: dur("method", ginprom.Method), ResponseBytes: ginprom.Family{Name: "b_total"}},
			[]ginprom.Option{ginprom.WithResponseSize()},
		},
		{
			"in flight not named", `WithSchema with WithInFlight: the schema's InFlight has no Name`,
			ginprom.Schema{Duration: dur("method", ginprom.Method)},
			[]ginprom.Option{ginprom.WithInFlight()},
		},
		{
			"buckets not increasing", `ginprom: WithSchema: Buckets: buckets must be strictly increasing, but 0.1 follows 1; give each upper bound once, in increasing order`,
			ginprom.Schema{Duration: dur("method", ginprom.Method), Buckets: []float64{1, 0.1}},
			nil,
		},
		{
			"a NaN bucket", `ginprom: WithSchema: Buckets: bucket 2 is NaN; give upper bounds that are numbers, in increasing order`,
			ginprom.Schema{Duration: dur("method", ginprom.Method), Buckets: []float64{1, math.NaN()}},
			nil,
		},
		{"with a prefix", `with WithDefaultsPrefix("x")`, ginprom.DefaultSchema("x"), []ginprom.Option{ginprom.WithDefaultsPrefix("x")}},
		{"with another schema", `a schema option (WithSchema, WithBigBrother or WithSemconv) is given 2 times`, ginprom.DefaultSchema("x"), []ginprom.Option{ginprom.WithSemconv()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			coreRequireSetupPanic(t, tc.culprit, func() {
				ginprom.New(gin.New(), append([]ginprom.Option{ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithSchema(tc.schema)}, tc.opts...)...)
			})
		})
	}
}

// TestSchemaUnnamedSignals: under WithBigBrother, whose protocol names no
// size histogram and no in-flight gauge, each of WithRequestSize,
// WithResponseSize and WithInFlight panics at setup, in either order,
// instead of adding nothing; under WithSemconv, which names all three, they
// work.
func TestSchemaUnnamedSignals(t *testing.T) {
	for _, tc := range []struct {
		opt  ginprom.Option
		name string
	}{
		{ginprom.WithRequestSize(), "RequestSize"},
		{ginprom.WithResponseSize(), "ResponseSize"},
		{ginprom.WithInFlight(), "InFlight"},
	} {
		want := `WithBigBrother with With` + tc.name + `: the schema of WithBigBrother has no ` + tc.name + ` family, so With` + tc.name + ` is not supported with it`
		for _, opts := range [][]ginprom.Option{{ginprom.WithBigBrother("1"), tc.opt}, {tc.opt, ginprom.WithBigBrother("1")}} {
			coreRequireSetupPanic(t, want, func() {
				ginprom.New(gin.New(), append([]ginprom.Option{ginprom.WithRegistry(prometheus.NewRegistry())}, opts...)...)
			})
		}
		ginprom.New(gin.New(), ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithSemconv(), tc.opt)
	}
}

// TestSchemaPresetsAsOptions: the shorthands and WithSchema of their
// presets expose the same families.
func TestSchemaPresetsAsOptions(t *testing.T) {
	pairs := [][2]ginprom.Option{
		{ginprom.WithDefaultsPrefix("x"), ginprom.WithSchema(ginprom.DefaultSchema("x"))},
		{ginprom.WithBigBrother("1"), ginprom.WithSchema(ginprom.BigBrotherSchema("1"))},
		{ginprom.WithSemconv(), ginprom.WithSchema(ginprom.SemconvSchema())},
	}
	for i, p := range pairs {
		var more []ginprom.Option
		if i != 1 { // the protocol has no in-flight gauge
			more = append(more, ginprom.WithInFlight())
		}
		a, b := migrationApp(t, append([]ginprom.Option{p[0]}, more...)...), migrationApp(t, append([]ginprom.Option{p[1]}, more...)...)
		if sa, sb := shapes(t, a), shapes(t, b); len(sa) == 0 || len(sa) != len(sb) {
			t.Fatalf("%v != %v", sa, sb)
		} else {
			for i := range sa {
				if sa[i] != sb[i] {
					t.Errorf("%s != %s", sa[i], sb[i])
				}
			}
		}
	}
}

// TestSchemaEmptyBuckets: a schema's empty Buckets, as nil, gives the
// duration DefaultBuckets, as WithBuckets with no bounds keeps them; it
// never makes a histogram with the +Inf bucket alone.
func TestSchemaEmptyBuckets(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithSchema(ginprom.Schema{
		Duration: ginprom.Family{Name: "d_seconds", Labels: lbl("route", ginprom.Route)},
		Buckets:  []float64{},
	}))
	r.GET("/x", func(c *gin.Context) {})
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/x", nil))

	mfs, err := reg.Gather()
	require.NoError(t, err)
	require.Len(t, mfs, 1)
	var bounds []float64
	for _, b := range mfs[0].GetMetric()[0].GetHistogram().GetBucket() {
		bounds = append(bounds, b.GetUpperBound())
	}
	assert.Equal(t, ginprom.DefaultBuckets, bounds)
}
