package ginprom

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
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
// WithEnabled(false) ObserveMessage does nothing. Each has the series
// budget of [WithSeriesLimit]: past it, new events go to its overflow
// series, whose event and result read Overflow.
func (m *Metrics) ObserveMessage(event string, elapsed time.Duration, inBytes, outBytes int, err error) {
	mm := m.messages
	if mm == nil {
		return
	}
	e := mm.event(event)
	key := stackKey()
	if err != nil {
		mm.total.add(key, e.failed, 1)
		mm.errors.add(key, e.errors, 1)
	} else {
		mm.total.add(key, e.ok, 1)
	}
	mm.duration.observe(key, e.duration, seconds(max(elapsed, 0)))
	if inBytes > 0 {
		mm.in.add(key, e.in, uint64(inBytes))
	}
	if outBytes > 0 {
		mm.out.add(key, e.out, uint64(outBytes))
	}
}

// stackKey names the calling goroutine to pick the shards it writes to, as
// the address of a *gin.Context does a request's: an address on its stack,
// which no other running goroutine shares.
//
//go:noinline
func stackKey() uintptr {
	var b byte
	return uintptr(unsafe.Pointer(&b)) //nolint:gosec // G103: only the address is read, as a number; nothing is dereferenced.
}

// messageMetrics are the families of ObserveMessage, in the engine, and
// their series per event.
type messageMetrics struct {
	schema   *requestSchema
	total    *sideSum
	errors   *sideSum
	duration *sideHistogram
	in, out  *sideSum
	values   []string // the static default labels' values, after the metric's own

	events   atomic.Pointer[map[string]*eventSeries] // replaced, never modified
	mu       sync.Mutex                              // serialises additions to events
	admitted int                                     // distinct events with series of their own
	overflow *eventSeries
}

// eventSeries are the series of one event.
type eventSeries struct {
	ok, failed, errors sideSeries
	duration           sideSeries
	in, out            sideSeries
}

func newMessageMetrics(m *Metrics, schema *requestSchema) *messageMetrics {
	var static labelSet
	mm := &messageMetrics{schema: schema}
	for _, l := range ownLabels(m.labels, schema.sideNames(famMessages, famMessageErrors, famMessageDuration, famMessageBytesIn, famMessageBytesOut)...) {
		if l.fn == nil {
			static = append(static, l)
			mm.values = append(mm.values, l.value)
		}
	}
	mm.total = schema.sideSum(m.reg, m.budget, famMessages, static)
	mm.errors = schema.sideSum(m.reg, m.budget, famMessageErrors, static)
	mm.duration = schema.sideHistogram(m.reg, m.budget, famMessageDuration, slices.Clone(DefaultBuckets), static)
	mm.in = schema.sideSum(m.reg, m.budget, famMessageBytesIn, static)
	mm.out = schema.sideSum(m.reg, m.budget, famMessageBytesOut, static)
	mm.events.Store(&map[string]*eventSeries{})
	return mm
}

// event returns the series of event, finding them on first sight, or
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
	lvs := func(fam int, result string) []string {
		return mm.schema.sideValues(fam, &sideInput{event: event, result: result}, mm.values)
	}
	return &eventSeries{
		ok:       mm.total.find(lvs(famMessages, "ok")),
		failed:   mm.total.find(lvs(famMessages, "error")),
		errors:   mm.errors.find(lvs(famMessageErrors, "error")),
		duration: mm.duration.find(lvs(famMessageDuration, "")),
		in:       mm.in.find(lvs(famMessageBytesIn, "")),
		out:      mm.out.find(lvs(famMessageBytesOut, "")),
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
