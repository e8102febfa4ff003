package aggregate

import (
	"slices"

	"github.com/gin-contrib/ginprom/internal/canon"
)

// The series budget of the request families. The duration's Limit admits
// the series that the families share (see [Requests.Lookup]); past it, an
// overflow series takes the requests that would have made new ones, and
// counts each of them, in the overflow counter, under every family whose
// exposed series it is: the duration, the sizes and the response bytes,
// and the request counter and the exceptions when their labels carry a
// value from the request.

// overflowSeries is what an overflow series counts per observation.
type overflowSeries struct {
	families  []*Limit // the families whose exposed series of it read Overflow
	exception *Limit   // the exceptions', when theirs read Overflow
}

func (o *overflowSeries) count(r Ref) {
	for _, l := range o.families {
		l.Overflowed(r, 1)
	}
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

// Exception counts, when s is an overflow series, one exception of s in
// the overflow counter, if the exceptions' labels carry a value from the
// request.
func (rc *Requests) Exception(r Ref, s *RequestSeries) {
	if s.overflow != nil && s.overflow.exception != nil {
		s.overflow.exception.Overflowed(r, 1)
	}
}
