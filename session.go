package ginprom

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/gin-gonic/gin"
)

// A request whose handler upgrades it to a WebSocket, or streams
// Server-Sent Events, lasts as long as its client stays: minutes or hours.
// In the request duration it would push every percentile towards the
// length of a session, so the default middleware records it apart, as a
// session:
//
//	<prefix>_http_sessions_open{kind, path}                  gauge
//	<prefix>_http_session_duration_seconds{kind, path}       histogram, DefaultSessionBuckets
//	<prefix>_http_session_bytes_total{kind, path, direction} counter
//
// kind is "websocket" or "sse", path the route template. A panic of a
// session's handler is counted in the exceptions metric (see
// sessionException). The middleware
// learns that a request is a session when it starts:
//
//   - a WebSocket when the handler hijacks the connection of a GET request
//     that c.IsWebsocket() reports as an upgrade (RFC 6455 upgrades GET
//     requests only). Only such requests get a wrapper around c.Writer (one
//     allocation per upgrade request).
//   - an SSE stream when the response header goes out with Content-Type
//     text/event-stream. The middleware sees it go out for requests that
//     announce a stream (Accept: text/event-stream, as EventSource sends)
//     and for every request of a route that has streamed before; any other
//     request is checked when its handler returns, is recorded as a session
//     then, and teaches the route.
//
// An ordinary request pays three header lookups for this (about 9 ns each
// on a request with a browser's headers), made by tracker.handle before the
// chain, and a look at the response header once it returns (streamed); it
// allocates nothing, and enters this file only if it may be, or was, a
// session.

// DefaultSessionBuckets are the upper bounds, in seconds, of
// <prefix>_http_session_duration_seconds: from 1 s to 1 h. Metrics copy
// them when they are made: changing DefaultSessionBuckets changes only the
// metrics made afterwards.
var DefaultSessionBuckets = []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600}

// Session kinds, the values of the kind label.
const (
	sessionNone = iota
	sessionWebSocket
	sessionSSE
)

var sessionKinds = [...]string{"", "websocket", "sse"}

// sessionMetrics are the families of sessions, in the engine.
type sessionMetrics struct {
	schema   *requestSchema
	open     *sideGauge
	duration *sideHistogram
	in, out  *sideSum
	labels   labelSet // WithDefaultLabels
}

func newSessionMetrics(m *Metrics, schema *requestSchema) *sessionMetrics {
	fams := []int{famSessionsOpen, famSessionDuration, famSessionBytesIn, famSessionBytesOut}
	sm := &sessionMetrics{schema: schema, labels: ownLabels(m.labels, schema.sideNames(fams...)...)}
	sm.open = schema.sideGauge(m.reg, m.budget, famSessionsOpen, sm.labels)
	sm.duration = schema.sideHistogram(m.reg, m.budget, famSessionDuration, slices.Clone(DefaultSessionBuckets), sm.labels)
	sm.in = schema.sideSum(m.reg, m.budget, famSessionBytesIn, sm.labels)
	sm.out = schema.sideSum(m.reg, m.budget, famSessionBytesOut, sm.labels)
	return sm
}

// session is one session of a request, from its start to its end: its
// series in each family, found once.
type session struct {
	sm                      *sessionMetrics
	key                     uintptr    // picks the shards it writes to
	open, duration, in, out sideSeries // in is unset for an event stream
	rec                     any        // the panic of a label function, raised once recorded
}

// begin counts a session of kind on the route of c as open.
func (sm *sessionMetrics) begin(c *gin.Context, kind int, route string) *session {
	var buf [maxInlineLabels]string
	defaults, rec := appendValues(buf[:0], sm.labels, c)
	in := &sideInput{kind: sessionKinds[kind], route: route}
	s := &session{sm: sm, key: contextKey(c), rec: rec}
	s.open = sm.open.find(sm.schema.sideValues(famSessionsOpen, in, defaults))
	s.duration = sm.duration.find(sm.schema.sideValues(famSessionDuration, in, defaults))
	// An event stream reads nothing from its client: it has no "in".
	s.out = sm.out.find(sm.schema.sideValues(famSessionBytesOut, in, defaults))
	if kind == sessionWebSocket {
		s.in = sm.in.find(sm.schema.sideValues(famSessionBytesIn, in, defaults))
	}
	sm.open.add(s.key, s.open, 1)
	return s
}

// finish records the end of s, started at start.
func (s *session) finish(start time.Duration) {
	s.sm.duration.observe(s.key, s.duration, seconds(now()-start))
	s.sm.open.add(s.key, s.open, -1)
}

// addIn counts n bytes read from the client of a WebSocket session.
func (s *session) addIn(n int) {
	s.sm.in.add(s.key, s.in, uint64(n)) //nolint:gosec // G115: n is a byte count, never negative.
}

