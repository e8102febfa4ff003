//go:build !race

package ginprom_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// TestObserveMessageAllocs: a message of a known event allocates nothing,
// nor does one folded into Overflow.
func TestObserveMessageAllocs(t *testing.T) {
	m := ginprom.New(nil, ginprom.WithRegistry(prometheus.NewRegistry()))
	err := errors.New("failed")
	m.ObserveMessage("request/read", time.Millisecond, 10, 20, nil)
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		m.ObserveMessage("request/read", time.Millisecond, 10, 20, nil)
		m.ObserveMessage("request/read", time.Millisecond, 10, 20, err)
	}))
}
