package ginprom

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// A Schema is compiled once, in New, into a plan per family: its exposed
// name, help and labels, and for each label the source of its value. The
// request path never asks which schema is in use: it keeps a series' values
// in one internal form (method, status, default labels, group-by value, and
// a variant), and the plans turn them into exposed values once per series.

// The families, as indexes into Schema.families and requestSchema.plans.
const (
	famDuration = iota
	famRequests
	famExceptions
	famRequestSize
	famResponseSize
	famResponseBytes
	famInFlight
	famInfo
	famSessionsOpen
	famSessionDuration
	famSessionBytesIn
	famSessionBytesOut
	famMessages
	famMessageErrors
	famMessageDuration
	famMessageBytesIn
	famMessageBytesOut
	famDependencyUp
	famDependencyDuration
	numFamilies
)

// familyTypes are the types of the families, by index.
var familyTypes = [numFamilies]familyType{
	typeHistogram, typeCounter, typeCounter, typeHistogram, typeHistogram,
	typeCounter, typeGauge, typeGauge,
	typeGauge, typeHistogram, typeCounter, typeCounter,
	typeCounter, typeCounter, typeHistogram, typeCounter, typeCounter,
	typeGauge, typeHistogram,
}

// familyHelp are ginprom's help texts, for a Family whose Help is empty.
var familyHelp = [numFamilies]string{
	"Duration of HTTP requests served by Gin, in seconds.",
	"Total number of HTTP requests served by Gin.",
	"Total number of HTTP requests whose handler panicked.",
	"Size of HTTP request bodies served by Gin, in bytes.",
	"Size of HTTP response bodies sent by Gin, in bytes.",
	"Total bytes of HTTP response bodies sent by Gin.",
	"Number of HTTP requests being served by Gin now.",
	"Information about the ginprom exporter; always 1.",
	"Number of WebSocket and Server-Sent Events sessions open, by kind and route.",
	"Duration of WebSocket and Server-Sent Events sessions, from the request to the handler's return, in seconds.",
	"Total bytes of WebSocket and Server-Sent Events sessions, by direction (in: read from a WebSocket's client, out: written to the client).",
	"Total bytes of WebSocket and Server-Sent Events sessions, by direction (in: read from a WebSocket's client, out: written to the client).",
	"Total number of WebSocket messages handled, by event and result (ok or error).",
	"Total number of WebSocket messages whose handling failed, by event.",
	"Time taken to handle a WebSocket message, in seconds, by event.",
	"Total bytes of WebSocket messages, by event and direction (in: received, out: sent).",
	"Total bytes of WebSocket messages, by event and direction (in: received, out: sent).",
	"Whether the dependency's last check succeeded: 1 if it returned no error, 0 if it failed, panicked or timed out.",
	"Duration of outgoing HTTP requests to a dependency, in seconds, until the response's headers arrived.",
}

// Which values each kind of family can have.
var (
	requestValues = []valueSource{
		srcConst, srcVersion, srcMethod, srcMethodOTel, srcStatus, srcRoute,
		srcRouteTemplate, srcIsError, srcErrorType, srcErrorMessage, srcScheme,
	}
	exceptionValues  = []valueSource{srcConst, srcVersion, srcMethod, srcMethodOTel, srcStatus, srcRoute, srcRouteTemplate, srcIsError, srcErrorType}
	inflightValues   = []valueSource{srcConst, srcVersion, srcMethod, srcMethodOTel, srcScheme}
	constValues      = []valueSource{srcConst, srcVersion}
	sessionValues    = []valueSource{srcConst, srcVersion, srcSessionKind, srcRoute}
	messageValues    = []valueSource{srcConst, srcVersion, srcEvent, srcResult}
	eventValues      = []valueSource{srcConst, srcVersion, srcEvent}
	dependencyValues = []valueSource{srcConst, srcVersion, srcDependency}
	clientValues     = []valueSource{srcConst, srcVersion, srcDependency, srcMethod, srcStatus, srcIsError, srcErrorMessage}
)

var familyValues = [numFamilies][]valueSource{
	requestValues, requestValues, exceptionValues, requestValues, requestValues,
	requestValues, inflightValues, constValues,
	sessionValues, sessionValues, sessionValues, sessionValues,
	messageValues, messageValues, eventValues, eventValues, eventValues,
	dependencyValues, clientValues,
}