// addOut counts n bytes written to the client.
func (s *session) addOut(n int) {
	s.sm.out.add(s.key, s.out, uint64(n)) //nolint:gosec // G115: n is a byte count, never negative.
}

// sessionWriter stands in for c.Writer on a request that may become a
// session, to see it become one: when the handler hijacks the connection of
// an upgrade request, or sends an event-stream header.
type sessionWriter struct {
	gin.ResponseWriter
	t         *tracker
	c         *gin.Context
	he        *handlerEntry
	start     time.Duration // the request's
	path      string        // the request's path under GroupByPath
	id        dispatchID
	sh        int  // the request's shard
	inflight  int  // the request's in-flight key (see aggregate.InFlight.Key)
	websocket bool // the request is an upgrade request
	headerOut bool // the header has gone out, or the connection was hijacked
	kind      int
	s         *session // nil until the session begins, and if it is not recorded
}

// watchSession replaces c.Writer with a sessionWriter, and returns it,
// for a request that may become a session: the session check before the
// chain (tracker.handle) found an upgrade request of a GET route
// (websocket), a request that announces an event stream, or a request of
// a route that has streamed. A request not watched is checked for an
// event stream once it returns (see streamed and lateSession).
func (t *tracker) watchSession(c *gin.Context, he *handlerEntry, p *pending, websocket bool) *sessionWriter {
	sw := &sessionWriter{ResponseWriter: c.Writer, t: t, c: c, he: he, start: p.start, path: p.routed(), id: p.id, sh: p.ref.Shard(), inflight: p.inflight, websocket: websocket}
	c.Writer = sw
	return sw
}

// begin starts a session of kind. The request leaves the in-flight gauge
// now, as it will never be recorded as a request. Marks that leave the
// request out of the default metrics leave the session out too.
func (sw *sessionWriter) begin(kind int) {
	sw.kind = kind
	sw.s = sw.t.beginSession(sw.c, sw.he, sw.id, sw.sh, sw.inflight, kind)
}

// beginSession starts a session of kind on the request's route; nil if
// marks leave the request out. The request leaves the in-flight gauge
// under the key it entered with (sh and inflight), which carries the url
// scheme when the gauge has one.
func (t *tracker) beginSession(c *gin.Context, he *handlerEntry, id dispatchID, sh, inflight, kind int) *session {
	m, d := t.m, t.d
	if d.inflight != nil {
		d.inflight.Abandon(sh, inflight)
	}
	if m.marksUsed() && m.marks(c, id)&(markNoDefaults|markNoMetrics) != 0 {
		return nil
	}
	return d.sessions.begin(c, kind, he.route)
}

// sending runs before anything that sends the header.
func (sw *sessionWriter) sending() {
	if sw.headerOut {
		return
	}
	sw.headerOut = true
	if sw.kind == sessionNone && !sw.Written() && isEventStream(sw.Header()) {
		sw.begin(sessionSSE)
	}
}

func (sw *sessionWriter) Write(b []byte) (int, error) {
	sw.sending()
	n, err := sw.ResponseWriter.Write(b)
	if sw.s != nil && n > 0 {
		sw.s.addOut(n)
	}
	return n, err
}

func (sw *sessionWriter) WriteString(s string) (int, error) {
	sw.sending()
	n, err := sw.ResponseWriter.WriteString(s)
	if sw.s != nil && n > 0 {
		sw.s.addOut(n)
	}
	return n, err
}

func (sw *sessionWriter) WriteHeaderNow() {
	sw.sending()
	sw.ResponseWriter.WriteHeaderNow()
}

func (sw *sessionWriter) Flush() {
	sw.sending()
	sw.ResponseWriter.Flush()
}

// Hijack hands over the connection. For an upgrade request, the session
// begins, and the connection handed over counts its bytes.
func (sw *sessionWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	// A library that sent its 101 response through Gin before hijacking
	// (coder/websocket) has nothing left to send but frames; one that
	// hijacks first (gorilla/websocket) writes its 101 on the connection.
	headSent := sw.Written()
	conn, brw, err := sw.ResponseWriter.Hijack()
	if err != nil || !sw.websocket || sw.kind != sessionNone {
		return conn, brw, err
	}
	sw.headerOut = true
	sw.begin(sessionWebSocket)
	// An outer dispatch of engine.HandleContext, whose writer the inner
	// one replaced, cannot see the hijack: it learns it from the request.
	sw.c.Request = sw.c.Request.WithContext(context.WithValue(sw.c.Request.Context(), hijackedKey{}, true))
	if sw.s == nil {
		return conn, brw, err
	}
	cc := &countingConn{Conn: conn, s: sw.s, head: !headSent}
	// Reads and writes through brw must be counted too: its reader keeps
	// what the client sent past the request, then reads from cc; its
	// writer, empty after a hijack, writes to cc.
	if n := brw.Reader.Buffered(); n > 0 {
		buffered, _ := brw.Peek(n)
		sw.s.addIn(n)
		brw.Reader.Reset(io.MultiReader(bytes.NewReader(bytes.Clone(buffered)), cc))
	} else {
		brw.Reader.Reset(cc)
	}
	brw.Writer.Reset(cc)
	return cc, brw, nil
}

