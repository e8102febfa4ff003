package ginprom

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// TestValueCacheSameAddressInOneSlot: two prefixes of one backing string
// start at the same address; when their lengths put them in the same slot
// of a value cache, each request still counts under its own value, through
// the router, whichever filled the slot last; and so for the empty prefix
// and the literal "", and a string past canon's bound and its cut value.
func TestValueCacheSameAddressInOneSlot(t *testing.T) {
	t.Parallel()
	base := strings.Repeat("0123456789", 20)
	var scratch valueCache
	var a, b int
	for a = 1; a < len(base) && b == 0; a++ {
		for n := a + 1; n < len(base); n++ {
			if scratch.slot(base[:a]) == scratch.slot(base[:n]) {
				b = n
				break
			}
		}
	}
	a--
	require.NotZero(t, b, "two prefixes in one slot")
	long := strings.Repeat("é", 700) // 1400 bytes, cut by canon.Value
	values := []string{base[:a], base[:b], base[:0], "", long, canon.Value(long)}

	reg := prometheus.NewRegistry()
	r := gin.New()
	m := New(r, WithRegistry(reg), WithoutDefaults())
	r.GET("/", m.Counter("c", "C.", Labels{"v": func(c *gin.Context) string {
		i, _ := strconv.Atoi(c.Query("i"))
		return values[i]
	}}), func(c *gin.Context) { c.Status(http.StatusOK) })
	want := map[string]float64{}
	for i := range 60 {
		j := i % len(values)
		if i%7 == 3 {
			j = (i * 5) % len(values)
		}
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/?i="+strconv.Itoa(j), nil))
		want[canon.Value(values[j])]++
	}
	mfs, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() == "c_total" {
			for _, s := range mf.GetMetric() {
				got[s.GetLabel()[0].GetValue()] = s.GetCounter().GetValue()
			}
		}
	}
	require.Equal(t, want, got)
}
