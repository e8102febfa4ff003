package ginprom_test

import (
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// TestIgnoredOptionsPanic: an option that would have no effect with the
// others panics at setup, naming it, as a decorator does for an option of
// another kind of metric.
func TestIgnoredOptionsPanic(t *testing.T) {
	exemplars := func(*gin.Context) prometheus.Labels { return nil }
	for _, tc := range []struct {
		name string
		opts []ginprom.Option
		msg  string
	}{
		{
			"in-flight without defaults",
			[]ginprom.Option{ginprom.WithoutDefaults(), ginprom.WithInFlight()},
			"ginprom: WithoutDefaults with WithInFlight: it applies to the default metrics only, which WithoutDefaults turns off; remove it",
		},
		{
			"off too",
			[]ginprom.Option{ginprom.WithEnabled(false), ginprom.WithoutDefaults(), ginprom.WithInFlight()},
			"ginprom: WithoutDefaults with WithInFlight: it applies to the default metrics only, which WithoutDefaults turns off; remove it",
		},
		{"every request option without defaults", []ginprom.Option{
			ginprom.WithoutDefaults(), ginprom.WithLatencySummary(), ginprom.WithGroupBy(ginprom.GroupByPath),
			ginprom.WithRequestSize(), ginprom.WithResponseSize(), ginprom.WithSizeBuckets(1, 2),
			ginprom.WithTotalsByGroup(), ginprom.WithExemplars(exemplars), ginprom.WithNativeHistograms(1.1),
		}, "ginprom: WithoutDefaults with WithLatencySummary, WithGroupBy, WithRequestSize, WithResponseSize, WithSizeBuckets, WithTotalsByGroup, WithExemplars and WithNativeHistograms: " +
			"they apply to the default metrics only, which WithoutDefaults turns off; remove them"},
		{
			"size buckets without a size option",
			[]ginprom.Option{ginprom.WithSizeBuckets(10, 100)},
			"ginprom: WithSizeBuckets without WithRequestSize or WithResponseSize: the size buckets are those of the size histograms; add a size option, or remove WithSizeBuckets",
		},
		{
			// Checked by the option given, not by its value: the
			// default's value given explicitly panics alike.
			"the default group-by without defaults",
			[]ginprom.Option{ginprom.WithoutDefaults(), ginprom.WithGroupBy(ginprom.GroupByRoute)},
			"ginprom: WithoutDefaults with WithGroupBy: it applies to the default metrics only, which WithoutDefaults turns off; remove it",
		},
		{
			"the default size buckets without defaults",
			[]ginprom.Option{ginprom.WithSizeBuckets(ginprom.DefaultSizeBuckets...), ginprom.WithoutDefaults()},
			"ginprom: WithoutDefaults with WithSizeBuckets: it applies to the default metrics only, which WithoutDefaults turns off; remove it",
		},
		{
			"the default size buckets without a size option",
			[]ginprom.Option{ginprom.WithSizeBuckets(ginprom.DefaultSizeBuckets...)},
			"ginprom: WithSizeBuckets without WithRequestSize or WithResponseSize: the size buckets are those of the size histograms; add a size option, or remove WithSizeBuckets",
		},
		{
			"buckets with a summary",
			[]ginprom.Option{ginprom.WithBuckets(1, 2), ginprom.WithLatencySummary()},
			"ginprom: WithBuckets with WithLatencySummary: WithBuckets applies to a duration histogram, and WithLatencySummary makes it a summary, which has no buckets; remove one of them",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]ginprom.Option{ginprom.WithRegistry(prometheus.NewRegistry())}, tc.opts...)
			assert.PanicsWithValue(t, tc.msg, func() { ginprom.New(gin.New(), opts...) })
		})
	}
}

// TestUsedOptionsDoNotPanic: the same options where they take effect, and
// those WithoutDefaults leaves in use (decorators, dependencies and the
// metrics route use them).
func TestUsedOptionsDoNotPanic(t *testing.T) {
	for _, opts := range [][]ginprom.Option{
		{ginprom.WithSizeBuckets(10, 100), ginprom.WithResponseSize()},
		{ginprom.WithRequestSize(), ginprom.WithSizeBuckets(10, 100)},
		{ginprom.WithBuckets(1, 2), ginprom.WithInFlight()},
		{ginprom.WithLatencySummary(), ginprom.WithBigBrother("1"), ginprom.WithBuckets(1, 2)},
		{
			ginprom.WithoutDefaults(), ginprom.WithDefaultLabels(ginprom.Labels{"region": "eu"}), ginprom.WithExcludedPaths("/health"),
			ginprom.WithSkipper(func(*gin.Context) bool { return false }), ginprom.WithDefaultsPrefix("app"),
		},
		{ginprom.WithoutDefaults(), ginprom.WithBigBrother("1"), ginprom.WithErrorStatus(func(s int) bool { return s >= 500 })},
		{ginprom.WithBuckets(1, 2), ginprom.WithoutDefaults()}, // the dependency request histogram's

	} {
		opts = append(opts, ginprom.WithRegistry(prometheus.NewRegistry()))
		assert.NotPanics(t, func() { ginprom.New(gin.New(), opts...) })
	}
}
