package ginprom_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// TestRequestBudgetRaceToLastSeries: goroutines race requests with new
// group-by values (and some that read Overflow already, and some that
// panic) into the shared request budget, under several schemas and
// group-bys. Whoever takes the last series, every family that shows the
// group-by value ends with: each value's requests all in its own series or
// all in the overflow series; the overflow series holding exactly the
// redirected requests and the clients' own Overflow; the overflow counter
// exactly the redirected ones, its series there (at 0 if nothing was
// redirected) for each such family; and a scrape that succeeds.
func TestRequestBudgetRaceToLastSeries(t *testing.T) {
	t.Parallel()
	group := func(c *gin.Context) string { return c.GetHeader("X-G") }
	cases := []struct {
		name string
		opts []ginprom.Option
	}{
		{"default", nil},
		{"totals by group, sizes", []ginprom.Option{ginprom.WithTotalsByGroup(), ginprom.WithRequestSize(), ginprom.WithResponseSize()}},
		{"semconv, default label", []ginprom.Option{ginprom.WithSemconv(), ginprom.WithDefaultLabels(ginprom.Labels{"tenant": group})}},
		{"big brother", []ginprom.Option{ginprom.WithBigBrother("1.0.0")}},
		{"route on counts", []ginprom.Option{ginprom.WithSchema(routeOnCountsSchema()), ginprom.WithTotalsByGroup()}},
		{"default label", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"tenant": group})}},
	}
	for _, tc := range cases {
		for _, limit := range []int{1, 5, 23} {
			t.Run(fmt.Sprintf("%s/limit=%d", tc.name, limit), func(t *testing.T) {
				t.Parallel()
				reg := prometheus.NewRegistry()
				r := gin.New()
				r.Use(gin.RecoveryWithWriter(io.Discard))
				opts := append([]ginprom.Option{ginprom.WithRegistry(reg), ginprom.WithSeriesLimit(limit)}, tc.opts...)
				if !strings.Contains(tc.name, "default label") {
					opts = append(opts, ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", group)))
				}
				ginprom.New(r, opts...)
				r.GET("/", func(c *gin.Context) {
					if c.GetHeader("X-P") != "" {
						panic("boom")
					}
					c.String(http.StatusOK, "ok")
				})
				const workers, each = 6, 40
				var mu sync.Mutex
				all, panicked := map[string]float64{}, map[string]float64{}
				var wg sync.WaitGroup
				for w := range workers {
					wg.Go(func() {
						rng := rand.New(rand.NewPCG(uint64(w), uint64(limit))) //nolint:gosec // G404: a seeded test, not a secret.
						for range each {
							v := "g" + strconv.Itoa(rng.IntN(30))
							if rng.IntN(10) == 0 {
								v = ginprom.Overflow
							}
							p := rng.IntN(4) == 0
							h := []string{"X-G", v}
							if p {
								h = append(h, "X-P", "1")
							}
							serve(r, http.MethodGet, "/", h...)
							mu.Lock()
							all[v]++
							if p {
								panicked[v]++
							}
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				series := flat(t, reg, "")
				over := map[string]float64{}
				for k, v := range series {
					if name, ok := strings.CutPrefix(k, "gin_series_overflow_total{metric="); ok {
						over[strings.Trim(name, `"}`)] = v
					}
				}
				// The series of each family that shows the group-by value,
				// summed by that value and the status, when the family
				// shows the status (a panic's is 500).
				byFamily := map[string]map[string]float64{}
				withStatus := map[string]bool{}
				for k, n := range series {
					name, labels, _ := strings.Cut(k, "{")
					if name == "gin_series_overflow_total" || name == "response_size_bytes" {
						continue // Big Brother's response bytes count bytes
					}
					for v := range all {
						if !strings.Contains(labels, `="`+v+`"`) {
							continue
						}
						if byFamily[name] == nil {
							byFamily[name] = map[string]float64{}
						}
						key := v
						if strings.Contains(labels, `="500"`) || strings.Contains(labels, `="200"`) {
							withStatus[name] = true
							key = v + "/" + map[bool]string{true: "500", false: "200"}[strings.Contains(labels, `="500"`)]
						}
						byFamily[name][key] += n
					}
				}
				require.NotEmpty(t, byFamily)
				for name, got := range byFamily {
					want := map[string]float64{}
					for v, n := range all {
						p := panicked[v]
						switch {
						case strings.Contains(name, "exception"):
							want[v+"/500"] += p
						case withStatus[name]:
							want[v+"/500"] += p
							want[v+"/200"] += n - p
						default:
							want[v] += n
						}
						if !withStatus[name] {
							want[v] += want[v+"/500"]
							delete(want, v+"/500")
						}
					}
					var redirected, own float64
					for k, n := range want {
						if n == 0 {
							continue
						}
						if strings.HasPrefix(k, ginprom.Overflow) {
							own += n
							continue
						}
						if c, ok := got[k]; ok {
							require.InDelta(t, n, c, 0, "%s: %s", name, k)
						} else {
							redirected += n
						}
					}
					var inOverflow float64
					for k, n := range got {
						if strings.HasPrefix(k, ginprom.Overflow) {
							inOverflow += n
						}
					}
					require.InDelta(t, own+redirected, inOverflow, 0, "%s: the overflow series", name)
					if name == "gin_http_request_exceptions_total" && over[name] == 0 && redirected == 0 {
						continue // shown or not, nothing was redirected
					}
					c, ok := over[name]
					require.True(t, ok, "%s's overflow counter series", name)
					require.InDelta(t, redirected, c, 0, "%s's overflow count", name)
				}
			})
		}
	}
}
