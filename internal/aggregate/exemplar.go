package aggregate

import (
	"runtime"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/prometheus/client_golang/prometheus"
)

// exemplarSlot is the latest exemplar of one duration bucket of a series,
// made on the bucket's first exemplar and then reused: its label names and
// values are kept in pairs, whose array is reused too, so that a request
// allocates nothing once the bucket has held an exemplar with as many
// labels. The strings are the caller's, which are immutable; the caller's
// map is not retained.
//
// A request writes the slot under a try-lock, and a request that finds it
// taken (another writing the same bucket at the same instant, or a scrape
// copying it) drops its exemplar rather than wait: the request path never
// blocks. A scrape waits for the lock, which a writer holds for a copy of a
// few strings.
type exemplarSlot struct {
	lock  atomic.Uint32 // 1 while written or read
	value float64
	ts    time.Time
	pairs []string // name, value, name, value...
}

// validExemplar reports whether the exposition would take labels: valid
// names, values that are UTF-8, and at most prometheus.ExemplarMaxRunes
// runes in all.
func validExemplar(labels prometheus.Labels) bool {
	runes := 0
	for name, value := range labels {
		if !canon.LabelName(name) || !utf8.ValidString(value) {
			return false
		}
		runes += utf8.RuneCountInString(name) + utf8.RuneCountInString(value)
	}
	return runes <= prometheus.ExemplarMaxRunes
}

// Exemplar keeps labels, with v, as the latest exemplar of duration
// bucket i of s (see [Requests.Observe]). Labels that the exposition would
// refuse are dropped, and so is an exemplar that meets another being
// written to, or read from, the same bucket at the same instant.
func (s *RequestSeries) Exemplar(i int, labels prometheus.Labels, v float64) {
	if len(labels) == 0 || s.extra == nil || s.extra.ex == nil || !validExemplar(labels) {
		return
	}
	p := &s.extra.ex[i]
	e := p.Load()
	if e == nil {
		e = newExemplarSlot(p)
	}
	if !e.lock.CompareAndSwap(0, 1) {
		return
	}
	e.pairs = e.pairs[:0]
	for name, value := range labels {
		e.pairs = append(e.pairs, name, value)
	}
	e.value, e.ts = v, time.Now()
	e.lock.Store(0)
}

// newExemplarSlot makes the slot of p, unless another request did first.
func newExemplarSlot(p *atomic.Pointer[exemplarSlot]) *exemplarSlot {
	e := new(exemplarSlot)
	if p.CompareAndSwap(nil, e) {
		return e
	}
	return p.Load()
}

// read returns a copy of the exemplar in e, once e's writer is done; ok is
// false while it holds none.
func (e *exemplarSlot) read() (_ prometheus.Exemplar, ok bool) {
	for !e.lock.CompareAndSwap(0, 1) {
		runtime.Gosched() // a writer is copying a few strings
	}
	defer e.lock.Store(0)
	if len(e.pairs) == 0 {
		return prometheus.Exemplar{}, false
	}
	labels := make(prometheus.Labels, len(e.pairs)/2)
	for j := 0; j < len(e.pairs); j += 2 {
		labels[e.pairs[j]] = e.pairs[j+1]
	}
	return prometheus.Exemplar{Value: e.value, Labels: labels, Timestamp: e.ts}, true
}

// withExemplars returns m with the exemplars kept in ex, one per bucket.
func withExemplars(desc *prometheus.Desc, m prometheus.Metric, ex []atomic.Pointer[exemplarSlot]) prometheus.Metric {
	var list []prometheus.Exemplar
	for i := range ex {
		if e := ex[i].Load(); e != nil {
			if x, ok := e.read(); ok {
				list = append(list, x)
			}
		}
	}
	if len(list) == 0 {
		return m
	}
	return ConstMetric(desc)(prometheus.NewMetricWithExemplars(m, list...))
}
