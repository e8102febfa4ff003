package canon

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestClientStatus checks the status the client got of each kind of end of
// a request; the root's tests check the same through a real router.
func TestClientStatus(t *testing.T) {
	// The writer http.TimeoutHandler hands its handler, caught in use.
	var timeoutWriter http.ResponseWriter
	h := http.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		timeoutWriter = w
	}), time.Hour, "")
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/", nil))

	for _, tc := range []struct {
		name     string
		err      error
		written  int
		w        any
		status   int
		answered bool
	}{
		{"written", nil, 404, nil, 404, true},
		{"informational", nil, 103, nil, 200, true},
		{"switching protocols", nil, 101, nil, 101, true},
		{"out of range", nil, 1000, nil, 500, true},
		{"client gone", context.Canceled, 200, nil, StatusClientClosedRequest, false},
		{"client gone, 499 written", context.Canceled, 499, nil, StatusClientClosedRequest, true},
		{"deadline, no timeout handler", context.DeadlineExceeded, 200, httptest.NewRecorder(), 200, true},
		{"deadline under the timeout handler", context.DeadlineExceeded, 200, timeoutWriter, 503, false},
	} {
		status, answered := ClientStatus(tc.err, tc.written, tc.w)
		if status != tc.status || answered != tc.answered {
			t.Errorf("%s: ClientStatus = %d, %v; want %d, %v", tc.name, status, answered, tc.status, tc.answered)
		}
	}
}

// TestPlain: Plain says so for every final status in range with a live
// context, and for no other, and wherever it says so ClientStatus gives the
// status written, answered.
func TestPlain(t *testing.T) {
	for _, err := range []error{nil, context.Canceled, context.DeadlineExceeded} {
		for written := -1; written <= 1001; written++ {
			plain := Plain(err, written)
			if want := err == nil && written >= 200 && written <= 999; plain != want {
				t.Fatalf("Plain(%v, %d) = %v, want %v", err, written, plain, want)
			}
			status, answered := ClientStatus(err, written, nil)
			if plain && (status != written || !answered) {
				t.Fatalf("Plain(%v, %d), but ClientStatus = %d, %v", err, written, status, answered)
			}
		}
	}
}
