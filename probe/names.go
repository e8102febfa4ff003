package probe

import (
	"fmt"
	"strings"
)

// Names are the names under which a [Prober] made by [NewNamed] exposes its
// metrics and their labels, so that the dashboards and alerts written for
// another synthetic monitor keep working. Each field that is empty keeps
// its default, so the zero Names is the naming of [New]:
//
//	synthetic_request_duration_seconds{method, url, result}
//	synthetic_probe_success{method, url}
//	synthetic_last_success_timestamp_seconds{method, url}
//
// Only the names change: the types, help texts, buckets and label values
// ("success" and "failure" for the result) stay those of the package
// documentation.
//
// [NewNamed] panics if a name is not one that every Prometheus version
// accepts (a metric name matches [a-zA-Z_:][a-zA-Z0-9_:]*; a label name
// matches [a-zA-Z_][a-zA-Z0-9_]*, does not begin with "__" and is not
// "le", which the duration histogram keeps for its buckets), if two metrics
// share a name, or one is named like a series of the duration histogram
// (Duration with "_bucket", "_count", "_sum" or "_created" appended), or if
// two labels share a name.
type Names struct {
	// Duration is the name of the histogram of probe durations, by
	// method, url and result. Default:
	// "synthetic_request_duration_seconds".
	Duration string
	// Success is the name of the gauge of each target's last result, 1
	// or 0, by method and url. Default: "synthetic_probe_success".
	Success string
	// LastSuccess is the name of the gauge of the Unix time of each
	// target's last success, by method and url. Default:
	// "synthetic_last_success_timestamp_seconds".
	LastSuccess string

	// MethodLabel is the name of the label that holds a target's
	// method, on every metric. Default: "method".
	MethodLabel string
	// URLLabel is the name of the label that holds a target's URL, on
	// every metric. Default: "url".
	URLLabel string
	// ResultLabel is the name of the label that holds a probe's result,
	// "success" or "failure", on Duration. Default: "result".
	ResultLabel string
}

// DefaultNames returns the naming of [New], every field filled in, as a
// base to change a field of:
//
//	names := probe.DefaultNames()
//	names.Duration = "synthetic_request_duration"
func DefaultNames() Names {
	return Names{
		Duration:    "synthetic_request_duration_seconds",
		Success:     "synthetic_probe_success",
		LastSuccess: "synthetic_last_success_timestamp_seconds",
		MethodLabel: "method",
		URLLabel:    "url",
		ResultLabel: "result",
	}
}

// resolve returns n with its empty fields set to their defaults, and
// panics, naming the field and saying what to fix, if the names cannot
// be exposed together; fn is the constructor, for the messages.
func (n Names) resolve(fn string) Names {
	def := DefaultNames()
	for _, f := range []struct {
		field    *string
		fallback string
	}{
		{&n.Duration, def.Duration},
		{&n.Success, def.Success},
		{&n.LastSuccess, def.LastSuccess},
		{&n.MethodLabel, def.MethodLabel},
		{&n.URLLabel, def.URLLabel},
		{&n.ResultLabel, def.ResultLabel},
	} {
		if *f.field == "" {
			*f.field = f.fallback
		}
	}

	metrics := []struct{ field, name string }{
		{"Duration", n.Duration}, {"Success", n.Success}, {"LastSuccess", n.LastSuccess},
	}
	for _, m := range metrics {
		if !validMetricName(m.name) {
			panic(fmt.Sprintf("probe: %s: Names.%s %q is not a valid metric name; use ASCII letters, digits, '_' and ':', not beginning with a digit", fn, m.field, m.name))
		}
	}
	// The names each metric takes in an exposition: a gauge its own, the
	// histogram its own and those of its series.
	taken := map[string]string{}
	taken[n.Duration] = "Names.Duration"
	for _, suffix := range []string{"_bucket", "_count", "_sum", "_created"} {
		taken[n.Duration+suffix] = fmt.Sprintf("a series of the histogram Names.Duration %q", n.Duration)
	}
	for _, m := range metrics[1:] {
		if other, ok := taken[m.name]; ok {
			panic(fmt.Sprintf("probe: %s: Names.%s %q is taken by %s; give each metric a name of its own", fn, m.field, m.name, other))
		}
		taken[m.name] = "Names." + m.field
	}

	labels := []struct{ field, name string }{
		{"MethodLabel", n.MethodLabel}, {"URLLabel", n.URLLabel}, {"ResultLabel", n.ResultLabel},
	}
	seen := map[string]string{}
	for _, l := range labels {
		if !validLabelName(l.name) {
			panic(fmt.Sprintf("probe: %s: Names.%s %q is not a valid label name; use ASCII letters, digits and '_', not beginning with a digit or \"__\"", fn, l.field, l.name))
		}
		if l.name == "le" {
			panic(fmt.Sprintf("probe: %s: Names.%s is \"le\", the label of the duration histogram's buckets; choose another name", fn, l.field))
		}
		if other, ok := seen[l.name]; ok {
			panic(fmt.Sprintf("probe: %s: Names.%s and Names.%s are both %q; a series cannot have one label twice, so give each its own name", fn, other, l.field, l.name))
		}
		seen[l.name] = l.field
	}
	return n
}

// validMetricName reports whether s is a metric name every Prometheus
// version accepts: [a-zA-Z_:][a-zA-Z0-9_:]*.
func validMetricName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b == '_' || b == ':' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || i > 0 && '0' <= b && b <= '9') {
			return false
		}
	}
	return true
}

// validLabelName reports whether s is a label name every Prometheus version
// accepts, [a-zA-Z_][a-zA-Z0-9_]*, and not one reserved for internal use
// (beginning with "__").
func validLabelName(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b == '_' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || i > 0 && '0' <= b && b <= '9') {
			return false
		}
	}
	return true
}
