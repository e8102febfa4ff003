package probe_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom/probe"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clockless gathers reg with what the clock decides taken out, once it is
// checked: a probe ran within elapsed and ended between from and to. Each
// histogram keeps its count but loses its finite buckets (where the
// observation lands is the clock's) and its sum, which becomes 0 if it is
// within [0, elapsed]; a gauge whose value is within [from, to] becomes 1.
// A value out of its bounds is left as it is, so the comparison fails.
func clockless(reg prometheus.Gatherer, elapsed time.Duration, from, to time.Time) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		families, err := reg.Gather()
		for _, f := range families {
			for _, m := range f.GetMetric() {
				if h := m.GetHistogram(); h != nil {
					h.Bucket = nil
					if sum := h.GetSampleSum(); sum >= 0 && sum <= elapsed.Seconds() {
						h.SampleSum = new(float64)
					}
				}
				if g := m.GetGauge(); g != nil {
					if v := g.GetValue(); v >= float64(from.UnixNano())/1e9 && v <= float64(to.UnixNano())/1e9 {
						one := 1.0
						g.Value = &one
					}
				}
			}
		}
		return families, err
	})
}

// TestNewNamed: through a real server, NewNamed exposes the three metrics
// under the names given, exactly, and the empty fields keep their defaults;
// every series exists at 0 before the first probe; the exposition passes
// the linter.
func TestNewNamed(t *testing.T) {
	cases := []struct {
		name  string
		names probe.Names
		// The exposition once a GET of the server has succeeded, with
		// URL for the server's URL.
		want string
	}{
		{"the duration without its unit", probe.Names{Duration: "synthetic_request_duration"}, `
# HELP synthetic_last_success_timestamp_seconds Unix time at which the last successful synthetic probe ended; 0 before the first success.
# TYPE synthetic_last_success_timestamp_seconds gauge
synthetic_last_success_timestamp_seconds{method="GET",url="URL"} 1
# HELP synthetic_probe_success Whether the last synthetic probe succeeded (1) or failed (0).
# TYPE synthetic_probe_success gauge
synthetic_probe_success{method="GET",url="URL"} 1
# HELP synthetic_request_duration Duration of synthetic probes, from the request to the end of the response body, by result.
# TYPE synthetic_request_duration histogram
synthetic_request_duration_bucket{method="GET",result="failure",url="URL",le="+Inf"} 0
synthetic_request_duration_sum{method="GET",result="failure",url="URL"} 0
synthetic_request_duration_count{method="GET",result="failure",url="URL"} 0
synthetic_request_duration_bucket{method="GET",result="success",url="URL",le="+Inf"} 1
synthetic_request_duration_sum{method="GET",result="success",url="URL"} 0
synthetic_request_duration_count{method="GET",result="success",url="URL"} 1
`},
		{"every name", probe.Names{
			Duration: "blackbox_probe_seconds", Success: "blackbox_up", LastSuccess: "blackbox_last_ok_time",
			MethodLabel: "http_method", URLLabel: "endpoint", ResultLabel: "outcome",
		}, `
# HELP blackbox_last_ok_time Unix time at which the last successful synthetic probe ended; 0 before the first success.
# TYPE blackbox_last_ok_time gauge
blackbox_last_ok_time{endpoint="URL",http_method="GET"} 1
# HELP blackbox_probe_seconds Duration of synthetic probes, from the request to the end of the response body, by result.
# TYPE blackbox_probe_seconds histogram
blackbox_probe_seconds_bucket{endpoint="URL",http_method="GET",outcome="failure",le="+Inf"} 0
blackbox_probe_seconds_sum{endpoint="URL",http_method="GET",outcome="failure"} 0
blackbox_probe_seconds_count{endpoint="URL",http_method="GET",outcome="failure"} 0
blackbox_probe_seconds_bucket{endpoint="URL",http_method="GET",outcome="success",le="+Inf"} 1
blackbox_probe_seconds_sum{endpoint="URL",http_method="GET",outcome="success"} 0
blackbox_probe_seconds_count{endpoint="URL",http_method="GET",outcome="success"} 1
# HELP blackbox_up Whether the last synthetic probe succeeded (1) or failed (0).
# TYPE blackbox_up gauge
blackbox_up{endpoint="URL",http_method="GET"} 1
`},
		{"labels only", probe.Names{URLLabel: "target"}, `
# HELP synthetic_last_success_timestamp_seconds Unix time at which the last successful synthetic probe ended; 0 before the first success.
# TYPE synthetic_last_success_timestamp_seconds gauge
synthetic_last_success_timestamp_seconds{method="GET",target="URL"} 1
# HELP synthetic_probe_success Whether the last synthetic probe succeeded (1) or failed (0).
# TYPE synthetic_probe_success gauge
synthetic_probe_success{method="GET",target="URL"} 1
# HELP synthetic_request_duration_seconds Duration of synthetic probes, from the request to the end of the response body, by result.
# TYPE synthetic_request_duration_seconds histogram
synthetic_request_duration_seconds_bucket{method="GET",result="failure",target="URL",le="+Inf"} 0
synthetic_request_duration_seconds_sum{method="GET",result="failure",target="URL"} 0
synthetic_request_duration_seconds_count{method="GET",result="failure",target="URL"} 0
synthetic_request_duration_seconds_bucket{method="GET",result="success",target="URL",le="+Inf"} 1
synthetic_request_duration_seconds_sum{method="GET",result="success",target="URL"} 0
synthetic_request_duration_seconds_count{method="GET",result="success",target="URL"} 1
`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, status(http.StatusOK))
			reg := prometheus.NewRegistry()
			p := probe.NewNamed(reg, c.names, time.Minute, probe.Target{URL: srv.URL})
			want := strings.ReplaceAll(c.want, "URL", srv.URL)

			// Before the first probe: every series at 0, buckets included.
			var before strings.Builder
			for _, line := range strings.Split(want, "\n") {
				if strings.HasPrefix(line, "#") || line == "" {
					before.WriteString(line + "\n")
					continue
				}
				series, _, _ := strings.Cut(line, "} ")
				if name, ok := strings.CutSuffix(series, `,le="+Inf"`); ok {
					for _, le := range []string{"0.01", "0.1", "0.5", "2", "+Inf"} {
						fmt.Fprintf(&before, "%s,le=%q} 0\n", name, le)
					}
					continue
				}
				before.WriteString(series + "} 0\n")
			}
			require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(before.String())))
			problems, err := testutil.GatherAndLint(reg)
			require.NoError(t, err)
			assert.Empty(t, problems)

			from := time.Now()
			p.ProbeOnce(context.Background())
			to := time.Now()
			require.Len(t, srv.arrived, 1)
			assert.NoError(t, testutil.GatherAndCompare(clockless(reg, to.Sub(from), from, to), strings.NewReader(want)))
		})
	}
}

