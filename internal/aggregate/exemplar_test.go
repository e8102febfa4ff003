package aggregate

import (
	"strconv"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exemplarRequests returns a store with exemplars, and one of its series.
func exemplarRequests(t *testing.T) (*Requests, *RequestSeries) {
	t.Helper()
	desc := prometheus.NewDesc("d_seconds", "D.", []string{"method", "status", "path"}, nil)
	rc := NewRequests(RequestDescs{Duration: desc}, RequestKind{Bounds: []float64{0.1, 1}, Exemplars: true}, RequestBudget{}, nil, plainExposer{})
	s, _ := rc.Lookup([]string{"GET", "200", "/a"}, 0)
	return rc, s
}

// scrapeExemplars returns the exemplars of the duration buckets of rc's
// one series, by upper bound.
func scrapeExemplars(t *testing.T, rc *Requests) map[float64]*dto.Exemplar {
	t.Helper()
	ch := make(chan prometheus.Metric, 4)
	rc.Collect(ch)
	close(ch)
	out := map[float64]*dto.Exemplar{}
	for m := range ch {
		var d dto.Metric
		require.NoError(t, m.Write(&d))
		for _, b := range d.GetHistogram().GetBucket() {
			if e := b.GetExemplar(); e != nil {
				out[b.GetUpperBound()] = e
			}
		}
	}
	return out
}

func exemplarLabels(e *dto.Exemplar) map[string]string {
	out := map[string]string{}
	for _, l := range e.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// TestExemplarSlots: a bucket keeps the latest valid exemplar, a copy of
// the caller's labels; labels the exposition refuses leave the previous
// one; a write that meets another is dropped; buckets are apart.
func TestExemplarSlots(t *testing.T) {
	rc, s := exemplarRequests(t)
	labels := prometheus.Labels{"trace_id": "a1", "span_id": "b1"}
	s.Exemplar(0, labels, 0.05)
	labels["trace_id"] = "changed by the caller"
	s.Exemplar(1, prometheus.Labels{"trace_id": "c"}, 0.5)

	got := scrapeExemplars(t, rc)
	require.Len(t, got, 2)
	assert.Equal(t, map[string]string{"trace_id": "a1", "span_id": "b1"}, exemplarLabels(got[0.1]))
	assert.InDelta(t, 0.05, got[0.1].GetValue(), 0)
	assert.Equal(t, map[string]string{"trace_id": "c"}, exemplarLabels(got[1]))

	// The latest wins, with fewer labels too; refused labels change nothing.
	s.Exemplar(0, prometheus.Labels{"trace_id": "a2"}, 0.07)
	s.Exemplar(0, prometheus.Labels{"bad-name": "x"}, 0.01)
	s.Exemplar(0, prometheus.Labels{"trace_id": "\xff"}, 0.01)
	got = scrapeExemplars(t, rc)
	assert.Equal(t, map[string]string{"trace_id": "a2"}, exemplarLabels(got[0.1]))
	assert.InDelta(t, 0.07, got[0.1].GetValue(), 0)

	// A slot that another request is writing drops the exemplar.
	e := s.extra.ex[0].Load()
	e.lock.Store(slotWriting)
	s.Exemplar(0, prometheus.Labels{"trace_id": "dropped"}, 0.09)
	e.lock.Store(slotFree)
	got = scrapeExemplars(t, rc)
	assert.Equal(t, map[string]string{"trace_id": "a2"}, exemplarLabels(got[0.1]))
	assert.Nil(t, got[2], "the +Inf bucket has none")
}

// TestExemplarSlotsConcurrent: requests write exemplars to one bucket while
// scrapes read it (run under -race); every scrape sees one whole exemplar,
// its value and labels from the same request.
func TestExemplarSlotsConcurrent(t *testing.T) {
	rc, s := exemplarRequests(t)
	const writers, each = 4, 500
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				v := float64(w*each+i) / (writers * each * 100) // below 0.1
				s.Exemplar(0, prometheus.Labels{"v": strconv.FormatFloat(v, 'g', -1, 64), "w": strconv.Itoa(w)}, v)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if e := scrapeExemplars(t, rc)[0.1]; e != nil {
			l := exemplarLabels(e)
			require.Len(t, l, 2)
			require.Equal(t, strconv.FormatFloat(e.GetValue(), 'g', -1, 64), l["v"], "labels and value of one request")
		}
	}
	require.NotNil(t, scrapeExemplars(t, rc)[0.1])
}
