package canon

import (
	"context"
	"runtime"
	"strings"
	"testing"
)

// TestFinish: one call gives the status the client got and the canonical
// group-by value; a function that panics or calls runtime.Goexit leaves
// the status already in the outcome, and its panic goes on.
func TestFinish(t *testing.T) {
	var o Outcome
	Finish(&o, nil, 102, nil, func(s string) string { return s + "\xff" }, "a")
	if o != (Outcome{Status: 200, Answered: true, Group: "a\uFFFD"}) {
		t.Fatalf("returned: %+v", o)
	}

	o = Outcome{}
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want boom", r)
			}
		}()
		Finish(&o, context.Canceled, 200, nil, func(string) string { panic("boom") }, "")
	}()
	if o != (Outcome{Status: StatusClientClosedRequest}) {
		t.Fatalf("panicked: %+v", o)
	}

	o = Outcome{}
	Finish(&o, nil, 201, nil, func(s string) string { return strings.Repeat(s, MaxValueLen+1) }, "x")
	if o.Status != 201 || len(o.Group) > MaxValueLen || !strings.HasSuffix(o.Group, CutMark) {
		t.Fatalf("long value: %+v", o)
	}

	o = Outcome{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Finish(&o, nil, 404, nil, func(string) string { runtime.Goexit(); return "" }, "")
	}()
	<-done
	if o != (Outcome{Status: 404, Answered: true}) {
		t.Fatalf("Goexit: %+v", o)
	}
}
