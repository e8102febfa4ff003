package ginprom

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"
)

// InstrumentClient returns a RoundTripper that sends requests through next
// and times them in <prefix>_dependency_request_duration_seconds{name,
// method, status}, a histogram with the buckets of the default duration
// histogram (see [WithBuckets]). Use it as the Transport of the
// http.Client that calls the dependency:
//
//	client := &http.Client{Transport: m.InstrumentClient("billing", nil)}
//
// The time runs from the call of RoundTrip until next returns, that is
// until the response's headers have arrived; reading the body is not
// included. method is clamped as the middleware does (a standard method or
// OTHER; an empty method is GET, as net/http sends it), status is the
// response's status code (500 for a code outside 100 to 999, as the
// middleware records it). A transport error is recorded with status
// "error" and returned unchanged, with the response next returned. The URL
// never becomes a label: name stands for the dependency, whatever the
// requests' hosts and paths.
//
// Under [WithBigBrother] the histogram is the protocol's
// dependency_request_seconds{name, type, status, method, addr, isError,
// errorMessage}: type is "http", addr is name, isError is "true" or "false"
// by [WithErrorStatus] (a transport error is always one), and status is
// "0" for a transport error. errorMessage is "" for a response; for a
// transport error it is "timeout", "canceled" or "transport error", never
// the error's text, which holds the URL.
//
// A nil next means http.DefaultTransport, read per request as http.Client
// does. The series of a method and status are resolved once; after that a
// request costs no allocation beyond what next makes. The returned
// RoundTripper passes CloseIdleConnections on to next. The histogram has
// the series budget of [WithSeriesLimit]: past it, a new name, method and
// status go to its overflow series, where they read Overflow. InstrumentClient
// panics if name is empty or not valid UTF-8, and, saying what to fix, if
// the registry refuses the histogram or the overflow counter (another
// collector holds the name) or when another Metrics on the registry made
// the histogram with other buckets; it then keeps nothing, and once the
// cause is gone the next call registers what was refused.
func (m *Metrics) InstrumentClient(name string, next http.RoundTripper) http.RoundTripper {
	where := fmt.Sprintf("InstrumentClient(%q)", name)
	checkDependencyName(where, name)
	if isNil(next) {
		next = nil
	}
	if m.deps == nil {
		// New made no metrics: the requests go through untimed.
		if next == nil {
			return http.DefaultTransport
		}
		return next
	}
	return &clientTransport{next: next, name: name, deps: m.deps, fam: m.deps.requestFamily(where)}
}

// Outcomes of a request that got no response, kept where a status code
// would be.
const (
	outcomeError    = -1 - iota // any other transport error
	outcomeTimeout              // a deadline passed
	outcomeCanceled             // the request's context was cancelled
)

// clientTransport is one InstrumentClient: next, and a cache of the series
// of its name per method and outcome.
type clientTransport struct {
	next http.RoundTripper // nil: http.DefaultTransport
	name string
	deps *dependencies
	fam  *sideHistogram

	mu    sync.Mutex                                 // serialises additions to series
	cache [numMethods]atomic.Pointer[[]clientSeries] // replaced, never modified
}

// clientSeries is the series of one method and outcome: a status code, or
// one of the outcome constants.
type clientSeries struct {
	outcome int
	s       sideSeries
}

// RoundTrip implements http.RoundTripper.
func (t *clientTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	start := now()
	resp, err := next.RoundTrip(req)
	elapsed := seconds(now() - start)

	method := methodGet
	if req.Method != "" {
		method = methodIndex(req.Method)
	}
	var outcome int
	switch {
	case err != nil:
		outcome = transportOutcome(req.Context(), err)
	case resp == nil:
		outcome = outcomeError // a RoundTripper that breaks its contract
	default:
		outcome = clampStatus(resp.StatusCode)
	}
	t.fam.observe(uintptr(unsafe.Pointer(req)), t.series(method, outcome), elapsed) //nolint:gosec // G103: the request's address picks a shard; nothing is dereferenced.
	return resp, err
}

// CloseIdleConnections closes the idle connections of next, if it has a
// CloseIdleConnections method, as http.Client.CloseIdleConnections expects.
func (t *clientTransport) CloseIdleConnections() {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	if c, ok := next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// transportOutcome classifies a transport error without formatting it.
func transportOutcome(ctx context.Context, err error) int {
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return outcomeTimeout
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		return outcomeCanceled
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if te, ok := e.(interface{ Timeout() bool }); ok && te.Timeout() {
			return outcomeTimeout
		}
	}
	return outcomeError
}

// series returns the series of method and outcome, finding it on first
// sight. A client sees few statuses; a linear scan beats hashing.
func (t *clientTransport) series(method, outcome int) sideSeries {
	if list := t.cache[method].Load(); list != nil {
		for _, s := range *list {
			if s.outcome == outcome {
				return s.s
			}
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var old []clientSeries
	if list := t.cache[method].Load(); list != nil {
		old = *list
	}
	for _, s := range old {
		if s.outcome == outcome {
			return s.s
		}
	}
	s := t.fam.find(t.labelValues(method, outcome))
	list := append(append(make([]clientSeries, 0, len(old)+1), old...), clientSeries{outcome, s})
	t.cache[method].Store(&list)
	return s
}

// labelValues are the label values of a series, in the order of the
// histogram's labels.
func (t *clientTransport) labelValues(method, outcome int) []string {
	status, failed, message := "error", true, ""
	if outcome >= 0 {
		status, failed = statusLabel(outcome), false
	}
	if t.deps.protocol() {
		switch outcome {
		case outcomeError:
			status, message = "0", "transport error"
		case outcomeTimeout:
			status, message = "0", "timeout"
		case outcomeCanceled:
			status, message = "0", "canceled"
		default:
			failed = t.deps.schema.isError[outcome-100]
		}
	}
	return t.deps.schema.sideValues(famDependencyDuration, &sideInput{
		dependency: t.name, method: methodNames[method], status: status,
		isError: strconv.FormatBool(failed), message: message,
	}, nil)
}
