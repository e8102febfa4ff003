package ginprom_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	// Test mode keeps Gin quiet; tests of debug output switch to debug
	// mode themselves and do not run in parallel.
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// app is an engine instrumented on a registry of its own.
type app struct {
	r   *gin.Engine
	m   *ginprom.Metrics
	reg *prometheus.Registry
}

// newApp returns gin.New() instrumented by ginprom.New with a fresh
// registry and opts.
func newApp(t testing.TB, opts ...ginprom.Option) *app {
	t.Helper()
	reg := prometheus.NewRegistry()
	r := gin.New()
	m := ginprom.New(r, append([]ginprom.Option{ginprom.WithRegistry(reg)}, opts...)...)
	return &app{r: r, m: m, reg: reg}
}

// do serves one request through the app's engine.
func (a *app) do(method, target string) *httptest.ResponseRecorder {
	return serve(a.r, method, target)
}

// serve sends one request to h and returns the recorded response.
func serve(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(context.Background(), method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// ok is a handler that answers 200 "ok".
func ok(c *gin.Context) { c.String(http.StatusOK, "ok") }

// requireExposition asserts that the families named in names hold exactly
// the metrics of expected, in the text format, through
// testutil.GatherAndCompare.
func requireExposition(t testing.TB, g prometheus.Gatherer, expected string, names ...string) {
	t.Helper()
	require.NoError(t, testutil.GatherAndCompare(g, strings.NewReader(expected), names...))
}

// requireLint asserts that testutil.GatherAndLint finds nothing wrong.
func requireLint(t testing.TB, g prometheus.Gatherer) {
	t.Helper()
	problems, err := testutil.GatherAndLint(g)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// observation is what a histogram or summary series has observed.
type observation struct {
	count uint64
	sum   float64
}

// observations returns, for the histogram or summary family name, what
// each series has observed, keyed by its labels as seriesKey keys them.
func observations(t testing.TB, g prometheus.Gatherer, name string) map[string]observation {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	out := map[string]observation{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if h := m.GetHistogram(); h != nil {
				out[seriesKey(m.GetLabel())] = observation{h.GetSampleCount(), h.GetSampleSum()}
			} else {
				out[seriesKey(m.GetLabel())] = observation{m.GetSummary().GetSampleCount(), m.GetSummary().GetSampleSum()}
			}
		}
	}
	return out
}

// samples returns the sample count of each series of the histogram or
// summary family name. Durations vary from run to run, so most tests assert
// counts and leave sums alone.
func samples(t testing.TB, g prometheus.Gatherer, name string) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for k, o := range observations(t, g, name) {
		out[k] = o.count
	}
	return out
}

// sums returns the sample sum of each series of the histogram or summary
// family name.
func sums(t testing.TB, g prometheus.Gatherer, name string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for k, o := range observations(t, g, name) {
		out[k] = o.sum
	}
	return out
}

// buckets returns the cumulative bucket counts of the one series of the
// histogram family name whose labels are labels (as samples keys them),
// keyed by upper bound.
func buckets(t testing.TB, g prometheus.Gatherer, name, labels string) map[float64]uint64 {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if seriesKey(m.GetLabel()) != labels {
				continue
			}
			out := map[float64]uint64{}
			for _, b := range m.GetHistogram().GetBucket() {
				out[b.GetUpperBound()] = b.GetCumulativeCount()
			}
			return out
		}
	}
	t.Fatalf("no series %s{%s}", name, labels)
	return nil
}

// seriesKey keys a series by its labels, as `a="x",b="y"` sorted by name.
func seriesKey[L interface {
	GetName() string
	GetValue() string
}](labels []L) string {
	pairs := make([]string, 0, len(labels))
	for _, l := range labels {
		pairs = append(pairs, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
	}
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}

// families returns the names of the gathered families.
func families(t testing.TB, g prometheus.Gatherer) []string {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	return names
}

// body reads a response body to a string.
func body(t testing.TB, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(b)
}

// getRequest returns a GET of url that lives as long as the test.
func getRequest(t testing.TB, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	return req
}
