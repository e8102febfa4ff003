package aggregate

import "sync/atomic"

// A Limit is the series budget of one family: at most max series, 0 for no
// limit. Only the creation of a series meets it (see [Index.Lookup]).
type Limit struct {
	max      int64
	made     atomic.Int64
	overflow *overflowed // this family's series of the overflow counter
}

// admit takes one series from the budget, or reports that none is left.
// Taking the last exposes the family's series of the overflow counter.
func (l *Limit) admit() bool {
	ok, _ := l.take()
	return ok
}

// take takes one series from the budget, or reports that none is left;
// last reports that it took the last one, which exposes the family's
// series of the overflow counter.
func (l *Limit) take() (ok, last bool) {
	if l == nil || l.max == 0 {
		return true, false
	}
	n := l.made.Add(1)
	if n == l.max {
		l.expose()
	}
	return n <= l.max, n == l.max
}

// expose makes the family's series of the overflow counter visible, at
// its count (0 before anything overflowed); nothing for a nil l or
// without an overflow counter.
func (l *Limit) expose() {
	if l != nil && l.overflow != nil {
		l.overflow.expose()
	}
}

// full reports whether the budget is spent.
func (l *Limit) full() bool { return l != nil && l.max > 0 && l.made.Load() >= l.max }