// Unwrap returns the writer it stands in for, for http.ResponseController.
func (sw *sessionWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }

// endSession is the session check after the chain: it reports whether
// the request watched by sw (nil if it was not) was a session, recorded
// as one and to be left out of the request metrics (see end and
// lateSession). panicked says that the chain is unwinding.
func (t *tracker) endSession(c *gin.Context, he *handlerEntry, p *pending, sw *sessionWriter, panicked bool) bool {
	if sw != nil && sw.end(panicked) {
		return true
	}
	return t.lateSession(c, he, p, sw != nil && sw.websocket, panicked)
}

// end puts the original writer back when the handler has returned, and
// reports whether the request was a session: if so, it is recorded, and
// must be left out of the request metrics.
func (sw *sessionWriter) end(panicked bool) bool {
	if sw.c.Writer == sw {
		sw.c.Writer = sw.ResponseWriter
	}
	if sw.kind == sessionNone {
		return false
	}
	if s := sw.s; s != nil {
		s.finish(sw.start)
		if panicked {
			sw.t.sessionException(sw.c, sw.he, sw.kind, sw.path)
		} else if s.rec != nil {
			raiseLabelPanic(sw.c, s.rec)
		}
	}
	return true
}

// sessionException counts the panic of a session's handler in the
// exceptions metric, as a request's, once however many dispatches it
// unwinds through; runtime.Goexit and a label function's panic are not
// the handler's and are not counted. Its status is the one the client got
// when the session began, since nothing can be answered after it: 101 for
// a WebSocket, the stream's (200) for an event stream. With
// WithTotalsByGroup it carries the group-by value the request would have.
func (t *tracker) sessionException(c *gin.Context, he *handlerEntry, kind int, path string) {
	if goexiting() || labelPanicking(c) || !t.firstException(c) {
		return
	}
	d := t.d
	status := http.StatusSwitchingProtocols
	if kind == sessionSSE {
		status = canon.Final(c.Writer.Status())
	}
	lvs := make([]string, 0, 3+len(d.labels))
	lvs = append(lvs, methodNames[he.method], statusLabel(status))
	// A label function's panic gives way to the handler's.
	lvs, _ = appendValues(lvs, d.labels, c)
	if d.byGroup {
		group := he.label
		if he.matched {
			switch d.groupBy.kind {
			case groupPath:
				group = clientValue(path)
			case groupFunc:
				group, _ = callLabel(d.groupBy.fn, c)
			}
		}
		lvs = append(lvs, group)
	}
	d.exceptions.WithLabelValues(lvs...).Inc()
}

// routed returns the path Gin routed the request of p by, under
// GroupByPath: the value of its entry in the route's index when the path
// was there (p.path is then not looked for), else p.path.
func (p *pending) routed() string {
	if p.group != nil {
		return p.group.Value()
	}
	return p.path
}

// hijackedKey marks a request whose connection a dispatch took over as a
// WebSocket session.
type hijackedKey struct{}

// lateSession records a request that turned out, when its handler
// returned, or panicked, to have been a session without the middleware
// watching: it streamed events, or (for an upgrade request, ws) an inner
// dispatch of engine.HandleContext hijacked its connection. The session
// is recorded as ended, and a route that streamed is watched from now on.
// It reports whether the request was such a session.
func (t *tracker) lateSession(c *gin.Context, he *handlerEntry, p *pending, ws, panicked bool) bool {
	kind := sessionSSE
	switch {
	case ws && c.Request.Context().Value(hijackedKey{}) != nil:
		kind = sessionWebSocket
	case !c.Writer.Written() || !isEventStream(c.Writer.Header()):
		return false
	default:
		he.streams.Store(true)
	}
	s := t.beginSession(c, he, p.id, p.ref.Shard(), p.inflight, kind)
	if s == nil {
		return true
	}
	if n := c.Writer.Size(); n > 0 && kind == sessionSSE {
		s.addOut(n)
	}
	s.finish(p.start)
	if panicked {
		t.sessionException(c, he, kind, p.routed())
	} else if s.rec != nil {
		raiseLabelPanic(c, s.rec)
	}
	return true
}
