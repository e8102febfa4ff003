package ginprom

import (
	"io"
	"net/http"
	"reflect"
	"sync/atomic"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/gin-gonic/gin"
)

// The bodies Gin writes itself, after the middleware has returned, for a
// request that matched no route and whose handlers wrote nothing: see
// gin's serveError.
const (
	gin404Body = len("404 page not found")
	gin405Body = len("405 method not allowed")
)

// countingBody counts the bytes read from a request body whose length the
// client did not send. It passes them on unbuffered.
type countingBody struct {
	io.ReadCloser
	n atomic.Int64 // read, maybe from a goroutine of the handler's
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// countBody wraps the body of req in a countingBody if the client sent no
// Content-Length, and returns it; otherwise, and for a request without a
// body, it returns nil and leaves req alone, so that the usual request
// costs nothing.
func countBody(req *http.Request) *countingBody {
	if req.ContentLength >= 0 || req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	b := &countingBody{ReadCloser: req.Body}
	req.Body = b
	return b
}

// requestSize returns the size of the request body: its Content-Length
// when the client sent one (contentLength >= 0), otherwise what the
// handlers read from it through body.
func requestSize(contentLength int64, body *countingBody) uint64 {
	if body != nil {
		return uint64(body.n.Load()) //nolint:gosec // G115: a count of bytes read is never negative.
	}
	return uint64(max(contentLength, 0))
}

// responseSize returns the bytes of response body the client gets: 0 for
// HEAD, whose body net/http drops, for a response with no body (where
// Gin's Size says -1) and for a request whose client got nothing of what
// the handlers wrote (answered is false, see canon.ClientStatus);
// the body Gin writes itself after the chain for an unmatched request whose
// handlers wrote nothing. With a writer that another middleware put in
// place before ginprom's (bc not nil), it is the body bytes the handlers
// wrote, counted by bc: that writer may transform them (gzip) and finish
// only after ginprom has returned, so what it has sent by then is a
// fragment.
func responseSize(c *gin.Context, method int, matched, answered bool, bc *bodyCounter) uint64 {
	if method == methodHead || !answered {
		return 0
	}
	if bc != nil {
		return bc.size()
	}
	w := c.Writer
	if !matched && !w.Written() {
		switch w.Status() {
		case http.StatusNotFound:
			return uint64(gin404Body)
		case http.StatusMethodNotAllowed:
			return uint64(gin405Body)
		}
	}
	return uint64(max(w.Size(), 0))
}

// ginWriterType is the type of the writer Gin gives every request.
var ginWriterType = reflect.TypeOf(gin.CreateTestContextOnly(nil, &gin.Engine{}).Writer)

// bodyCounter stands in for c.Writer when a middleware before ginprom's
// has replaced Gin's writer, and counts the body bytes the handlers write
// through it.
type bodyCounter struct {
	gin.ResponseWriter
	n atomic.Int64 // written, maybe from a goroutine of the handler's
}

// countResponse puts a bodyCounter in place of c.Writer if another
// middleware has replaced Gin's writer, and returns it; otherwise it
// returns nil and costs nothing. The writers of ginprom's own middlewares
// (an outer dispatch's, another Metrics') pass the bytes on unchanged and
// are looked through; a bodyCounter among them is shared.
func countResponse(c *gin.Context) *bodyCounter {
	w := c.Writer
	for {
		switch x := w.(type) {
		case *messageWriter:
			w = x.ResponseWriter
			continue
		case *sessionWriter:
			w = x.ResponseWriter
			continue
		case *bodyCounter:
			return x
		}
		if reflect.TypeOf(w) == ginWriterType {
			return nil
		}
		bc := &bodyCounter{ResponseWriter: c.Writer}
		c.Writer = bc
		return bc
	}
}

// panicResponseSize is the response size of a request whose handler
// panicked: what the handlers wrote.
func panicResponseSize(c *gin.Context, bc *bodyCounter) uint64 {
	if bc != nil {
		return bc.size()
	}
	return uint64(max(c.Writer.Size(), 0))
}

func (bc *bodyCounter) size() uint64 {
	return uint64(max(bc.n.Load(), 0))
}

// remove takes bc out of the chain when the middleware is done, if it is
// still c.Writer.
func (bc *bodyCounter) remove(c *gin.Context) {
	if bc != nil && c.Writer == bc {
		c.Writer = bc.ResponseWriter
	}
}

func (bc *bodyCounter) Write(b []byte) (int, error) {
	n, err := bc.ResponseWriter.Write(b)
	bc.n.Add(int64(n))
	return n, err
}

func (bc *bodyCounter) WriteString(s string) (int, error) {
	n, err := bc.ResponseWriter.WriteString(s)
	bc.n.Add(int64(n))
	return n, err
}

// Unwrap returns the writer it stands in for, for http.ResponseController.
func (bc *bodyCounter) Unwrap() http.ResponseWriter { return bc.ResponseWriter }

// StatusClientClosedRequest is the status recorded for a request whose
// client went away before it was answered: 499, which nginx and other
// proxies record for a client that closed its connection first. No client
// ever receives it. The status a request is recorded with is the one its
// client got, as far as the middleware can tell once the chain has
// returned: 499 when the request's context was canceled (the client hung
// up, or reset its HTTP/2 stream, before the handler returned, so it got
// nothing); 503 when the request ran under http.TimeoutHandler and its
// deadline passed (the timeout handler answered in its place); otherwise
// the status the handlers wrote. internal/canon decides it (ClientStatus).
const StatusClientClosedRequest = canon.StatusClientClosedRequest

// sizes puts the request's sizes in o, when they are on: answered says
// whether the client got what the handlers wrote (see canon.ClientStatus).
func (t *tracker) sizes(c *gin.Context, he *handlerEntry, p *pending, panicked, answered bool, o *aggregate.Observation) {
	d := t.d
	if d.reqSize {
		o.ReqSize = requestSize(p.contentLength, p.body)
	}
	if d.respSize {
		if panicked {
			o.RespSize = panicResponseSize(c, p.written)
		} else {
			o.RespSize = responseSize(c, he.method, he.matched, answered, p.written)
		}
	}
}
