package ginprom_test

import (
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
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
		{"no duration", "the Duration family has no Name", ginprom.Schema{}, nil},
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
		{"with a prefix", `with WithDefaultsPrefix("x")`, ginprom.DefaultSchema("x"), []ginprom.Option{ginprom.WithDefaultsPrefix("x")}},
		{"with another schema", `give at most one schema option`, ginprom.DefaultSchema("x"), []ginprom.Option{ginprom.WithSemconv()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			coreRequireSetupPanic(t, tc.culprit, func() {
				ginprom.New(gin.New(), append([]ginprom.Option{ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithSchema(tc.schema)}, tc.opts...)...)
			})
		})
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
	for _, p := range pairs {
		a, b := migrationApp(t, p[0], ginprom.WithInFlight()), migrationApp(t, p[1], ginprom.WithInFlight())
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
