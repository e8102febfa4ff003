package ginprom

import (
	"io"
	"net/http"
	"sync/atomic"

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
		return uint64(body.n.Load())
	}
	return uint64(max(contentLength, 0))
}

// responseSize returns the bytes of response body the client gets: 0 for
// HEAD, whose body net/http drops, and for a response with no body (where
// Gin's Size says -1); the body Gin writes itself after the chain for an
// unmatched request whose handlers wrote nothing.
func responseSize(c *gin.Context, matched bool) uint64 {
	if c.Request.Method == http.MethodHead {
		return 0
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
