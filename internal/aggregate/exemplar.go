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
// A request writes the slot under a tiny lock. One that finds another
// request writing the same bucket at the same instant drops its exemplar
// rather than wait (either is the latest); one that finds a scrape copying
// the slot waits for it, which copies a few strings, so that the latest
// exemplar is the one kept. A scrape waits for a writer likewise.
type exemplarSlot struct {
	lock  atomic.Uint32 // slotFree, slotWriting or slotReading
	value float64
	ts    time.Time
	pairs []string // name, value, name, value...
}

// The states of an exemplar slot's lock.
const (
	slotFree uint32 = iota
	slotWriting
	slotReading
)

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
// It is inlined, so that a request without an exemplar (no labels) costs
// no call.
func (s *RequestSeries) Exemplar(i int, labels prometheus.Labels, v float64) {
	if len(labels) != 0 {
		s.exemplar(i, labels, v)
	}
}

// exemplar is Exemplar for labels that are not empty.
func (s *RequestSeries) exemplar(i int, labels prometheus.Labels, v float64) {
	if s.extra == nil || s.extra.ex == nil || !validExemplar(labels) {
		return
	}
	p := &s.extra.ex[i]
	e := p.Load()
	if e == nil {
		e = newExemplarSlot(p)
	}
	for !e.lock.CompareAndSwap(slotFree, slotWriting) {
		if e.lock.Load() == slotWriting {
			return // another request's exemplar, of the same instant
		}
		runtime.Gosched() // a scrape is copying a few strings
	}
	e.pairs = e.pairs[:0]
	for name, value := range labels {
		e.pairs = append(e.pairs, name, value)
	}
	e.value, e.ts = v, time.Now()
	e.lock.Store(slotFree)
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
// false while it holds none. pairs is scratch space, which it returns.
func (e *exemplarSlot) read(pairs []string) (_ prometheus.Exemplar, _ []string, ok bool) {
	for !e.lock.CompareAndSwap(slotFree, slotReading) {
		runtime.Gosched() // a writer is copying a few strings
	}
	pairs = append(pairs[:0], e.pairs...)
	value, ts := e.value, e.ts
	e.lock.Store(slotFree)
	if len(pairs) == 0 {
		return prometheus.Exemplar{}, pairs, false
	}
	labels := make(prometheus.Labels, len(pairs)/2)
	for j := 0; j < len(pairs); j += 2 {
		labels[pairs[j]] = pairs[j+1]
	}
	return prometheus.Exemplar{Value: value, Labels: labels, Timestamp: ts}, pairs, true
}

// withExemplars returns m with the exemplars kept in ex, one per bucket.
func withExemplars(desc *prometheus.Desc, m prometheus.Metric, ex []atomic.Pointer[exemplarSlot]) prometheus.Metric {
	var list []prometheus.Exemplar
	var pairs []string
	for i := range ex {
		if e := ex[i].Load(); e != nil {
			var x prometheus.Exemplar
			var ok bool
			if x, pairs, ok = e.read(pairs); ok {
				list = append(list, x)
			}
		}
	}
	if len(list) == 0 {
		return m
	}
	return ConstMetric(desc)(prometheus.NewMetricWithExemplars(m, list...))
}
