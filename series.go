package ginprom

import (
	"net/http"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/gin-gonic/gin"
)

// Finding the series of a request, once its chain has run: the route's
// series per status and variant when every label value is fixed per
// route, and otherwise the series of the request's group-by value and
// default label values, made canonical first (internal/canon).

// exceptionLVs returns the exceptions' label values for series s.
func exceptionLVs(d *defaultMetrics, s *aggregate.RequestSeries) []string {
	lvs := s.Labels()
	if d.byGroup {
		return lvs
	}
	return lvs[:len(lvs)-1]
}

// recordVarying records a request some of whose label values vary per
// request. If a label function calls runtime.Goexit, the request is still
// recorded, with PanicValue for the values of every label function; if the
// exemplar function does, the request is already recorded.
func (t *tracker) recordVarying(c *gin.Context, he *handlerEntry, p *pending, status int, panicked bool, o *aggregate.Observation) {
	if panicked {
		defer showPanicStatus(c)()
	}
	finished := false
	defer func() {
		if !finished && !p.observed && goexiting() {
			t.observeVarying(c, he, p, status, panicked, o, true)
		}
	}()
	rec := t.observeVarying(c, he, p, status, panicked, o, false)
	finished = true
	if rec != nil && !panicked {
		raiseLabelPanic(c, rec)
	}
}

// observeVarying records a request whose group-by value or default label
// values vary per request. With fixed default labels, the values before the
// group-by value are cached per route, method and status; otherwise they
// are gathered on the stack, in the order of the duration's labels, whose
// prefix is the counters'. With fallback, no label function runs: their
// values are PanicValue. It returns the panic of a label function, if any.
func (t *tracker) observeVarying(c *gin.Context, he *handlerEntry, p *pending, status int, panicked bool, o *aggregate.Observation, fallback bool) (rec any) {
	d := t.d
	var buf [maxInlineLabels]string
	var lvs []string // all label values, when gathered
	var pfx *aggregate.Prefix
	if d.fixedLabels {
		if pfx = he.prefix(status); pfx == nil {
			pfx = t.addPrefix(he, status)
		}
	} else {
		lvs = buf[:0]
		if n := 3 + len(d.labels); n > len(buf) {
			lvs = make([]string, 0, n)
		}
		lvs = append(lvs, canon.MethodNames[he.method], canon.StatusLabel(status))
		if fallback {
			for _, l := range d.labels {
				v := l.value
				if l.fn != nil {
					v = PanicValue
				}
				lvs = append(lvs, v)
			}
		} else {
			lvs, rec = appendValues(lvs, d.labels, c)
		}
	}
	group := he.label
	if he.matched {
		var r any
		switch d.groupBy.kind {
		case groupPath:
			// A 404 found no resource, whatever route took it (a
			// wildcard, r.Static): its path is the client's choice.
			if status != http.StatusNotFound {
				group = canon.Value(p.path)
			}
		case groupFunc:
			if fallback {
				group = PanicValue
			} else {
				group, r = canon.Call(d.groupBy.fn, c)
			}
		}
		if rec == nil {
			rec = r
		}
	}
	var s *aggregate.RequestSeries
	var over bool // the budget redirected the request to an overflow series
	if pfx != nil {
		if he.groups != nil {
			s = he.groups.Series(group, status, p.variant)
		}
		if s == nil {
			s, over = d.requests.LookupGroup(pfx, group, p.variant)
			if he.groups != nil && d.groupBy.kind == groupFunc && !fallback {
				he.groups.Add(s.Group(), status, p.variant, s)
			}
		}
	} else {
		lvs = append(lvs, group)
		s, over = d.requests.Lookup(lvs, p.variant)
	}
	i := d.requests.Observe(d.requests.Shard(p.key), s, o)
	if over {
		d.requests.Overflowed(d.requests.Shard(p.key), s)
	}
	p.observed = true
	if d.exemplars != nil && !fallback {
		if r := recordExemplar(d.exemplars, c, s, i, o.Seconds); rec == nil {
			rec = r
		}
	}
	if panicked && t.firstException(c) {
		if pfx != nil {
			lvs = append(append(buf[:0], pfx.Labels()...), group)
		}
		if over {
			lvs = d.requests.Overflow(lvs)
		}
		if !d.byGroup {
			lvs = lvs[:len(lvs)-1]
		}
		d.exceptions.WithLabelValues(lvs...).Inc()
		if over {
			d.requests.Exception(d.requests.Shard(p.key), s)
		}
	}
	return rec
}

// series returns the series for status and variant, or nil if it is not
// cached yet. A route sees few statuses and variants; a linear scan beats
// hashing.
func (he *handlerEntry) series(status int, variant uint32) *aggregate.RequestSeries {
	for _, e := range *he.list.Load() {
		if e.status == status && e.variant == variant {
			return e.series
		}
	}
	return nil
}

// prefix returns the label prefix for status, or nil if it is not cached
// yet.
func (he *handlerEntry) prefix(status int) *aggregate.Prefix {
	for _, e := range *he.list.Load() {
		if e.status == status {
			return e.prefix
		}
	}
	return nil
}

func (t *tracker) addSeries(he *handlerEntry, status int, variant uint32) *aggregate.RequestSeries {
	return t.addEntry(he, status, variant).series
}

func (t *tracker) addPrefix(he *handlerEntry, status int) *aggregate.Prefix {
	return t.addEntry(he, status, 0).prefix
}

func (t *tracker) addEntry(he *handlerEntry, status int, variant uint32) seriesEntry {
	he.mu.Lock()
	defer he.mu.Unlock()
	old := *he.list.Load()
	for _, e := range old {
		if e.status == status && e.variant == variant {
			return e
		}
	}
	lvs := append([]string{canon.MethodNames[he.method], canon.StatusLabel(status)}, t.d.values...)
	e := seriesEntry{status: status, variant: variant}
	if t.d.cached {
		// Values fixed per route: the budget never redirects them.
		e.series, _ = t.d.requests.Lookup(append(lvs, he.label), variant)
	} else {
		e.prefix = t.d.requests.Prefix(lvs)
	}
	list := append(append(make([]seriesEntry, 0, len(old)+1), old...), e)
	he.list.Store(&list)
	return e
}
