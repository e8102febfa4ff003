package ginprom

import (
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestValueCacheRandomized races writers that fill one slot of a
// valueCache with different strings and their series against readers that
// ask it for those strings and for copies of them (equal bytes at other
// addresses): a reader gets nil or the series of exactly its string's
// bytes, never the series of the string a torn read would pair with it.
func TestValueCacheRandomized(t *testing.T) {
	var vc valueCache
	x := aggregate.NewIndex(nil, Overflow)
	// Strings that share slot 0, each with its series.
	var values []string
	var series []*aggregate.Series
	for i := 0; len(values) < 8; i++ {
		v := strings.Clone("value-" + strconv.Itoa(i))
		if vc.slot(v) != &vc.slots[0] {
			continue
		}
		s, _ := x.Lookup([]string{v}, 1)
		values, series = append(values, v), append(series, s)
	}
	require.Nil(t, vc.find(values[0]), "an empty slot")
	vc.put(values[0], series[0])
	require.Same(t, series[0], vc.find(values[0]))
	require.Same(t, series[0], vc.find(copyIn(&vc, values[0])), "a copy finds the series by its bytes")
	require.Nil(t, vc.find(values[1]), "another string of the slot")
	sl := vc.slot(values[0])
	seq := sl.seq.Load()
	sl.seq.Store(seq&^lenMask + seqOne) // as put leaves it while it writes
	require.Nil(t, sl.get(values[0]), "a slot being filled")
	sl.seq.Store(seq)
	require.Same(t, series[0], sl.get(values[0]))
	require.Nil(t, sl.get(values[0][:3]), "a prefix at the same address")

	copies := make([]string, len(values))
	for j, v := range values {
		copies[j] = copyIn(&vc, v)
	}
	const rounds = 20000
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := range rounds {
				j := (i*3 + w) % len(values)
				vc.put(values[j], series[j])
			}
		})
	}
	for r := range 2 {
		wg.Go(func() {
			for i := range rounds {
				j := (i + r) % len(values)
				v := values[j]
				if i%4 == 0 {
					v = copies[j]
				}
				if s := vc.find(v); s != nil && s != series[j] {
					t.Errorf("%q found the series of %q", v, s.Labels()[0])
					return
				}
			}
		})
	}
	wg.Wait()
	for j, v := range values {
		if s := vc.find(v); s != nil {
			assert.Same(t, series[j], s)
		}
	}
}

// copyIn returns a copy of v at another address, in v's slot of vc.
func copyIn(vc *valueCache, v string) string {
	var keep []string // not freed, so that each copy is at a new address
	for {
		c := strings.Clone(v)
		if vc.slot(c) == vc.slot(v) {
			runtime.KeepAlive(keep)
			return c
		}
		keep = append(keep, c)
	}
}

// find is what seriesOfValue asks of vc.
func (vc *valueCache) find(v string) *aggregate.Series {
	if s := vc.slot(v).get(v); s != nil {
		return s
	}
	return vc.lookup(v)
}
