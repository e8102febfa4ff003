package ginprom

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// newExposition returns promhttp's handler over reg. With bareCounter (Big
// Brother's response_size_bytes is registered), a scrape that negotiates
// OpenMetrics is served through unknownCounter, so that the counter keeps
// its name: OpenMetrics requires the samples of a counter to be named
// <family>_total, and client_golang appends _total to a counter's name
// that lacks it, which would make response_size_bytes arrive in Prometheus
// as response_size_bytes_total. A sample without that suffix is valid
// OpenMetrics only in a gauge or an unknown family, and unknown is the
// honest one for a value that only grows. The text format (0.0.4) and the
// protobuf format name a counter's sample as its family, so there it stays a
// counter.
func newExposition(reg prometheus.Gatherer, opts promhttp.HandlerOpts, bareCounter bool) http.Handler {
	plain := promhttp.HandlerFor(reg, opts)
	if !bareCounter {
		return plain
	}
	openMetrics := promhttp.HandlerFor(unknownCounter{reg, bbResponseBytes}, opts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The same negotiation promhttp makes with EnableOpenMetrics.
		if expfmt.NegotiateIncludingOpenMetrics(r.Header).FormatType() == expfmt.TypeOpenMetrics {
			openMetrics.ServeHTTP(w, r)
			return
		}
		plain.ServeHTTP(w, r)
	})
}

// unknownCounter gathers from a Gatherer and turns the counter family named
// name into a family of unknown type (untyped in client_model), with the
// same help, labels and values.
type unknownCounter struct {
	prometheus.Gatherer
	name string
}

func (g unknownCounter) Gather() ([]*dto.MetricFamily, error) {
	mfs, err := g.Gatherer.Gather()
	for i, mf := range mfs {
		if mf.GetName() != g.name || mf.GetType() != dto.MetricType_COUNTER {
			continue
		}
		untyped := dto.MetricType_UNTYPED
		out := &dto.MetricFamily{Name: mf.Name, Help: mf.Help, Type: &untyped, Metric: make([]*dto.Metric, len(mf.Metric))}
		for j, m := range mf.Metric {
			v := m.GetCounter().GetValue()
			out.Metric[j] = &dto.Metric{Label: m.Label, Untyped: &dto.Untyped{Value: &v}, TimestampMs: m.TimestampMs}
		}
		mfs[i] = out
	}
	return mfs, err
}
