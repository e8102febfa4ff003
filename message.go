package ginprom

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// MaxEvents bounds the event label of [Metrics.ObserveMessage]: the first
// MaxEvents distinct events get series of their own, and every later one is
// recorded under [Overflow].
const MaxEvents = 100

// ObserveMessage records one message of a long-lived session, such as a
// request received on a WebSocket and the reply sent to it, as Synse
// Server's per-event metrics do:
//
//	<prefix>_websocket_messages_total{event, result}           counter; result "ok", or "error" when err is not nil
//	<prefix>_websocket_message_duration_seconds{event}         histogram of elapsed, in DefaultBuckets
//	<prefix>_websocket_message_bytes_total{event, direction}   counter of inBytes (direction "in") and outBytes ("out")
//
// event names the kind of message ("request/read"); give it from a fixed
// set of names, not from what the client sends. It is bounded all the same:
// past [MaxEvents] distinct events, new ones are recorded as [Overflow], and
// each value is repaired and cut to [MaxValueLen] bytes (ending in
// [CutMark]), as label values taken from requests are.
// A negative elapsed or byte count counts as 0. The static labels of
// [WithDefaultLabels] are added, but for one named event, result or
// direction; label functions are not, as there is no request to call them
// with.
//
// ObserveMessage is safe for concurrent use and cheap: the series of an
// event are resolved once, and a call for a known event allocates nothing
// (but for an event longer than MaxValueLen, which is cut again each time).
// The metrics are registered by [New], with [WithoutDefaults] too; with
// WithEnabled(false) ObserveMessage does nothing.
func (m *Metrics) ObserveMessage(event string, elapsed time.Duration, inBytes, outBytes int, err error) {
	mm := m.messages
	if mm == nil {
		return
	}
	e := mm.event(event)
	if err != nil {
		e.failed.Inc()
	} else {
		e.ok.Inc()
	}
	e.duration.Observe(seconds(max(elapsed, 0)))
	if inBytes > 0 {
		e.in.Add(float64(inBytes))
	}
	if outBytes > 0 {
		e.out.Add(float64(outBytes))
	}
}

// messageMetrics are the collectors of ObserveMessage, and their children
// per event.
type messageMetrics struct {
	total    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	bytes    *prometheus.CounterVec
	values   []string // the static default labels' values, after the metric's own

	events   atomic.Pointer[map[string]*eventSeries] // replaced, never modified
	mu       sync.Mutex                              // serialises additions to events
	admitted int                                     // distinct events with series of their own
	overflow *eventSeries
}

// eventSeries are the children of one event.
type eventSeries struct {
	ok, failed prometheus.Counter
	duration   prometheus.Observer
	in, out    prometheus.Counter
}

func newMessageMetrics(m *Metrics, prefix string) *messageMetrics {
	var names []string
	mm := &messageMetrics{}
	for _, l := range ownLabels(m.labels, "event", "result", "direction") {
		if l.fn == nil {
			names = append(names, l.name)
			mm.values = append(mm.values, l.value)
		}
	}
	with := func(own ...string) []string { return append(own, names...) }
	name := prefixed(prefix, "websocket_messages_total")
	mm.total = register(m.reg, name, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: name, Help: "Total number of WebSocket messages handled, by event and result (ok or error).",
	}, with("event", "result")))
	name = prefixed(prefix, "websocket_message_duration_seconds")
	mm.duration = register(m.reg, name, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: name, Help: "Time taken to handle a WebSocket message, in seconds, by event.", Buckets: slices.Clone(DefaultBuckets),
	}, with("event")))
	name = prefixed(prefix, "websocket_message_bytes_total")
	mm.bytes = register(m.reg, name, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: name, Help: "Total bytes of WebSocket messages, by event and direction (in: received, out: sent).",
	}, with("event", "direction")))
	mm.events.Store(&map[string]*eventSeries{})
	return mm
}

// event returns the children of event, making them on first sight, or
// those of Overflow once MaxEvents events have their own.
func (mm *messageMetrics) event(event string) *eventSeries {
	if e := (*mm.events.Load())[event]; e != nil {
		return e
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	old := *mm.events.Load()
	if e := old[event]; e != nil {
		return e
	}
	value := clientValue(event)
	e := old[value]
	if e == nil {
		// An event spelled Overflow is the overflow it reads as.
		if value == Overflow || mm.admitted >= MaxEvents {
			// Not remembered: the keys stay bounded whatever is sent.
			if mm.overflow == nil {
				mm.overflow = mm.children(Overflow)
			}
			return mm.overflow
		}
		mm.admitted++
		e = mm.children(value)
	}
	events := make(map[string]*eventSeries, len(old)+2)
	for k, v := range old {
		events[k] = v
	}
	// The value, and the spelling that led to it if that is no longer
	// than a value may be, so that a repaired event is found without
	// repairing it again: at most two keys per admitted event, each of at
	// most MaxValueLen bytes or so, copied so that they keep no larger
	// string alive. A cut event is cut again at each call.
	events[strings.Clone(value)] = e
	if event != value && len(event) <= MaxValueLen {
		events[strings.Clone(event)] = e
	}
	mm.events.Store(&events)
	return e
}

func (mm *messageMetrics) children(event string) *eventSeries {
	lvs := func(own ...string) []string { return append(own, mm.values...) }
	return &eventSeries{
		ok:       mm.total.WithLabelValues(lvs(event, "ok")...),
		failed:   mm.total.WithLabelValues(lvs(event, "error")...),
		duration: mm.duration.WithLabelValues(lvs(event)...),
		in:       mm.bytes.WithLabelValues(lvs(event, "in")...),
		out:      mm.bytes.WithLabelValues(lvs(event, "out")...),
	}
}

// ownLabels returns the default labels without those named like one of
// own, the labels of one of ginprom's session or message metrics: those
// metrics keep their own.
func ownLabels(set labelSet, own ...string) labelSet {
	var out labelSet
	for _, l := range set {
		if !slices.Contains(own, l.name) {
			out = append(out, l)
		}
	}
	return out
}
