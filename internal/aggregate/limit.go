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
func (l *Limit) admit() bool {
	if l == nil || l.max == 0 {
		return true
	}
	n := l.made.Add(1)
	if n == l.max && l.overflow != nil {
		l.overflow.expose()
	}
	return n <= l.max
}

// full reports whether the budget is spent.
func (l *Limit) full() bool { return l != nil && l.max > 0 && l.made.Load() >= l.max }
