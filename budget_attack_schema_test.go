package ginprom_test

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkBudget asserts, for every family of g whose series carry the label
// label and whose values are all a client's but for <overflow>: at most
// limit series besides the overflow series, and the overflow counter of
// the family (named by overflowName) equal to the count of its overflow
// series. It returns the families it checked.
func checkBudget(t *testing.T, g prometheus.Gatherer, overflowName, label string, limit int) []string {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	over := counterValues(t, g, overflowName)
	var checked []string
	for _, mf := range mfs {
		// A counter of bytes counts no observations.
		if mf.GetName() == overflowName || mf.GetType() == dto.MetricType_COUNTER && strings.HasSuffix(mf.GetName(), "bytes") {
			continue
		}
		ordinary, overflowed, found := 0, 0.0, false
		for _, m := range mf.GetMetric() {
			v := ""
			has := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label {
					v, has = lp.GetValue(), true
				}
			}
			if !has {
				continue
			}
			found = true
			var n float64
			switch {
			case m.GetCounter() != nil:
				n = m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				n = float64(m.GetHistogram().GetSampleCount())
			case m.GetSummary() != nil:
				n = float64(m.GetSummary().GetSampleCount())
			default:
				continue
			}
			if v == ginprom.Overflow {
				overflowed += n
			} else {
				ordinary++
			}
		}
		if !found {
			continue
		}
		checked = append(checked, mf.GetName())
		assert.LessOrEqual(t, ordinary, limit, "%s: series besides the overflow series", mf.GetName())
		assert.InDelta(t, overflowed, over[`metric="`+mf.GetName()+`"`], 0, "%s: the overflow counter counts its overflow series", mf.GetName())
	}
	return checked
}

// routeOnCountsSchema hides the route from the duration and shows it on the
// request counter and the exceptions.
func routeOnCountsSchema() ginprom.Schema {
	s := ginprom.DefaultSchema("gin")
	s.Duration.Labels = []ginprom.Label{{Name: "method", Value: ginprom.Method}, {Name: "status", Value: ginprom.Status}}
	s.Requests.Labels = []ginprom.Label{{Name: "status", Value: ginprom.Status}, {Name: "route", Value: ginprom.Route}}
	s.Exceptions.Labels = []ginprom.Label{{Name: "route", Value: ginprom.Route}}
	s.RequestSize.Labels, s.ResponseSize.Labels = nil, nil
	return s
}

// TestBudgetAttackSchemas: under each schema, a function-valued default
// label from a header, ok and panicking handlers, sizes, concurrent
// clients: no family holds more than the budget besides its overflow
// series, and the overflow counter counts exactly what those hold.
func TestBudgetAttackSchemas(t *testing.T) {
	t.Parallel()
	schemas := map[string][]ginprom.Option{
		"default":    {ginprom.WithRequestSize(), ginprom.WithResponseSize()},
		"semconv":    {ginprom.WithSemconv(), ginprom.WithRequestSize(), ginprom.WithResponseSize()},
		"bigbrother": {ginprom.WithBigBrother("1.2.3")},
		"withschema": {ginprom.WithSchema(ginprom.DefaultSchema("gin")), ginprom.WithRequestSize()},
		"custom":     {ginprom.WithSchema(routeOnCountsSchema()), ginprom.WithResponseSize()},
	}
	for name, opts := range schemas {
		for _, limit := range []int{1, 4} {
			t.Run(name+"/"+strconv.Itoa(limit), func(t *testing.T) {
				t.Parallel()
				reg := prometheus.NewRegistry()
				r := gin.New()
				r.Use(gin.RecoveryWithWriter(io.Discard))
				base := []ginprom.Option{
					ginprom.WithRegistry(reg), ginprom.WithSeriesLimit(limit),
					ginprom.WithDefaultLabels(ginprom.Labels{
						"tenant": func(c *gin.Context) string { return c.GetHeader("X-Tenant") },
					}),
				}
				ginprom.New(r, append(base, opts...)...)
				r.GET("/ok", ok)
				r.GET("/p", func(*gin.Context) { panic("boom") })
				var wg sync.WaitGroup
				for w := range 4 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := range 30 {
							path := "/ok"
							if i%3 == 0 {
								path = "/p"
							}
							serve(r, http.MethodGet, path, "X-Tenant", strconv.Itoa((w+i)%9))
						}
					}()
				}
				wg.Wait()
				checked := checkBudget(t, reg, "gin_series_overflow_total", "tenant", limit)
				assert.NotEmpty(t, checked)
				if name != "bigbrother" { // the protocol's names are its own
					requireLint(t, reg)
				}
			})
		}
	}
}

// TestBudgetAttackHiddenPath: under a schema that shows the path on the
// request counter and the exceptions but not on the duration, with
// GroupByPath, WithTotalsByGroup, random paths and statuses, panics and
// concurrent clients: the scrape succeeds, the counts add up, and the
// counter holds at most the budget besides its overflow series, whose
// count the overflow counter shows.
func TestBudgetAttackHiddenPath(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 5} {
		reg := prometheus.NewRegistry()
		r := gin.New()
		r.Use(gin.RecoveryWithWriter(io.Discard))
		ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithSeriesLimit(limit), ginprom.WithSchema(routeOnCountsSchema()),
			ginprom.WithGroupBy(ginprom.GroupByPath), ginprom.WithTotalsByGroup())
		r.GET("/a/:id", func(c *gin.Context) {
			id, _ := strconv.Atoi(c.Param("id"))
			if id%5 == 0 {
				panic("boom")
			}
			c.Status(200 + id%3)
		})
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 40 {
					serve(r, http.MethodGet, "/a/"+strconv.Itoa((w*7+i)%23))
				}
			}()
		}
		wg.Wait()
		totals := counterValues(t, reg, "gin_http_request_total")
		assert.InDelta(t, 160, total(totals), 0)
		assert.Equal(t, uint64(160), sumCounts(samples(t, reg, durationName)))
		checkBudget(t, reg, "gin_series_overflow_total", "route", limit)
		requireLint(t, reg)
	}
}

// TestBudgetAttackSemconvScheme: under WithSemconv, the url_scheme keeps
// its value in an overflow series: a budget of 1 spent, tenants over http
// and https go to one overflow series per scheme, and each is counted.
func TestBudgetAttackSemconvScheme(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSeriesLimit(1), ginprom.WithSemconv(),
		ginprom.WithDefaultLabels(ginprom.Labels{"tenant": func(c *gin.Context) string { return c.GetHeader("X-Tenant") }}))
	a.r.GET("/", ok)
	for i := range 10 {
		req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/", nil)
		req.Header.Set("X-Tenant", strconv.Itoa(i))
		if i%2 == 1 {
			req.TLS = &tls.ConnectionState{}
		}
		a.r.ServeHTTP(httptest.NewRecorder(), req)
	}
	const series = `error_type="",http_request_method="GET",http_response_status_code="200",http_route="/",tenant=`
	assert.Equal(t, map[string]uint64{
		series + `"0",url_scheme="http"`:           1,
		series + `"<overflow>",url_scheme="http"`:  4,
		series + `"<overflow>",url_scheme="https"`: 5,
	}, samples(t, a.reg, "http_server_request_duration_seconds"))
	n, _ := overflowCount(t, a.reg, "http_server_request_duration_seconds")
	assert.InDelta(t, 9, n, 0)
}
