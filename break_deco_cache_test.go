package ginprom_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
)

// cacheValues are the label values of TestDecoratorValueCacheBudgetRace,
// each handed out as a string of a fixed table (one address) or built per
// request (a new address, the same bytes). Some are prefixes of one
// backing string, some invalid UTF-8 that canon repairs to the same
// value, one is Overflow itself, one is empty, one is past canon's bound.
var cacheValues = func() []string {
	base := strings.Repeat("prefix", 6)
	vs := []string{"", ginprom.Overflow, "a\xffb", "a\xfe\xfdb", strings.Repeat("w", 1100), strings.Repeat("w", 1101)}
	for n := 1; n <= 12; n++ {
		vs = append(vs, base[:n])
	}
	for n := range 12 {
		vs = append(vs, "v"+strconv.Itoa(n))
	}
	return vs
}()

// canonical is the value a series exposes for v, as canon.Value makes it.
func canonical(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	if len(v) > 1024 {
		v = v[:1024-len("…")] + "…"
	}
	return v
}

// TestDecoratorValueCacheBudgetRace: goroutines send requests whose only
// label values are given by table strings and per-request copies, to a
// counter and a histogram whose budget fills while their value caches
// hold slots. Each value's requests are all in its own series or all in
// the overflow series; the overflow counter counts exactly those
// redirected, not the requests whose value reads Overflow already; no
// series is lost or doubled.
func TestDecoratorValueCacheBudgetRace(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{0, 1, 7, 40} {
		t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
			t.Parallel()
			a := newApp(t, ginprom.WithoutDefaults(), ginprom.WithSeriesLimit(limit))
			label := ginprom.Labels{"v": func(c *gin.Context) string {
				i, _ := strconv.Atoi(c.Query("i"))
				if c.Query("copy") != "" {
					return string([]byte(cacheValues[i]))
				}
				return cacheValues[i]
			}}
			a.r.GET("/", a.m.Counter("c", "C.", label), a.m.Histogram("h", "H.", label), ok)
			const workers, each = 6, 150
			sent := make([][]int, workers)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(w), uint64(limit))) //nolint:gosec // G404: a seeded test, not a secret.
					for range each {
						i := rng.IntN(len(cacheValues))
						target := "/?i=" + strconv.Itoa(i)
						if rng.IntN(2) == 0 {
							target += "&copy=1"
						}
						if code := a.do(http.MethodGet, target).Code; code != http.StatusOK {
							t.Errorf("%s: %d", target, code)
						}
						sent[w] = append(sent[w], i)
					}
				})
			}
			wg.Wait()
			byValue := map[string]uint64{}
			for _, is := range sent {
				for _, i := range is {
					byValue[canonical(cacheValues[i])]++
				}
			}
			over := counters(t, a, "gin_series_overflow_total")
			for _, name := range []string{"c_total", "h"} {
				var got map[string]uint64
				if name == "h" {
					got = samples(t, a.reg, name)
				} else {
					got = counters(t, a, name)
				}
				var total, redirected uint64
				own := 0
				for v, n := range byValue {
					k := "v=" + strconv.Quote(v)
					total += n
					if v == ginprom.Overflow {
						continue
					}
					if c, ok := got[k]; ok {
						own++
						require.Equal(t, n, c, "%s{%s}", name, k)
					} else {
						redirected += n
					}
				}
				require.Equal(t, byValue[ginprom.Overflow]+redirected, got[`v="`+ginprom.Overflow+`"`], "%s's overflow series", name)
				require.Equal(t, redirected, over[`metric="`+name+`"`], "%s's overflow count", name)
				var sum uint64
				for _, c := range got {
					sum += c
				}
				require.Equal(t, total, sum, "%s: every request once", name)
				if limit > 0 {
					require.LessOrEqual(t, own, limit, name)
				}
			}
		})
	}
}
