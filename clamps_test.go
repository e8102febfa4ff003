package ginprom_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// labelBytes returns the number of bytes of label values over every series
// of every family g gathers, and the longest value.
func labelBytes(t testing.TB, g prometheus.Gatherer) (total, longest int) {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				total += len(l.GetValue())
				longest = max(longest, len(l.GetValue()))
			}
		}
	}
	return total, longest
}

// TestLongValuesAreCut: every label value taken from a request is cut to
// MaxValueLen bytes, ending in CutMark, under GroupByPath, GroupByFunc, a
// default label function and a decorator label function. Clients sending
// 1 MB values thus add at most MaxValueLen bytes per label and series.
func TestLongValuesAreCut(t *testing.T) {
	const requests = 20
	header := func(c *gin.Context) string { return c.GetHeader("X-Tenant") }
	// long returns the value of request i: 1 MiB of one letter, so that
	// the values differ within their first bytes and stay distinct when
	// cut.
	long := func(i int) string { return strings.Repeat(string(rune('a'+i)), 1<<20) }
	cut := func(i int) string {
		return strings.Repeat(string(rune('a'+i)), ginprom.MaxValueLen-len(ginprom.CutMark)) + ginprom.CutMark
	}
	cases := []struct {
		name   string
		opts   []ginprom.Option
		labels ginprom.Labels // of the decorator
		family string         // that holds the value
		label  string
		inPath bool // the value is sent as the path, not as the header
	}{
		{name: "group by path", opts: []ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByPath)},
			family: "gin_http_request_duration_seconds", label: "path", inPath: true},
		{name: "group by func", opts: []ginprom.Option{ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", header))},
			family: "gin_http_request_duration_seconds", label: "tenant"},
		{name: "default label function", opts: []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"tenant": header})},
			family: "gin_http_request_total", label: "tenant"},
		{name: "decorator label function", labels: ginprom.Labels{"tenant": header},
			family: "by_tenant_total", label: "tenant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, tc.opts...)
			a.r.GET("/t/*rest", a.m.Counter("by_tenant", "Requests by tenant.", tc.labels), ok)
			for i := 0; i < requests; i++ {
				req := httptest.NewRequest(http.MethodGet, "/t/", nil)
				if tc.inPath {
					req.URL.Path = "/t/" + long(i)[3:]
				} else {
					req.Header.Set("X-Tenant", long(i))
				}
				w := httptest.NewRecorder()
				a.r.ServeHTTP(w, req)
				require.Equal(t, http.StatusOK, w.Code)
			}

			var got []string
			for k, v := range samplesOrValues(t, a.reg, tc.family, tc.label) {
				got = append(got, k)
				assert.Equal(t, 1.0, v, "requests of one value")
			}
			var want []string
			for i := 0; i < requests; i++ {
				w := cut(i)
				if tc.inPath {
					w = "/t/" + w[3:]
				}
				want = append(want, w)
			}
			assert.ElementsMatch(t, want, got)

			total, longest := labelBytes(t, a.reg)
			assert.LessOrEqual(t, longest, ginprom.MaxValueLen)
			// Each family holds at most one client value per series and
			// request: the duration, the total and the decorator.
			assert.Less(t, total, 3*requests*(ginprom.MaxValueLen+64), "label bytes over every series")
		})
	}
}

// samplesOrValues returns, for each value of label in the family name, the
// requests recorded under it: the sample count of a histogram series or the
// value of a counter, summed over the other labels.
func samplesOrValues(t testing.TB, g prometheus.Gatherer, name, label string) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			v := m.GetCounter().GetValue()
			if h := m.GetHistogram(); h != nil {
				v = float64(h.GetSampleCount())
			}
			for _, l := range m.GetLabel() {
				if l.GetName() == label {
					out[l.GetValue()] += v
				}
			}
		}
	}
	return out
}

// TestLongValuesAreCutOnRuneBoundary: a value is repaired, then cut, and a
// cut never splits a rune: a value whose repair makes it longer than
// MaxValueLen is cut, one whose repair makes it shorter is not; values at
// the limit are kept whole.
func TestLongValuesAreCutOnRuneBoundary(t *testing.T) {
	atLimit := strings.Repeat("x", ginprom.MaxValueLen)
	cases := []struct {
		name, sent, want string
	}{
		// "é" is two bytes; byte MaxValueLen-len(CutMark) = 1021 is
		// the second byte of the 511th "é", so the cut keeps 510.
		{"two-byte runes", strings.Repeat("é", 4096), strings.Repeat("é", 510) + ginprom.CutMark},
		// "€" is three bytes; 1021 = 3*340 + 1, so 340 are kept.
		{"three-byte runes", strings.Repeat("€", 4096), strings.Repeat("€", 340) + ginprom.CutMark},
		{"at the limit", atLimit, atLimit},
		{"one byte over", atLimit + "y", strings.Repeat("x", 1021) + ginprom.CutMark},
		// 600 bad bytes, each followed by "a", repair to 600 × 4 bytes.
		{"repair lengthens", strings.Repeat("\xffa", 600), strings.Repeat("\uFFFDa", 255) + ginprom.CutMark},
		{"short and bad", "a\xffb", "a\uFFFDb"},
		// One run of invalid bytes becomes one U+FFFD, however long.
		{"one long bad run", "a" + strings.Repeat("\xff", 1<<20), "a\uFFFD"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, ginprom.WithDefaultLabels(ginprom.Labels{
				"tenant": func(c *gin.Context) string { return c.GetHeader("X-Tenant") },
			}))
			a.r.GET("/", ok)
			serve(a.r, http.MethodGet, "/", "X-Tenant", tc.sent)
			got := samplesOrValues(t, a.reg, "gin_http_request_total", "tenant")
			assert.Equal(t, map[string]float64{tc.want: 1}, got)
			for v := range got {
				assert.True(t, utf8.ValidString(v))
				assert.LessOrEqual(t, len(v), ginprom.MaxValueLen)
			}
		})
	}
}

// TestLimitValuesComparesCutValues: LimitValues remembers values as cut,
// so two long values that differ only past MaxValueLen are one value, and
// its set holds no more than max cut values.
func TestLimitValuesComparesCutValues(t *testing.T) {
	a := newApp(t, ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", ginprom.LimitValues(1, func(c *gin.Context) string {
		return c.GetHeader("X-Tenant")
	}))))
	a.r.GET("/", ok)
	prefix := strings.Repeat("t", 1<<20)
	serve(a.r, http.MethodGet, "/", "X-Tenant", prefix+"1")
	serve(a.r, http.MethodGet, "/", "X-Tenant", prefix+"2")
	serve(a.r, http.MethodGet, "/", "X-Tenant", "other")
	assert.Equal(t, map[string]float64{
		strings.Repeat("t", 1021) + ginprom.CutMark: 2,
		ginprom.Overflow: 1,
	}, samplesOrValues(t, a.reg, "gin_http_request_duration_seconds", "tenant"))
}