// why says, for a setup message, why a family cannot have a value.
func why(fam int, v valueSource) string {
	switch {
	case fam == famInFlight && (v == srcStatus || v == srcIsError || v == srcErrorType || v == srcErrorMessage):
		return "the in-flight gauge rises before the status is known"
	case fam == famInFlight && (v == srcRoute || v == srcRouteTemplate):
		return "the in-flight gauge is kept by method and scheme"
	case fam == famExceptions && (v == srcScheme || v == srcErrorMessage):
		return "the exceptions are counted without the scheme or error message"
	case v == srcEvent || v == srcResult:
		return "only the messages of ObserveMessage have an event and a result"
	case v == srcSessionKind:
		return "only the session metrics have a session kind"
	case v == srcDependency:
		return "only the dependency metrics have a dependency"
	case fam == famInfo:
		return "the info metric is set once, at setup, outside any request"
	case fam >= famSessionsOpen && fam <= famSessionBytesOut:
		return "a session is told apart by its kind and route only"
	case fam >= famMessages && fam <= famMessageBytesOut:
		return "a message is told apart by its event and, for Messages and MessageErrors, its result only"
	case fam == famDependencyUp:
		return "a dependency's check is told apart by the dependency only"
	case fam == famDependencyDuration:
		return "a dependency's request is told apart by the dependency, method, status and error only"
	}
	return "that metric has no such value"
}

// plan is one family compiled: its exposed name, help and labels (those of
// the schema; the default labels follow them).
type plan struct {
	name, help string
	labels     []Label
}

func (p *plan) named() bool { return p.name != "" }

// names returns the label names, with extra (the default labels' names)
// after the schema's.
func (p *plan) names(extra ...string) []string {
	out := make([]string, 0, len(p.labels)+len(extra))
	for _, l := range p.labels {
		out = append(out, l.Name)
	}
	return append(out, extra...)
}

// uses reports whether a label of p takes its value from src.
func (p *plan) uses(src valueSource) bool {
	return slices.ContainsFunc(p.labels, func(l Label) bool { return l.Value.src == src })
}

// compileSchema checks s, given to WithSchema (or the default names of
// cfg's prefix), and returns its plans for cfg. It panics, saying what to
// fix, on a schema that cannot work.
func compileSchema(s *Schema, cfg *config) [numFamilies]plan {
	const where = "WithSchema"
	group, totalsByGroup := cfg.groupBy.label, cfg.signals.totalsByGroup
	var plans [numFamilies]plan
	fams := s.families()
	if fams[famDuration].Name == "" {
		panic("ginprom: WithSchema: Duration.Name is empty; every schema exposes the request duration: give Duration a Name")
	}
	for i, f := range fams {
		p := &plans[i]
		p.name, p.help = f.Name, f.Help
		if p.help == "" {
			p.help = familyHelp[i]
		}
		if f.Name == "" {
			continue
		}
		field := fmt.Sprintf("%s: %s", where, familyFields[i])
		if !validMetricName(f.Name) {
			panic(fmt.Sprintf("ginprom: %s.Name %q: not a valid metric name; use ASCII letters, digits, '_' and ':', not beginning with a digit", field, f.Name))
		}
		if f.Name == overflowName(cfg.prefix) {
			panic(fmt.Sprintf("ginprom: %s.Name %q: that is the name of ginprom's counter of observations past the series budget (see WithSeriesLimit); give %s another Name", field, f.Name, familyFields[i]))
		}
		if !utf8.ValidString(p.help) {
			panic(fmt.Sprintf("ginprom: %s.Help: not valid UTF-8; give UTF-8 text, or \"\" for ginprom's help text", field))
		}
		p.labels = slices.Clone(f.Labels)
		if p.labels == nil && (i == famRequestSize || i == famResponseSize || i == famResponseBytes) {
			p.labels = slices.Clone(fams[famDuration].Labels)
		}
		for j := range p.labels {
			l := &p.labels[j]
			if s.groupLabel && i <= famResponseBytes && l.Value.src == srcRoute {
				l.Name = group
			}
		}
		if totalsByGroup && (i == famRequests || i == famExceptions) && !p.uses(srcRoute) && !p.uses(srcRouteTemplate) {
			p.labels = append(p.labels, Label{group, Route})
		}
		for j, l := range p.labels {
			if !validLabelName(l.Name) {
				panic(fmt.Sprintf("ginprom: %s: label %q is not a valid label name; use ASCII letters, digits and '_', not beginning with a digit or \"__\"", field, l.Name))
			}
			if l.Name == "le" || l.Name == "quantile" {
				panic(fmt.Sprintf("ginprom: %s: label %q is reserved for histograms and summaries; choose another name", field, l.Name))
			}
			if slices.ContainsFunc(p.labels[:j], func(m Label) bool { return m.Name == l.Name }) {
				panic(fmt.Sprintf("ginprom: %s: label %q is given twice; a label name may appear once in a family", field, l.Name))
			}
			if l.Value.src == srcNone {
				panic(fmt.Sprintf("ginprom: %s: label %q has no Value; give one of ginprom's values (Method, Status, Route ...) or Const", field, l.Name))
			}
			if !slices.Contains(familyValues[i], l.Value.src) {
				panic(fmt.Sprintf("ginprom: %s: label %q cannot be %s: %s; remove it or give it another Value", field, l.Name, l.Value, why(i, l.Value.src)))
			}
			if l.Value.src == srcConst && !utf8.ValidString(l.Value.v) {
				panic(fmt.Sprintf("ginprom: %s: label %q: Const(%q) is not valid UTF-8; give a UTF-8 value", field, l.Name, l.Value.v))
			}
		}
	}
	checkShared(&plans, where)
	checkSeriesNames(&plans, cfg.summary)
	checkRequestPlans(&plans, where)
	return plans
}

