package ginprom

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/prometheus/client_golang/prometheus"
)

// A registry refuses a collector whose families clash with those already
// there, but its error names one descriptor and says "label names or help
// string" whatever differed. The messages below say instead, for each
// family, whether it is there as here, there otherwise, or not there, and
// which option of ginprom makes that difference.

// conflict explains why reg refused c, whose families are fs (named
// together as name), after err; fix says what to do.
func conflict(reg prometheus.Registerer, name string, fs []family, c prometheus.Collector, fix setupFix) string {
	what := fmt.Sprintf("metric %q", name)
	if len(fs) > 1 {
		what = "metrics " + name
	}
	var same, sameBy, other, absent, diffs []string
	hints := map[string]bool{}
	for _, d := range descsOf(c) {
		note, noted := notedDesc(reg, d)
		// A note outlives its collector when the user unregisters that
		// (Info's gauge, say): then it names no holder.
		noted = noted && stillRegistered(reg, note.by)
		if noted && isOverflowCounter(note.registered) {
			return fmt.Sprintf("ginprom: cannot register %s: %s is the name of ginprom's counter of observations past the series budget (see WithSeriesLimit), registered on this registry; %s", what, descName(d, fs), fix)
		}
		p := descProbe{d}
		err := reg.Register(p)
		if err == nil {
			reg.Unregister(p)
			absent = append(absent, descName(d, fs))
			continue
		}
		// The fix of the default metrics says that another Metrics made
		// the name: true only if its default metrics hold it.
		by := "a collector ginprom did not make"
		if noted {
			by = holder(note.by)
		}
		if fix.defaults && by != byDefaults && by != holder(c) {
			return fmt.Sprintf("ginprom: cannot register %s: %s is registered by %s; %s", what, descName(d, fs), by, heldFixFor(fix))
		}
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) || strings.Contains(err.Error(), "already exists with the same fully-qualified name") {
			same = append(same, descName(d, fs))
			if !slices.Contains(sameBy, by) {
				sameBy = append(sameBy, by)
			}
			continue
		}
		other = append(other, descName(d, fs))
		if noted {
			// The holder is said when it is another kind of metric.
			shown := by
			if shown == holder(c) {
				shown = ""
			}
			diff, hint := descDiff(descName(d, fs), note.registered, d.String(), shown)
			diffs, hints[hint] = append(diffs, diff), true
		}
	}
	var why []string
	switch {
	case len(diffs) > 0:
		var decide []string
		if !fix.defaults {
			// A decorator, Info, or a session, message or dependency
			// family: its own arguments decide.
			hints = map[string]bool{decoratorHint: hints[labelsHint], decoratorHelpHint: hints[helpHint]}
		} else if _, up := c.(*upCollector); up || fix.schemaLabels {
			// A dependency family of another Metrics.
			hints = map[string]bool{dependencyHint: hints[labelsHint], sideHelpHint: hints[helpHint]}
		} else if holder(c) != byDefaults {
			// A session or message family of another Metrics.
			hints = map[string]bool{sideHint: hints[labelsHint], sideHelpHint: hints[helpHint]}
		}
		for _, h := range []string{labelsHint, helpHint, decoratorHint, decoratorHelpHint, sideHint, dependencyHint, sideHelpHint} {
			if hints[h] {
				decide = append(decide, h)
			}
		}
		why = append(why, sentence(diffs)+" ("+strings.Join(decide, "; ")+")")
	case len(other) > 0:
		why = append(why, fmt.Sprintf("%s %s registered with other label names or another help text", sentence(other), isAre(other)))
	}
	if len(absent) > 0 && len(same)+len(other) > 0 {
		why = append(why, fmt.Sprintf("%s %s not registered beside them%s", sentence(absent), isAre(absent), signalOptions(absent)))
	}
	if len(other) == 0 && len(absent) == 0 {
		if !fix.defaults {
			why = append(why, fmt.Sprintf("%s %s registered alike, but by %s, which no other metric can share", sentence(same), isAre(same), sentence(sameBy)))
		} else {
			why = append(why, fmt.Sprintf("%s %s registered alike, but together with other metrics%s",
				sentence(same), isAre(same), signalOptions(nil)))
		}
	}
	if len(why) == 0 {
		// Every family is free: the registry refused c for a name of a
		// series, or for a reason of its own.
		return fmt.Sprintf("ginprom: cannot register %s: a metric of another kind is registered under one of the names its series take; %s", what, fix)
	}
	return fmt.Sprintf("ginprom: cannot register %s: %s; %s", what, strings.Join(why, "; "), fix)
}

