package canon

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The methods a request is recorded under. Any other method is recorded as
// Other, so a client cannot create series by inventing methods.
const (
	MethodGet = iota
	MethodHead
	MethodPost
	MethodPut
	MethodPatch
	MethodDelete
	MethodConnect
	MethodOptions
	MethodTrace
	MethodOther
	NumMethods
)

// MethodNames are the label values of the method indexes.
var MethodNames = [NumMethods]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace, "OTHER",
}

// Method clamps a request method to one of the standard methods, or
// MethodOther. Methods are case-sensitive: "get" is OTHER.
func Method(m string) int {
	switch m {
	case http.MethodGet:
		return MethodGet
	case http.MethodHead:
		return MethodHead
	case http.MethodPost:
		return MethodPost
	case http.MethodPut:
		return MethodPut
	case http.MethodPatch:
		return MethodPatch
	case http.MethodDelete:
		return MethodDelete
	case http.MethodConnect:
		return MethodConnect
	case http.MethodOptions:
		return MethodOptions
	case http.MethodTrace:
		return MethodTrace
	}
	return MethodOther
}

// statusDigits holds "100101102...999": the label value of status code n is
// the three bytes at (n-100)*3, a substring that costs no allocation.
var statusDigits = func() string {
	var b strings.Builder
	b.Grow(900 * 3)
	for n := 100; n < 1000; n++ {
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}()

// Status maps a status code to the range net/http can send, 100 to 999.
// Gin keeps whatever a handler passes to c.Status; net/http refuses to
// write a code outside that range and the client gets no response, which is
// recorded as 500.
func Status(code int) int {
	if code < 100 || code > 999 {
		return http.StatusInternalServerError
	}
	return code
}

// StatusLabel returns the decimal label value of a status code; a code
// outside 100 to 999 is clamped by Status first.
func StatusLabel(code int) string {
	i := (Status(code) - 100) * 3
	return statusDigits[i : i+3]
}

// StatusClientClosedRequest is the status recorded for a request whose
// client went away before it was answered: 499, as nginx and other proxies
// record it. No client ever receives it.
const StatusClientClosedRequest = 499

// ClientStatus returns the status code the client got, as far as the
// middleware can tell once the chain has returned, from the error of the
// request's context (err), the status the handlers wrote (written) and the
// writer they wrote it to (w, an http.ResponseWriter, looked at only when
// the deadline passed):
//
//   - 499 (StatusClientClosedRequest) when the context was canceled: the
//     client hung up (or reset its HTTP/2 stream) before the handler
//     returned, and net/http sends a response only then (or when the
//     handler flushes), so the client got none of it;
//   - 503 when the request ran under http.TimeoutHandler and its deadline
//     passed: the timeout handler answered 503 in its place;
//   - otherwise the status the handlers wrote, as Final gives it.
//
// answered says whether the client got what the handlers wrote: false for
// the first two.
func ClientStatus(err error, written int, w any) (status int, answered bool) {
	if err != nil {
		return unanswered(err, written, w)
	}
	return Final(written), true
}

// Plain reports whether ClientStatus(err, written, w) is (written, true),
// whatever w: the request's context is live and written is a final status
// in range. It is inlined: a caller that asks it first spares nearly every
// request the call to ClientStatus.
func Plain(err error, written int) bool {
	return err == nil && written >= 200 && written <= 999
}

// unanswered is ClientStatus for a request whose context has ended.
func unanswered(err error, written int, w any) (status int, answered bool) {
	final := Final(written)
	switch {
	case errors.Is(err, context.Canceled):
		status = StatusClientClosedRequest
	case errors.Is(err, context.DeadlineExceeded) && underTimeoutHandler(w):
		status = http.StatusServiceUnavailable
	default:
		return final, true
	}
	return status, status == final
}

// Final returns the status code the client got of the code the handlers
// wrote, clamped by Status: an informational 1xx code (other than 101
// Switching Protocols, which ends the exchange) is followed by the final
// response, which net/http sends as 200 since Gin writes no other code
// after it.
func Final(code int) int {
	code = Status(code)
	if code < 200 && code != http.StatusSwitchingProtocols {
		return http.StatusOK
	}
	return code
}

// underTimeoutHandler reports whether w writes, through the writers that
// wrap it, to the writer of http.TimeoutHandler.
func underTimeoutHandler(v any) bool {
	want := timeoutWriterType()
	w, _ := v.(http.ResponseWriter)
	for w != nil {
		if reflect.TypeOf(w) == want {
			return true
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return false
		}
		w = u.Unwrap()
	}
	return false
}

// timeoutWriterType is the type of the writer http.TimeoutHandler gives
// its handler, learned once by running one.
var timeoutWriterType = sync.OnceValue(func() reflect.Type {
	var t reflect.Type
	h := http.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t = reflect.TypeOf(w)
	}), time.Hour, "")
	h.ServeHTTP(discardWriter{}, &http.Request{})
	return t
})

// discardWriter is an http.ResponseWriter that keeps nothing.
type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}

// Outcome is what a request came to once its chain returned, every value
// canonical: what decides its series.
type Outcome struct {
	// Status is the status code the client got, and Answered whether it
	// got what the handlers wrote (see ClientStatus).
	Status   int
	Answered bool
	// Group is the group-by value.
	Group string
}

// Finish fills o with the outcome of a request whose chain returned, in
// one call: the status of ClientStatus(err, written, w), then the
// group-by value, the canonical form (Value) of fn(c). fn runs without a
// recover: a panic or a runtime.Goexit of fn goes on, for the caller to
// catch, with the status already in o.
func Finish[C any](o *Outcome, err error, written int, w any, fn func(C) string, c C) {
	if Plain(err, written) {
		o.Status, o.Answered = written, true
	} else {
		o.Status, o.Answered = ClientStatus(err, written, w)
	}
	o.Group = Value(fn(c))
}

// Value returns the canonical form of a label value taken from a request:
// s repaired (each run of invalid bytes becomes U+FFFD), then, if that is
// longer than MaxValueLen bytes, its longest prefix of whole runes that
// leaves room for CutMark, followed by CutMark. A valid value within the
// limit is returned as it is, without allocation; any other is copied into
// a new string of at most MaxValueLen bytes, so that the request's longer
// string is not retained, and the work stops once the copy is full.
func Value(s string) string {
	if len(s) <= MaxValueLen && utf8.ValidString(s) {
		return s
	}
	return bound(s, MaxValueLen, CutMark)
}

// Call runs fn, a function that gives a label's value for a request, on c
// and returns the canonical form of the value (Value). If fn panics, the
// value is PanicValue and the panic value is returned, for the caller to
// raise again once the request is recorded; a runtime.Goexit goes on.
func Call[C any](fn func(C) string, c C) (v string, rec any) {
	defer func() {
		if r := recover(); r != nil {
			v, rec = PanicValue, r
		}
	}()
	return Value(fn(c)), nil
}