// checkShared panics on families of one name whose types or label names
// differ, or that no Const value tells apart.
func checkShared(plans *[numFamilies]plan, where string) {
	for i := range plans {
		for j := range i {
			a, b := &plans[j], &plans[i]
			if !a.named() || a.name != b.name {
				continue
			}
			pair := fmt.Sprintf("ginprom: %s: %s and %s are both named %q", where, familyFields[j], familyFields[i], a.name)
			switch {
			case j <= famInfo:
				// The request metrics are one collector's; a session,
				// message or dependency family is another's.
				panic(fmt.Sprintf("%s; %s is a request metric, which shares its name with no other family: give one of them another Name", pair, familyFields[j]))
			case familyTypes[i] != familyTypes[j]:
				panic(fmt.Sprintf("%s, a %s and a %s; one name is one family, of one type: give one of them another Name", pair, familyTypeNames[familyTypes[j]], familyTypeNames[familyTypes[i]]))
			case !slices.Equal(a.names(), b.names()):
				panic(fmt.Sprintf("%s with other label names (%s and %s); one name is one family: give them the same labels, told apart by a Const value", pair, strings.Join(a.names(), ", "), strings.Join(b.names(), ", ")))
			}
			b.help = a.help // one family, one help text
			apart := false
			for k, l := range a.labels {
				if m := b.labels[k]; l.Value.src == srcConst && m.Value.src == srcConst && l.Value.v != m.Value.v {
					apart = true
				}
			}
			if !apart {
				panic(pair + " and no Const value tells their series apart; give both a label of Const values that differ (as direction \"in\" and \"out\")")
			}
		}
	}
}

// checkSeriesNames panics on a family named like a series of another
// (lat_count beside the histogram lat): the registry accepts both, and
// every scrape would fail once both have series. summary says that the
// duration is a summary, which has no _bucket series.
func checkSeriesNames(plans *[numFamilies]plan, summary bool) {
	for i := range plans {
		owner := &plans[i]
		if !owner.named() {
			continue
		}
		f := family{owner.name, familyTypes[i]}
		if i == famDuration && summary {
			f.typ = typeSummary
		}
		for _, series := range f.series() {
			for j := range plans {
				if plans[j].name == series {
					panic(fmt.Sprintf("ginprom: WithSchema: %s.Name %q is the name of a series of %s (the %s %q), and every scrape would fail once both have series; give %s another Name", familyFields[j], series, familyFields[i], familyTypeNames[f.typ], f.name, familyFields[j]))
				}
			}
		}
	}
}

// decidedBy are, for each value of the exceptions that differs between
// series, the values of which one on the duration or the request counter
// decides it; a Const and the version are not in it.
var decidedBy = map[valueSource][]valueSource{
	srcMethod:        {srcMethod, srcMethodOTel},
	srcMethodOTel:    {srcMethod, srcMethodOTel},
	srcStatus:        {srcStatus},
	srcIsError:       {srcStatus, srcIsError, srcErrorType},
	srcErrorType:     {srcStatus, srcErrorType},
	srcRoute:         {srcRoute, srcRouteTemplate},
	srcRouteTemplate: {srcRoute, srcRouteTemplate},
}