// kindDiff names the options that differ between the request metrics that
// another Metrics registered (there) and those of this one (here), which
// therefore cannot share a collector.
func kindDiff(there, here aggregate.RequestKind) string {
	var diff []string
	add := func(differs bool, option string) {
		if differs {
			diff = append(diff, option)
		}
	}
	add(there.Summary != here.Summary, "WithLatencySummary")
	add(!slices.Equal(there.Bounds, here.Bounds) && !there.Summary && !here.Summary, "the buckets (WithBuckets, or the schema's Buckets)")
	add(!slices.Equal(there.SizeBounds, here.SizeBounds), "WithSizeBuckets")
	add(there.ReqSize != here.ReqSize, "WithRequestSize")
	add(there.RespSize != here.RespSize, "WithResponseSize")
	add(there.TotalsByGroup != here.TotalsByGroup, "WithTotalsByGroup")
	add(there.NativeFactor != here.NativeFactor, "WithNativeHistograms")
	add(there.Exemplars != here.Exemplars, "WithExemplars")
	add(there.InFlight != here.InFlight, "WithInFlight")
	add(there.Schema != here.Schema || there.Bytes != here.Bytes || there.InFlightSchemes != here.InFlightSchemes, "the schema")
	add(there.IsError != here.IsError, "WithErrorStatus")
	return sentence(diff)
}

// What decides the labels and the help text of ginprom's metrics.
const (
	labelsHint = "WithDefaultLabels, the group-by label of WithGroupBy or GroupByFunc, WithTotalsByGroup and the schema decide the labels"
	helpHint   = "WithLatencySummary and the schema decide the help text"
	// decoratorHint and decoratorHelpHint are for a metric that a
	// decorator or Info registers, or a family of the sessions, messages
	// or dependencies.
	decoratorHint     = "the labels given to the decorator, Info or the schema, and WithDefaultLabels, decide the labels"
	decoratorHelpHint = "the help given to the decorator, Info or the schema decides the help text"
	// sideHint and sideHelpHint are for a family of the sessions,
	// messages or dependencies that another Metrics registered;
	// dependencyHint is sideHint for the dependency families, which take
	// no default labels.
	sideHint       = "WithDefaultLabels and the schema decide the labels"
	dependencyHint = "the schema decides the labels of the dependency metrics, which take no WithDefaultLabels"
	sideHelpHint   = "the schema decides the help text"
)

// kindConflict is the message for the request metrics fs, which another
// Metrics registered with other options (there) than this one's (here).
func kindConflict(fs []family, there, here aggregate.RequestKind, fix setupFix) string {
	what, they := fmt.Sprintf("metric %q", fs[0].name), "it is already registered, and differs"
	if len(fs) > 1 {
		what, they = "metrics "+listNames(fs), "they are already registered, and differ"
	}
	diff := kindDiff(there, here)
	if diff == "" {
		diff = "their options"
	}
	return fmt.Sprintf("ginprom: cannot register %s: %s in %s; %s", what, they, diff, fix)
}

// isOverflowCounter reports whether the String form of a descriptor is
// that of the counter of observations past the series budget, whatever its
// prefix.
func isOverflowCounter(desc string) bool {
	m := descFQName.FindStringSubmatch(desc)
	return m != nil && (m[1] == overflowName(NoPrefix) || strings.HasSuffix(m[1], "_"+overflowName(NoPrefix))) &&
		strings.Contains(desc, "variableLabels: {metric}")
}

var (
	descFQName = regexp.MustCompile(`fqName: "([^"]*)"`)
	descHelp   = regexp.MustCompile(`help: ("(?:[^"\\]|\\.)*")`)
	descLabels = regexp.MustCompile(`variableLabels: \{([^}]*)\}`)
)

