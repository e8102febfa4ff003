package ginprom_test

import (
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkNativeConsistent asserts, for every histogram gathered in mfs, that
// its classic buckets are cumulative and within its count, and that its
// native zero bucket and buckets hold exactly its count. It returns how many
// native histograms it checked.
func checkNativeConsistent(t *testing.T, mfs []*dto.MetricFamily) int {
	t.Helper()
	checked := 0
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			h := m.GetHistogram()
			if h == nil {
				continue
			}
			var last uint64
			for _, b := range h.GetBucket() {
				require.GreaterOrEqual(t, b.GetCumulativeCount(), last, "%s: classic buckets not cumulative", mf.GetName())
				last = b.GetCumulativeCount()
			}
			require.LessOrEqual(t, last, h.GetSampleCount(), "%s: classic buckets above the count", mf.GetName())
			if h.GetZeroThreshold() == 0 && len(h.GetPositiveSpan()) == 0 {
				continue
			}
			n := h.GetZeroCount()
			for _, c := range nativeBuckets(h) {
				n += uint64(c) //nolint:gosec // G115: a bucket count is not negative.
			}
			require.Equal(t, h.GetSampleCount(), n, "%s: %d observations in the native buckets, but the count is %d", mf.GetName(), n, h.GetSampleCount())
			checked++
		}
	}
	return checked
}

// checkNoZeroResponses asserts that the response size histograms in mfs
// have an empty zero bucket: every response of the load test has a byte at
// least. The zero bucket is the count minus the other buckets, so a native
// bucket behind its classic count would show there.
func checkNoZeroResponses(t *testing.T, mfs []*dto.MetricFamily) {
	t.Helper()
	for _, mf := range mfs {
		if mf.GetName() != "gin_http_response_size_bytes" {
			continue
		}
		for _, m := range mf.GetMetric() {
			require.Zero(t, m.GetHistogram().GetZeroCount(), "a response size in the zero bucket")
		}
	}
}

// TestNativeHistogramsConsistentUnderLoad (issue 16, reproduction 3): 16
// goroutines send requests of varied sizes, statuses and durations through
// the router, with native histograms and both size histograms on, while
// protobuf scrapes run; every scrape sees each native histogram's zero
// bucket and buckets add up to exactly its count, and the response sizes'
// zero bucket stays empty.
func TestNativeHistogramsConsistentUnderLoad(t *testing.T) {
	const clients, requests = 16, 1000
	a := newApp(t, ginprom.WithNativeHistograms(1.1), ginprom.WithRequestSize(), ginprom.WithResponseSize())
	a.r.GET("/r/:n", func(c *gin.Context) {
		n, _ := strconv.Atoi(c.Param("n"))
		c.String(200+n%3, "%0*d", n, 0)
	})
	var wg sync.WaitGroup
	for g := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range requests {
				a.do(http.MethodGet, "/r/"+strconv.Itoa((g*requests+i)%4096))
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	scrapes := 0
	for running := true; running; scrapes++ {
		select {
		case <-done:
			running = false
		default:
		}
		mfs, err := a.reg.Gather()
		require.NoError(t, err)
		checkNativeConsistent(t, mfs)
		checkNoZeroResponses(t, mfs)
	}
	mfs, err := a.reg.Gather()
	require.NoError(t, err)
	assert.Equal(t, 3*3, checkNativeConsistent(t, mfs), "three statuses, three histograms each")
	var total uint64
	for _, n := range samples(t, a.reg, coreDuration) {
		total += n
	}
	assert.Equal(t, uint64(clients*requests), total)
	t.Logf("%d scrapes during the load", scrapes)
}