// TestNewNamedDefaults: the zero Names and DefaultNames are New's naming,
// exposition for exposition.
func TestNewNamedDefaults(t *testing.T) {
	target := probe.Target{Method: http.MethodPost, URL: "http://svc:8080/reservations"}
	reg := prometheus.NewRegistry()
	probe.New(reg, time.Minute, target)
	families, err := reg.Gather()
	require.NoError(t, err)
	var want strings.Builder
	for _, f := range families {
		_, err := expfmt.MetricFamilyToText(&want, f)
		require.NoError(t, err)
	}
	for name, names := range map[string]probe.Names{"zero": {}, "DefaultNames": probe.DefaultNames()} {
		t.Run(name, func(t *testing.T) {
			got := prometheus.NewRegistry()
			probe.NewNamed(got, names, time.Minute, target)
			assert.NoError(t, testutil.GatherAndCompare(got, strings.NewReader(want.String())))
		})
	}
	assert.Equal(t, probe.Names{
		Duration:    "synthetic_request_duration_seconds",
		Success:     "synthetic_probe_success",
		LastSuccess: "synthetic_last_success_timestamp_seconds",
		MethodLabel: "method",
		URLLabel:    "url",
		ResultLabel: "result",
	}, probe.DefaultNames())
}

// TestNewNamedSameRegistry: Probers of other names share a registry, each
// with metrics of its own; one that names a metric alike with other labels
// panics, naming NewNamed and the metric.
func TestNewNamedSameRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	probe.New(reg, time.Minute, probe.Target{URL: "http://a/"})
	probe.NewNamed(reg, probe.Names{Duration: "synthetic_request_duration", Success: "up2", LastSuccess: "last2"}, time.Minute, probe.Target{URL: "http://b/"})
	probe.NewNamed(reg, probe.Names{Duration: "synthetic_request_duration", Success: "up2", LastSuccess: "last2"}, time.Minute, probe.Target{URL: "http://c/"})
	count, err := testutil.GatherAndCount(reg)
	require.NoError(t, err)
	assert.Equal(t, 3*4, count, "per target, a success and a failure series of the histogram and a series of each gauge")
	n, err := testutil.GatherAndCount(reg, "synthetic_request_duration")
	require.NoError(t, err)
	assert.Equal(t, 4, n, "b and c share the renamed histogram, a success and a failure series each")

	requirePanic(t, func() {
		probe.NewNamed(reg, probe.Names{MethodLabel: "verb"}, time.Minute, probe.Target{URL: "http://d/"})
	}, "probe: NewNamed: cannot register synthetic_request_duration_seconds", "other Names")
}