// descDiff says how the descriptor of the family name differs there (as
// registered, by the holder by unless that is "") and here (as this
// Metrics would register it), from their String forms, and the hint that
// names the options deciding it.
func descDiff(name, there, here, by string) (diff, hint string) {
	registered := "as registered"
	if by != "" {
		registered += " by " + by
	}
	part := func(re *regexp.Regexp, s string) string {
		if m := re.FindStringSubmatch(s); m != nil {
			return m[1]
		}
		return ""
	}
	// The label names, or with values, the constant labels (Info's, a
	// schema's info metric's) written name="value".
	labels := func(s string, values bool) string {
		var l []string
		if v := part(descLabels, s); v != "" {
			l = strings.Split(v, ",")
		}
		names, pairs := constLabels(s)
		if values {
			names = pairs
		}
		l = append(l, names...)
		slices.Sort(l)
		return "{" + strings.Join(l, ", ") + "}"
	}
	if lt, lh := labels(there, false), labels(here, false); lt != lh {
		return fmt.Sprintf("%s has the labels %s %s and %s in this Metrics", name, lt, registered, lh), labelsHint
	}
	if ht, hh := part(descHelp, there), part(descHelp, here); ht != hh {
		return fmt.Sprintf("%s has the help text %s %s and %s in this Metrics", name, ht, registered, hh), helpHint
	}
	// The same names and help: a label is constant on one side, or has
	// another constant value.
	return fmt.Sprintf("%s has the labels %s %s and %s in this Metrics", name, labels(there, true), registered, labels(here, true)), labelsHint
}

// constLabels returns the constant labels in the String form of a
// descriptor, where each is name="value", the value quoted as Go quotes
// it: their names, and each as written there.
func constLabels(desc string) (names, pairs []string) {
	const key = "constLabels: {"
	_, s, ok := strings.Cut(desc, key)
	for ok && s != "" && s[0] != '}' {
		var name string
		if name, s, ok = strings.Cut(s, "="); !ok {
			break
		}
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			break
		}
		names, pairs = append(names, name), append(pairs, name+"="+q)
		s = strings.TrimPrefix(s[len(q):], ",")
	}
	return names, pairs
}

// signalOptions names the options that add request metrics, for a message
// about metrics that one Metrics has and the other has not.
func signalOptions(absent []string) string {
	var opts []string
	for _, n := range absent {
		switch {
		case n == "response_size_bytes": // Big Brother's bytes counter
			opts = append(opts, "WithBigBrother")
		case strings.HasSuffix(n, "request_size_bytes") || strings.HasSuffix(n, "request_body_size_bytes"):
			opts = append(opts, "WithRequestSize")
		case strings.HasSuffix(n, "response_size_bytes") || strings.HasSuffix(n, "response_body_size_bytes"):
			opts = append(opts, "WithResponseSize")
		case strings.HasSuffix(n, "requests_in_flight") || n == "http_server_active_requests":
			opts = append(opts, "WithInFlight")
		}
	}
	if len(opts) == 0 {
		return ": the two differ in WithRequestSize, WithResponseSize, WithInFlight or the schema"
	}
	return ": the two differ in " + sentence(slices.Compact(opts))
}

// sentence joins words as "a", "a and b", "a, b and c".
func sentence(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func isAre(words []string) string {
	if len(words) == 1 {
		return "is"
	}
	return "are"
}

// descName returns the name of the family of fs that d describes.
func descName(d *prometheus.Desc, fs []family) string {
	s := d.String()
	for _, f := range fs {
		if strings.Contains(s, `fqName: "`+f.name+`"`) {
			return f.name
		}
	}
	return s
}

// descsOf returns what c describes, in order.
func descsOf(c prometheus.Collector) []*prometheus.Desc {
	ch := make(chan *prometheus.Desc)
	go func() {
		c.Describe(ch)
		close(ch)
	}()
	var ds []*prometheus.Desc
	for d := range ch {
		ds = append(ds, d)
	}
	return ds
}

// descProbe describes one descriptor and collects nothing: registered for
// a moment, it tells whether the registry holds that descriptor as it is,
// holds its name otherwise, or holds neither.
type descProbe struct{ d *prometheus.Desc }

func (p descProbe) Describe(ch chan<- *prometheus.Desc) { ch <- p.d }
func (descProbe) Collect(chan<- prometheus.Metric)      {}
