package aggregate

import (
	"testing"

	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// plainExposer exposes the internal label values as they are, the
// exceptions without the group-by value.
type plainExposer struct{}

func (plainExposer) Display([]string, int, uint32) []string { return nil }
func (plainExposer) Counted([]string, int, uint32) []string { return nil }
func (plainExposer) Exception(lvs []string) []string        { return lvs }
func (plainExposer) InFlight(int, uint32) []string          { return nil }

// TestRequestsBudget: past the budget, new label values go to the
// overflow series, which reads Overflow only where the values came from
// the request; known series keep counting, and each observation in the
// overflow series counts under the families that expose it.
func TestRequestsBudget(t *testing.T) {
	o := NewOverflowCounter(prometheus.NewDesc("overflow_total", "O.", []string{"metric"}, nil))
	descs := RequestDescs{
		Duration: prometheus.NewDesc("d_seconds", "D.", []string{"method", "status", "tenant", "path"}, nil),
		Total:    prometheus.NewDesc("d_total", "T.", []string{"method", "status", "tenant"}, nil),
	}
	rc := NewRequests(descs, RequestKind{Bounds: []float64{1}}, RequestBudget{
		Duration:    o.Limit("d_seconds", 2),
		Total:       o.Limit("d_total", 2),
		Exceptions:  o.Limit("d_exceptions_total", 2),
		FromRequest: 1<<2 | 1<<3, // the tenant and the path
	}, nil, plainExposer{})
	r := rc.Shard(1)
	observe := func(tenant, path string) *RequestSeries {
		s, redirected := rc.Lookup([]string{"GET", "200", tenant, path}, 0)
		rc.Observe(r, s, &Observation{Seconds: 0.5})
		if redirected {
			rc.Overflowed(r, s)
		}
		return s
	}
	a := observe("t1", "/a")
	observe("t2", "/b")
	over := observe("t3", "/c")
	observe("t4", "/d")
	assert.True(t, over.Overflowed())
	assert.Equal(t, []string{"GET", "200", canon.Overflow, canon.Overflow}, over.Labels())
	assert.Same(t, a, observe("t1", "/a"), "a known series keeps counting")
	assert.False(t, a.Overflowed())
	// A known prefix with a new path goes to the overflow series too.
	s, redirected := rc.LookupGroup(rc.Prefix([]string{"GET", "200", "t1"}), "/z", 0)
	assert.Same(t, over, s)
	assert.True(t, redirected)
	rc.Exception(r, over)

	var counts []float64
	ch := make(chan prometheus.Metric, 10)
	o.Collect(ch)
	close(ch)
	for m := range ch {
		counts = append(counts, metricValue(t, m))
	}
	assert.ElementsMatch(t, []float64{2, 2, 1}, counts, "duration and total 2 each, the exception 1")
	assert.Equal(t, 6, countMetrics(rc), "three series of the duration, three totals")
}

func metricValue(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var out dto.Metric
	require.NoError(t, m.Write(&out))
	return out.GetCounter().GetValue()
}
