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

// TestWithoutDefaultsBucketsForClients: a worker that serves no requests
// of its own turns the default metrics off and times its outgoing calls
// with InstrumentClient; WithBuckets, which the dependency request
// histogram follows, then sets that histogram's buckets, rather than
// panicking as an option of the default metrics alone.
func TestWithoutDefaultsBucketsForClients(t *testing.T) {
	srv := dependencyServer(t)
	reg := prometheus.NewRegistry()
	m := ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithoutDefaults(), ginprom.WithBuckets(0.5, 30))
	client := &http.Client{Transport: m.InstrumentClient("billing", &http.Transport{})}
	t.Cleanup(client.CloseIdleConnections)
	call(t, client, http.MethodGet, srv.URL+"/status/200")

	families, err := reg.Gather()
	require.NoError(t, err)
	var bounds []float64
	var count uint64
	for _, f := range families {
		if f.GetName() == depRequests {
			require.Len(t, f.GetMetric(), 1)
			h := f.GetMetric()[0].GetHistogram()
			for _, b := range h.GetBucket() {
				bounds = append(bounds, b.GetUpperBound())
			}
			count = h.GetSampleCount()
		}
	}
	assert.Equal(t, []float64{0.5, 30}, bounds)
	assert.Equal(t, uint64(1), count)
}

// TestClientBucketsOfAnotherMetrics: two Metrics on one registry share the
// dependency request histogram only with the same buckets. With other
// buckets, the second InstrumentClient panics, saying which, rather than
// recording into the first's buckets without a word.
func TestClientBucketsOfAnotherMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	first := ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithoutDefaults(), ginprom.WithBuckets(0.5, 30))
	second := ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithoutDefaults(), ginprom.WithBuckets(1, 2))
	same := ginprom.New(gin.New(), ginprom.WithRegistry(reg), ginprom.WithoutDefaults(), ginprom.WithBuckets(0.5, 30))
	first.InstrumentClient("billing", nil)
	assert.PanicsWithValue(t,
		`ginprom: InstrumentClient("search"): metric "gin_dependency_request_duration_seconds" is already registered by another Metrics with the buckets [0.5 30], and this one's are [1 2]; `+
			"give both the same buckets (WithBuckets, or the schema's Buckets), or give this Metrics another registry with WithRegistry",
		func() { second.InstrumentClient("search", nil) })
	assert.NotPanics(t, func() { same.InstrumentClient("search", nil) })
}