// TestNewNamedPanics: names that cannot be exposed together panic in
// NewNamed, naming the field and saying what to fix.
func TestNewNamedPanics(t *testing.T) {
	cases := []struct {
		name  string
		names probe.Names
		want  []string
	}{
		{"invalid Duration", probe.Names{Duration: "synthetic request duration"}, []string{`Names.Duration "synthetic request duration" is not a valid metric name`}},
		{"Duration with a dot", probe.Names{Duration: "synthetic.request.duration"}, []string{"Names.Duration", "not a valid metric name"}},
		{"Success begins with a digit", probe.Names{Success: "1up"}, []string{`Names.Success "1up" is not a valid metric name`}},
		{"invalid LastSuccess", probe.Names{LastSuccess: "last-success"}, []string{"Names.LastSuccess"}},
		{"Success as Duration", probe.Names{Duration: "probe", Success: "probe"}, []string{`Names.Success "probe" is taken by Names.Duration`}},
		{"LastSuccess as Success", probe.Names{LastSuccess: "synthetic_probe_success"}, []string{`Names.LastSuccess "synthetic_probe_success" is taken by Names.Success`}},
		{"a gauge named as a series of the histogram", probe.Names{Duration: "probe", Success: "probe_count"}, []string{`Names.Success "probe_count" is taken by a series of the histogram Names.Duration "probe"`}},
		{"a gauge named as the histogram's buckets", probe.Names{LastSuccess: "synthetic_request_duration_seconds_bucket"}, []string{"Names.LastSuccess", "a series of the histogram"}},
		{"a gauge named as OpenMetrics' created series", probe.Names{Success: "synthetic_request_duration_seconds_created"}, []string{"Names.Success", "a series of the histogram"}},
		{"invalid label", probe.Names{MethodLabel: "http-method"}, []string{`Names.MethodLabel "http-method" is not a valid label name`}},
		{"reserved label", probe.Names{URLLabel: "__url"}, []string{`Names.URLLabel "__url"`, `"__"`}},
		{"colon in a label", probe.Names{ResultLabel: "probe:result"}, []string{"Names.ResultLabel", "not a valid label name"}},
		{"le", probe.Names{ResultLabel: "le"}, []string{`Names.ResultLabel is "le"`, "buckets"}},
		{"two labels alike", probe.Names{URLLabel: "method"}, []string{`Names.MethodLabel and Names.URLLabel are both "method"`}},
		{"a label named as a default one", probe.Names{MethodLabel: "result"}, []string{`Names.MethodLabel and Names.ResultLabel are both "result"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			requirePanic(t, func() {
				probe.NewNamed(reg, c.names, time.Minute, probe.Target{URL: "http://svc/"})
			}, append([]string{"probe: NewNamed: "}, c.want...)...)
			count, err := testutil.GatherAndCount(reg)
			require.NoError(t, err)
			assert.Zero(t, count, "nothing registered")
		})
	}

	// The checks of New are NewNamed's, and say which was called.
	requirePanic(t, func() { probe.NewNamed(nil, probe.Names{}, time.Minute, probe.Target{URL: "http://svc/"}) }, "probe: NewNamed: the registerer is nil")
	requirePanic(t, func() { probe.NewNamed(prometheus.NewRegistry(), probe.Names{}, time.Minute) }, "probe: NewNamed: no targets")
	requirePanic(t, func() {
		probe.NewNamed(prometheus.NewRegistry(), probe.Names{}, time.Minute, probe.Target{URL: "/x"})
	}, "probe: NewNamed: targets[0]: ", "absolute")
}
