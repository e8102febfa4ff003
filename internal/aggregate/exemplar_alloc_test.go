//go:build !race

package aggregate

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// TestExemplarAllocs: once a bucket has held an exemplar, another with as
// many labels allocates nothing.
func TestExemplarAllocs(t *testing.T) {
	_, s := exemplarRequests(t)
	labels := prometheus.Labels{"trace_id": "a1", "span_id": "b1"}
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		s.Exemplar(1, labels, 0.5)
	}))
}
