package ginprom_test

import (
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSchemaOverridesEarlierOptions: a schema option overrides the
// WithGroupBy and WithBuckets given before it, as it does
// WithLatencySummary: they are no longer given, so WithoutDefaults and a
// later WithLatencySummary do not name them. The schema's own group-by and
// buckets are used through the real router.
func TestSchemaOverridesEarlierOptions(t *testing.T) {
	t.Run("WithGroupBy before WithBigBrother, WithoutDefaults", func(t *testing.T) {
		a := newApp(t, ginprom.WithGroupBy(ginprom.GroupByPath), ginprom.WithBigBrother("1"), ginprom.WithoutDefaults())
		a.r.GET("/users/:id", ok)
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/users/1").Code)
		assert.Equal(t, []string{bbInfo}, families(t, a.reg), "no request metrics, Big Brother's application_info alone")
	})
	t.Run("the default group-by before WithSchema, WithoutDefaults", func(t *testing.T) {
		a := newApp(t, ginprom.WithGroupBy(ginprom.GroupByRoute), ginprom.WithSchema(ginprom.DefaultSchema("app")), ginprom.WithoutDefaults())
		a.r.GET("/users/:id", ok)
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/users/1").Code)
		assert.Empty(t, samples(t, a.reg, "app_http_request_duration_seconds"))
	})
	t.Run("WithBuckets before WithSemconv, WithoutDefaults", func(t *testing.T) {
		a := newApp(t, ginprom.WithBuckets(1, 2), ginprom.WithSemconv(), ginprom.WithoutDefaults())
		a.r.GET("/users/:id", ok)
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/users/1").Code)
		assert.Empty(t, samples(t, a.reg, "http_server_request_duration_seconds"))
	})
	t.Run("WithBuckets before WithBigBrother, WithLatencySummary after", func(t *testing.T) {
		a := newApp(t, ginprom.WithBuckets(1, 2), ginprom.WithBigBrother("1"), ginprom.WithLatencySummary())
		a.r.GET("/users/:id", ok)
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/users/1").Code)
		assert.Equal(t, map[string]uint64{bbSeries("200", "GET", "/users/:id", "false", ""): 1}, samples(t, a.reg, bbDuration))
		assert.Equal(t, "SUMMARY", familyType(t, a.reg, bbDuration), "a summary, whose buckets WithBigBrother had set")
	})
}

// TestSchemaRefinedByLaterOptions: given after the schema, WithGroupBy and
// WithBuckets refine it, so WithoutDefaults still names WithGroupBy and
// WithLatencySummary still names WithBuckets, in either order. (Under
// WithoutDefaults, WithBuckets sets the buckets of the dependency request
// histogram.)
func TestSchemaRefinedByLaterOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []ginprom.Option
		msg  string
	}{
		{
			"WithGroupBy after WithBigBrother",
			[]ginprom.Option{ginprom.WithBigBrother("1"), ginprom.WithGroupBy(ginprom.GroupByRoute), ginprom.WithoutDefaults()},
			"ginprom: WithoutDefaults with WithGroupBy: it applies to the default metrics only, which WithoutDefaults turns off; remove it",
		},
		{
			"WithGroupBy after WithSemconv",
			[]ginprom.Option{ginprom.WithoutDefaults(), ginprom.WithSemconv(), ginprom.WithGroupBy(ginprom.GroupByRoute)},
			"ginprom: WithoutDefaults with WithGroupBy: it applies to the default metrics only, which WithoutDefaults turns off; remove it",
		},
		{
			"WithBuckets after WithBigBrother, with WithLatencySummary",
			[]ginprom.Option{ginprom.WithLatencySummary(), ginprom.WithBigBrother("1"), ginprom.WithBuckets(1, 2), ginprom.WithLatencySummary()},
			"ginprom: WithBuckets with WithLatencySummary: WithBuckets applies to a duration histogram, and WithLatencySummary makes it a summary, which has no buckets; remove one of them",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]ginprom.Option{ginprom.WithRegistry(prometheus.NewRegistry())}, tc.opts...)
			assert.PanicsWithValue(t, tc.msg, func() { ginprom.New(gin.New(), opts...) })
		})
	}
}

// familyType returns the type of the family name that g gathers, such as
// "HISTOGRAM" or "SUMMARY"; "" if g gathers no such family.
func familyType(t testing.TB, g prometheus.Gatherer, name string) string {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetType().String()
		}
	}
	return ""
}
