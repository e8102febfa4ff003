package ginprom_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scrapeCreated scrapes the app's metrics route in the protobuf format and
// returns the created timestamp of every counter, histogram and summary
// series, keyed by family name and label values.
func scrapeCreated(t *testing.T, a *app) map[string]time.Time {
	t.Helper()
	w := serve(a.r, http.MethodGet, "/metrics", "Accept", acceptProtobuf)
	require.Equal(t, http.StatusOK, w.Code)
	dec := expfmt.NewDecoder(strings.NewReader(w.Body.String()), expfmt.NewFormat(expfmt.TypeProtoDelim))
	created := map[string]time.Time{}
	for {
		var mf dto.MetricFamily
		err := dec.Decode(&mf)
		if errors.Is(err, io.EOF) {
			return created
		}
		require.NoError(t, err)
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, lp := range m.GetLabel() {
				key += "," + lp.GetName() + "=" + lp.GetValue()
			}
			// A series without a created timestamp maps to the zero time.
			var ts time.Time
			switch {
			case m.GetCounter() != nil:
				if ct := m.GetCounter().GetCreatedTimestamp(); ct != nil {
					ts = ct.AsTime()
				}
			case m.GetHistogram() != nil:
				if ct := m.GetHistogram().GetCreatedTimestamp(); ct != nil {
					ts = ct.AsTime()
				}
			case m.GetSummary() != nil:
				if ct := m.GetSummary().GetCreatedTimestamp(); ct != nil {
					ts = ct.AsTime()
				}
			default:
				continue
			}
			created[key] = ts
		}
	}
}

// TestCreatedTimestamps: in the protobuf exposition every request counter,
// histogram and summary series carries the time it was made as its created
// timestamp, as client_golang's own metrics do, so that Prometheus 3 with
// created-timestamp ingestion sees its first requests. The timestamp is
// taken when the series is made and does not move between scrapes.
func TestCreatedTimestamps(t *testing.T) {
	cases := map[string]struct {
		opts     []ginprom.Option
		families []string
	}{
		"default": {
			families: []string{"gin_http_request_total", "gin_http_request_duration_seconds"},
		},
		"summary and sizes": {
			opts:     []ginprom.Option{ginprom.WithLatencySummary(), ginprom.WithRequestSize(), ginprom.WithResponseSize()},
			families: []string{"gin_http_request_total", "gin_http_request_duration_seconds", "gin_http_request_size_bytes", "gin_http_response_size_bytes"},
		},
		"native histograms": {
			opts:     []ginprom.Option{ginprom.WithNativeHistograms(1.1)},
			families: []string{"gin_http_request_total", "gin_http_request_duration_seconds"},
		},
		"big brother": {
			opts:     []ginprom.Option{ginprom.WithBigBrother("1.0.0")},
			families: []string{"request_seconds", "response_size_bytes"},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			a := newApp(t, c.opts...)
			a.r.GET("/a", ok)
			a.r.GET("/b", ok)
			before := time.Now()
			a.do(http.MethodGet, "/a")
			after := time.Now()
			first := scrapeCreated(t, a)

			seen := map[string]bool{}
			for key, ts := range first {
				family, _, _ := strings.Cut(key, ",")
				for _, f := range c.families {
					if family == f {
						seen[f] = true
						assert.False(t, ts.IsZero(), "%s has no created timestamp", key)
						assert.False(t, ts.Before(before.Truncate(time.Millisecond)) || ts.After(after), "%s created at %v, not while its first request was served (%v to %v)", key, ts, before, after)
					}
				}
			}
			for _, f := range c.families {
				assert.True(t, seen[f], "no series of %s", f)
			}

			// More requests, and a new series: the old ones keep their
			// timestamps, the new one is created later.
			a.do(http.MethodGet, "/a")
			between := time.Now()
			a.do(http.MethodGet, "/b")
			second := scrapeCreated(t, a)
			for key, ts := range first {
				assert.Equal(t, ts, second[key], "the created timestamp of %s moved", key)
			}
			for key, ts := range second {
				if _, old := first[key]; !old && strings.Contains(key, "/b") {
					assert.False(t, ts.Before(between.Truncate(time.Millisecond)), "%s, made after %v, created at %v", key, between, ts)
				}
			}
		})
	}
}