// checkRequestPlans panics on request families that the duration's series
// cannot serve: the sizes and response bytes share its series and so its
// labels, and the in-flight gauge needs its method and scheme.
func checkRequestPlans(plans *[numFamilies]plan, where string) {
	dur := &plans[famDuration]
	for _, i := range []int{famRequestSize, famResponseSize, famResponseBytes} {
		if p := &plans[i]; p.named() && !slices.Equal(p.labels, dur.labels) {
			panic(fmt.Sprintf("ginprom: %s: %s has other labels than Duration; the sizes and response bytes are kept with the duration's series: leave its Labels nil, or give Duration's", where, familyFields[i]))
		}
	}
	for _, src := range []valueSource{srcScheme, srcErrorMessage} {
		if dur.uses(src) {
			continue
		}
		for i := famRequests; i <= famInfo; i++ {
			if plans[i].uses(src) {
				panic(fmt.Sprintf("ginprom: %s: %s has %s but Duration has not; the request metrics are told apart by what the duration is: add it to Duration", where, familyFields[i], sourceNames[src]))
			}
		}
	}
	req := &plans[famRequests]
	decides := func(src valueSource) bool { return dur.uses(src) || req.named() && req.uses(src) }
	for _, l := range plans[famExceptions].labels {
		if by, varies := decidedBy[l.Value.src]; varies && !slices.ContainsFunc(by, decides) {
			panic(fmt.Sprintf("ginprom: %s: Exceptions has %s but neither Duration nor Requests has; the exceptions are told apart as their series are, so exceptions that both show alike would be counted as one: add it to Duration or Requests", where, sourceNames[l.Value.src]))
		}
	}
	if in := &plans[famInFlight]; in.named() && !dur.uses(srcMethod) && !dur.uses(srcMethodOTel) {
		panic(fmt.Sprintf("ginprom: %s: InFlight is named but Duration has no Method or MethodOTel label; the in-flight gauge is kept by the duration's method: add one, or leave InFlight unnamed", where))
	}
}

// checkSchema panics on a schema configuration that cannot work.
func (c *config) checkSchema() {
	if len(c.schemas) > 1 {
		panic(fmt.Sprintf("ginprom: WithSchema: a schema option (WithSchema, WithBigBrother or WithSemconv) is given %d times; give one: a schema fixes the names of the metrics", len(c.schemas)))
	}
	s := c.schema
	if s == nil {
		return
	}
	// The option given, and for a built-in schema, whose fields its user
	// cannot edit, the function that returns a copy of it.
	option, preset := c.schemas[0], ""
	switch option {
	case "WithBigBrother":
		preset = "BigBrotherSchema(version)"
	case "WithSemconv":
		preset = "SemconvSchema()"
	}
	if c.prefixGiven && preset != "" {
		panic(fmt.Sprintf("ginprom: %s with WithDefaultsPrefix(%q): the names of %s take no prefix; remove WithDefaultsPrefix", option, c.prefix, option))
	}
	if c.prefixGiven {
		panic(fmt.Sprintf("ginprom: WithSchema with WithDefaultsPrefix(%q): a schema's families have the names it gives them; remove WithDefaultsPrefix (DefaultSchema takes a prefix)", c.prefix))
	}
	if s.needsVersion && s.version == "" {
		panic("ginprom: WithBigBrother(\"\") or BigBrotherSchema(\"\"): the version is empty; give the application's version, which application_info{version} exposes")
	}
	for _, o := range []struct {
		on          bool
		option, fam string
		name        string
	}{
		{c.signals.reqSize, "WithRequestSize", "RequestSize", s.RequestSize.Name},
		{c.signals.respSize, "WithResponseSize", "ResponseSize", s.ResponseSize.Name},
		{c.signals.inflight, "WithInFlight", "InFlight", s.InFlight.Name},
	} {
		if o.on && o.name == "" && preset != "" {
			panic(fmt.Sprintf("ginprom: %s with %s: the schema of %s has no %s family, so %s is not supported with it; remove %s, or pass WithSchema a copy of %s whose %s has a Name", option, o.option, option, o.fam, o.option, o.option, preset, o.fam))
		}
		if o.on && o.name == "" {
			panic(fmt.Sprintf("ginprom: WithSchema with %s: the schema's %s has no Name, so %s would add nothing; remove %s, or give %s a Name (in a Schema of your own, for a preset's)", o.option, o.fam, o.option, o.option, o.fam))
		}
	}
	if c.groupBy.kind == groupRoute {
		return
	}
	for i, f := range s.families() {
		for _, l := range f.Labels {
			if l.Value.src == srcRouteTemplate && preset != "" {
				panic(fmt.Sprintf("ginprom: %s with WithGroupBy(%s): the label %q of %s holds the matched route template only, never a path, handler or other value, so %s supports no other group-by; remove WithGroupBy, or use GroupByRoute", option, c.groupBy.name(), l.Name, f.Name, option))
			}
			if l.Value.src == srcRouteTemplate {
				panic(fmt.Sprintf("ginprom: WithSchema with WithGroupBy(%s): %s's label %q holds the matched route template only, never a path, handler or other value; use GroupByRoute, or remove WithGroupBy", c.groupBy.name(), familyFields[i], l.Name))
			}
		}
	}
}

// overflowName returns the name of the counter of the observations that
// went to overflow series (see [WithSeriesLimit]), under prefix: no
// family of a schema may take it.
func overflowName(prefix string) string { return prefixed(prefix, "series_overflow_total") }
