package aggregate

import (
	"slices"

	"github.com/gin-contrib/ginprom/internal/canon"
)

// The series budget of the request families. The duration's Limit admits
// the series that the families share (see [Requests.Lookup]); past it, an
// overflow series takes the requests that would have made new ones, and
// the caller counts each request the budget redirected there
// ([Requests.Overflowed], [Requests.Exception]), in the overflow counter,
// under every family whose exposed series it is: the duration, the sizes
// and the response bytes, and the request counter and the exceptions when
// their labels carry a value from the request. A request whose values read
// Overflow already finds the overflow series without the budget, and is
// not counted.
//
// The other families' Limits admit nothing; they name the families'
// series of the overflow counter. When the shared budget takes its last
// series, before anything overflows, the counter shows, at 0, the
// duration's series (that of the budget, also where the duration cannot
// overflow) and that of every other family that can count an overflow, as
// overflowOf finds them; so increase() sees each family's first overflow,
// and a family that never counts one (a request counter without the
// request's values) never shows.

// admit takes one series of the shared budget for the series of the label
// values lvs and variant, or reports that none is left. Taking the last
// exposes the overflow counter's series of each family that can count an
// overflow; rc.mu is held.
func (rc *Requests) admit(lvs []string, variant uint32) bool {
	ok, last := rc.budget.Duration.take()
	if last {
		// Which families show the request's values depends on the
		// schema's labels, not on the values, the method or the
		// variant: any series tells.
		o := rc.overflowOf(lvs, variant)
		for _, l := range o.families {
			l.expose()
		}
		o.exception.expose()
	}
	return ok
}

// overflowSeries is what an overflow series counts per observation.
type overflowSeries struct {
	families  []*Limit // the families whose exposed series of it read Overflow
	exception *Limit   // the exceptions', when theirs read Overflow
}

// Overflowed counts one request that the budget redirected to s (see
// [Requests.Lookup]) in the overflow counter, under each family whose
// exposed series of s reads Overflow; nothing if s is none.
func (rc *Requests) Overflowed(r Ref, s *RequestSeries) {
	if s.overflow == nil {
		return
	}
	for _, l := range s.overflow.families {
		l.Overflowed(r, 1)
	}
}

// isOverflow reports whether the label values lvs are those of an overflow
// series: some came from the request, and each of those reads
// canon.Overflow.
func (rc *Requests) isOverflow(lvs []string) bool {
	some := false
	for i, v := range lvs {
		if i >= 64 || rc.budget.FromRequest&(1<<i) != 0 {
			if v != canon.Overflow {
				return false
			}
			some = true
		}
	}
	return some
}

// probe is a label value that no request gives (canonical values are valid
// UTF-8): put where the request's values were, it shows which families
// expose them.
const probe = "\xff"

// overflowOf returns what the overflow series of the label values lvs
// counts; rc.mu is held.
func (rc *Requests) overflowOf(lvs []string, variant uint32) *overflowSeries {
	p, _ := rc.overflowed(slices.Clone(lvs), probe)
	method := canon.Method(p[0])
	b := &rc.budget
	o := &overflowSeries{}
	display := rc.exposer.Display(p, method, variant)
	if display == nil {
		display = p
	}
	if slices.Contains(display, probe) {
		o.families = appendLimits(o.families, b.Duration, b.ReqSize, b.RespSize, b.Bytes)
	}
	counted := rc.exposer.Counted(p, method, variant)
	if counted == nil {
		counted = rc.countLVs(p)
	}
	if slices.Contains(counted, probe) {
		o.families = appendLimits(o.families, b.Total)
	}
	if b.Exceptions != nil && slices.Contains(rc.exposer.Exception(rc.countLVs(p)), probe) {
		o.exception = b.Exceptions
	}
	return o
}

func appendLimits(to []*Limit, limits ...*Limit) []*Limit {
	for _, l := range limits {
		if l != nil {
			to = append(to, l)
		}
	}
	return to
}

// Overflow replaces, in the label values lvs of a request whose series is
// an overflow series, the values that came from the request by
// canon.Overflow, and returns lvs: the exceptions then count the request
// where its series does.
func (rc *Requests) Overflow(lvs []string) []string {
	lvs, _ = rc.overflowed(lvs, canon.Overflow)
	return lvs
}

// Exception counts one exception of a request that the budget redirected
// to s in the overflow counter, if s is an overflow series and the
// exceptions' labels carry a value from the request.
func (rc *Requests) Exception(r Ref, s *RequestSeries) {
	if s.overflow != nil && s.overflow.exception != nil {
		s.overflow.exception.Overflowed(r, 1)
	}
}
