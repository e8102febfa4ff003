package aggregate

import (
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLookupBudget: past the budget, new values go to the overflow series,
// where only the values from the request read the overflow value; known
// series keep theirs and the overflow counter counts what overflowed.
func TestLookupBudget(t *testing.T) {
	o := NewOverflowCounter(prometheus.NewDesc("overflow_total", "O.", []string{"metric"}, nil))
	sum := NewSum(prometheus.NewDesc("hits_total", "H.", []string{"app", "id"}, nil), o.Limit("hits_total", 2), "<overflow>")
	add := func(id string) (*Series, bool) {
		s, over := sum.Lookup([]string{"shop", id}, 0b10)
		r := sum.Shard(1)
		sum.Add(r, s, 1)
		if over {
			sum.Limit().Overflowed(r, 1)
		}
		return s, over
	}
	_, over := add("a")
	assert.False(t, over)
	add("b")
	s, over := add("c")
	assert.True(t, over)
	assert.Equal(t, []string{"shop", "<overflow>"}, s.Labels())
	add("d")
	s2, over := add("a")
	assert.False(t, over)
	assert.Equal(t, uint64(2), sum.Value(s2))
	assert.Equal(t, uint64(2), sum.Value(s))
	assert.Equal(t, 3, sum.Len())
	assert.Equal(t, 1, countMetrics(o))
}

// TestConcurrentExact: concurrent writers on many series lose nothing, and
// the gauge returns to 0.
func TestConcurrentExact(t *testing.T) {
	h := NewHistogram(prometheus.NewDesc("h", "H.", []string{"v"}, nil), []float64{1, 2}, nil, "<overflow>")
	g := NewGauge(prometheus.NewDesc("g", "G.", []string{"v"}, nil), nil, "<overflow>")
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				v := []string{string(rune('a' + i%40))}
				s, _ := h.Lookup(v, 1)
				r := h.Shard(uintptr(w + 1))
				h.Observe(r, s, float64(i%3))
				gs, _ := g.Lookup(v, 1)
				g.Add(r, gs, 1)
				g.Add(h.Shard(uintptr(w+100)), gs, -1)
			}
		})
	}
	wg.Wait()
	var n uint64
	cumulative := make([]uint64, 3)
	h.each(func(s *Series) {
		count, _ := h.read(s, cumulative)
		n += count
	})
	assert.Equal(t, uint64(8000), n)
	g.each(func(s *Series) { assert.Zero(t, g.Value(s)) })
	require.Equal(t, 40, h.Len())
}

func countMetrics(c prometheus.Collector) int {
	ch := make(chan prometheus.Metric, 100)
	c.Collect(ch)
	close(ch)
	return len(ch)
}
