package aggregate

import (
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/prometheus/client_golang/prometheus"
)

// exemplar is the latest exemplar of one duration bucket of a series.
type exemplar struct {
	value  float64
	labels prometheus.Labels
	ts     time.Time
}

// newExemplar checks the labels of an exemplar of v seconds and copies
// them. It returns nil for labels the exposition would refuse: an invalid
// name, a value that is not UTF-8, or more than
// prometheus.ExemplarMaxRunes runes in all.
func newExemplar(labels prometheus.Labels, v float64) *exemplar {
	runes := 0
	for name, value := range labels {
		if !canon.LabelName(name) || !utf8.ValidString(value) {
			return nil
		}
		runes += utf8.RuneCountInString(name) + utf8.RuneCountInString(value)
	}
	if runes > prometheus.ExemplarMaxRunes {
		return nil
	}
	copied := make(prometheus.Labels, len(labels))
	for name, value := range labels {
		copied[name] = value
	}
	return &exemplar{value: v, labels: copied, ts: time.Now()}
}

// Exemplar keeps labels, with v, as the latest exemplar of duration
// bucket i of s (see [Requests.Observe]). Labels that the exposition would
// refuse are dropped.
func (s *RequestSeries) Exemplar(i int, labels prometheus.Labels, v float64) {
	if len(labels) == 0 || s.extra == nil || s.extra.ex == nil {
		return
	}
	if e := newExemplar(labels, v); e != nil {
		s.extra.ex[i].Store(e)
	}
}

// withExemplars returns m with the exemplars kept in ex, one per bucket.
func withExemplars(desc *prometheus.Desc, m prometheus.Metric, ex []atomic.Pointer[exemplar]) prometheus.Metric {
	var list []prometheus.Exemplar
	for i := range ex {
		if e := ex[i].Load(); e != nil {
			list = append(list, prometheus.Exemplar{Value: e.value, Labels: e.labels, Timestamp: e.ts})
		}
	}
	if len(list) == 0 {
		return m
	}
	return ConstMetric(desc)(prometheus.NewMetricWithExemplars(m, list...))
}
