package ginprom

import (
	"maps"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/gin-gonic/gin"
)

// Bounds of Big Brother's errorMessage label.
const (
	// MaxErrorMessageBytes is the length, in bytes, to which
	// [SetErrorMessage] cuts a message, after repairing its invalid UTF-8,
	// so that the exposed message is at most this long; the cut falls on a
	// character boundary.
	MaxErrorMessageBytes = canon.MaxMessageBytes
	// MaxErrorMessages is how many distinct messages one [Metrics] records
	// under [WithBigBrother]; later new ones are recorded as [Overflow].
	MaxErrorMessages = 100
)

// SetErrorMessage sets the errorMessage label of the request of c, under
// [WithBigBrother]: the request is recorded with msg as its errorMessage
// instead of "". Call it from a handler below the ginprom middleware, before
// the handler returns; a later call replaces an earlier one, and "" clears
// it. It is the only source of errorMessage: nothing a client sends (no
// header, no parameter) ever becomes its value, unless a handler passes it
// here.
//
// A message takes the form it is exposed with before it is recorded: invalid
// UTF-8 is repaired (each run of invalid bytes becomes U+FFFD), then the
// message is cut to at most [MaxErrorMessageBytes] bytes, between two
// characters. Messages that expose alike are one message, and a message
// spelled [Overflow] is recorded as the overflow it reads as. One Metrics records at most [MaxErrorMessages] distinct
// messages, first come first served; past that, a message not seen before
// is recorded as [Overflow]. A message already seen costs one lock-free map
// lookup and no allocation. Keep messages to a small fixed set, such as the
// kinds of error a handler reports, not error strings holding request data.
//
// SetErrorMessage does nothing when no Metrics with WithBigBrother records
// the request, or when c is nil. It reaches the ginprom middleware through
// c.Writer: a middleware placed between ginprom and the handler that
// replaces c.Writer with a writer of its own hides the request from it; put
// such middleware before ginprom.
func SetErrorMessage(c *gin.Context, msg string) {
	if c == nil {
		return
	}
	w := c.Writer
	for {
		mw, ok := w.(*messageWriter)
		if !ok {
			return
		}
		mw.id = mw.set.intern(msg)
		w = mw.ResponseWriter
	}
}

// messageWriter is c.Writer while a request passes a Big Brother
// middleware: the response writer it wraps, unchanged, and the index of the
// request's error message in set. It keeps the message out of c.Keys, whose
// map Gin would allocate per request. The middleware takes it from a pool
// and puts c.Writer back when the request is recorded.
type messageWriter struct {
	gin.ResponseWriter
	set *messageSet
	id  uint32
}

// The first two indexes of a messageSet.
const (
	messageNone     uint32 = iota // errorMessage=""
	messageOverflow               // errorMessage=Overflow
	messageFirst
)

// messageSet interns the error messages of one Metrics. Readers take no
// lock; a new message takes the mutex, once.
type messageSet struct {
	ids   atomic.Pointer[map[string]uint32] // exposed message -> index; replaced, never modified
	full  atomic.Bool                       // MaxErrorMessages are in ids
	mu    sync.Mutex                        // serialises additions
	names [messageFirst + MaxErrorMessages]string
	pool  sync.Pool // of *messageWriter
}

func newMessageSet() *messageSet {
	s := &messageSet{}
	s.names[messageOverflow] = Overflow
	s.ids.Store(&map[string]uint32{})
	s.pool.New = func() any { return &messageWriter{set: s} }
	return s
}

// intern returns the index of msg, adding it if there is room. A message
// is interned by its exposed form (canon.Message: repaired, then cut), so
// two messages that expose alike are one entry, and one that exposes as
// Overflow is the overflow entry. A message already in its exposed form,
// the usual case, is found with one lookup and no allocation.
func (s *messageSet) intern(msg string) uint32 {
	if msg == "" {
		return messageNone
	}
	if id, ok := (*s.ids.Load())[msg]; ok {
		return id
	}
	msg = canon.Message(msg)
	if msg == Overflow {
		return messageOverflow
	}
	if id, ok := (*s.ids.Load())[msg]; ok {
		return id
	}
	if s.full.Load() {
		return messageOverflow
	}
	return s.add(msg)
}

// add adds msg, in its exposed form, if there is room.
func (s *messageSet) add(msg string) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.ids.Load()
	if id, ok := old[msg]; ok {
		return id
	}
	if len(old) >= MaxErrorMessages {
		return messageOverflow
	}
	id := messageFirst + uint32(len(old)) //nolint:gosec // G115: len(old) < MaxErrorMessages.
	key := strings.Clone(msg)
	// The name is written before the map that leads to it is published.
	s.names[id] = key
	ids := maps.Clone(old)
	ids[key] = id
	s.ids.Store(&ids)
	s.full.Store(len(ids) >= MaxErrorMessages)
	return id
}

// name returns the label value of index id.
func (s *messageSet) name(id uint32) string {
	if s == nil {
		return ""
	}
	return s.names[id]
}

// wrap makes c.Writer a messageWriter for the request, and returns it.
func (s *messageSet) wrap(c *gin.Context) *messageWriter {
	mw := s.pool.Get().(*messageWriter)
	mw.ResponseWriter, mw.id = c.Writer, messageNone
	c.Writer = mw
	return mw
}

// unwrap puts back the writer that wrap replaced, and recycles mw.
func (s *messageSet) unwrap(c *gin.Context, mw *messageWriter) {
	c.Writer = mw.ResponseWriter
	mw.ResponseWriter = nil
	s.pool.Put(mw)
}
