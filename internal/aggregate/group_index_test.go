package aggregate

import "testing"

// TestGroupIndexFind: Find gives a value's entry and its series as they
// are at that moment; a series added later is found by Series, not in the
// list Find gave, and a value never added has neither.
func TestGroupIndexFind(t *testing.T) {
	gi := NewGroupIndex()
	ok, notFound := &RequestSeries{}, &RequestSeries{}
	gi.Add("/users/1", 200, 0, ok)

	e, list := gi.Find("/users/1")
	if e == nil || e.Value() != "/users/1" || len(list) != 1 || list[0] != (GroupSeries{Status: 200, Series: ok}) {
		t.Fatalf("Find: %v %+v", e, list)
	}
	gi.Add("/users/1", 404, 0, notFound)
	if len(list) != 1 {
		t.Fatalf("the list Find gave changed: %+v", list)
	}
	if got := gi.Series("/users/1", 404, 0); got != notFound {
		t.Fatalf("Series(404) = %p, want %p", got, notFound)
	}
	if got := gi.Series("/users/1", 200, 1); got != nil {
		t.Fatalf("Series(200, variant 1) = %p, want nil", got)
	}
	if e, list := gi.Find("/users/2"); e != nil || list != nil {
		t.Fatalf("Find of an absent value: %v %+v", e, list)
	}
}
