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
