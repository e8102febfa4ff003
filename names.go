package ginprom

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/prometheus/client_golang/prometheus"
)

// A family's name is not the only name it takes: a histogram "lat" exposes
// lat_bucket, lat_sum, lat_count and, in OpenMetrics, lat_created; a counter
// exposes <name>_created and, if its name does not end so, <name>_total. A
// family named like one of those series passes registration, since the
// registry compares family names only, yet fails every scrape once both
// have series ("collides with previously collected histogram"). So before
// ginprom registers a family, it claims the names of the family's series
// and checks its own name against the series of the families already
// there, in both directions:
//
//   - Each series name is registered in the registry as a descriptor of its
//     own, owned by a collector that describes it and never collects
//     anything (a claim). A metric of that name registered later, by any
//     Metrics or any other code, is then refused by the registry; one
//     registered earlier makes the claim fail. When the registry refuses a
//     ginprom family, ginprom looks for the claim in its way among those
//     the families that could expose its name would make (for lat_count: a
//     histogram or summary "lat"), to name that family in its message.
//   - A name that ends like a series (_count, _sum, _bucket, _created,
//     _total) is also checked against what the registry gathers at setup,
//     in both directions, which covers collectors that ginprom did not
//     make, once they have series.
//
// Building the same app twice on one registry claims the same names again,
// which the registry answers as already registered: nothing changes.

// familyType is what decides the series names of a family.
type familyType uint8

const (
	typeGauge familyType = iota // and untyped: the name alone
	typeCounter
	typeSummary
	typeHistogram
)

var familyTypeNames = [...]string{"gauge", "counter", "summary", "histogram"}

// family is one metric family that ginprom registers.
type family struct {
	name string
	typ  familyType
}

// listNames joins the names of fs as a sentence: "a", "a and b", "a, b
// and c".
func listNames(fs []family) string {
	var b strings.Builder
	for i, f := range fs {
		switch {
		case i == 0:
		case i == len(fs)-1:
			b.WriteString(" and ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(f.name)
	}
	return b.String()
}

// series returns the names of the series f exposes besides its own name,
// in the text format or in OpenMetrics.
func (f family) series() []string {
	switch f.typ {
	case typeCounter:
		base, ok := strings.CutSuffix(f.name, "_total")
		if !ok {
			return []string{f.name + "_total", f.name + "_created"}
		}
		return []string{base + "_created"}
	case typeSummary:
		return []string{f.name + "_sum", f.name + "_count", f.name + "_created"}
	case typeHistogram:
		return []string{f.name + "_bucket", f.name + "_sum", f.name + "_count", f.name + "_created"}
	}
	return nil
}

// owners returns the families whose series could be named name.
func owners(name string) []family {
	var out []family
	if base, ok := strings.CutSuffix(name, "_count"); ok {
		out = append(out, family{base, typeHistogram}, family{base, typeSummary})
	}
	if base, ok := strings.CutSuffix(name, "_sum"); ok {
		out = append(out, family{base, typeHistogram}, family{base, typeSummary})
	}
	if base, ok := strings.CutSuffix(name, "_bucket"); ok {
		out = append(out, family{base, typeHistogram})
	}
	if base, ok := strings.CutSuffix(name, "_created"); ok {
		out = append(out, family{base, typeHistogram}, family{base, typeSummary},
			family{base, typeCounter}, family{base + "_total", typeCounter})
	}
	if base, ok := strings.CutSuffix(name, "_total"); ok {
		out = append(out, family{base, typeCounter})
	}
	var valid []family
	for _, f := range out {
		if validMetricName(f.name) {
			valid = append(valid, f)
		}
	}
	return valid
}

// claim is a collector that describes one series name of a family, owner,
// and collects nothing: it keeps that name taken in the registry.
type claim struct {
	desc  *prometheus.Desc
	owner family
}

func newClaim(series string, owner family) claim {
	help := fmt.Sprintf("Reserved by ginprom: the %s series of %s %s.", series, familyTypeNames[owner.typ], owner.name)
	return claim{prometheus.NewDesc(series, help, nil, nil), owner}
}

// Describe implements prometheus.Collector.
func (c claim) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector; a claim has no metrics.
func (c claim) Collect(chan<- prometheus.Metric) {}

// claimNames claims the series names of the families fs in reg, before
// they are registered, and panics if a family would expose a series named
// like a metric already there, or like what the registry gathers. A refused
// call unregisters the claims it made; the registry still remembers their
// help texts, as it remembers those of every name it has seen, so a refused
// setup is best followed by a fresh registry, as every setup panic is.
func claimNames(reg prometheus.Registerer, fs ...family) {
	if g, ok := reg.(prometheus.Gatherer); ok && mayBeSeries(fs) {
		checkGathered(g, fs)
	}
	var made []claim
	var are prometheus.AlreadyRegisteredError
	for _, f := range fs {
		for _, s := range f.series() {
			c := newClaim(s, f)
			err := reg.Register(c)
			if err == nil {
				made = append(made, c)
				continue
			}
			if errors.As(err, &are) {
				continue // this family, claimed before
			}
			for _, c := range made {
				reg.Unregister(c)
			}
			// Another descriptor has that name: a metric of its own,
			// or the claim of another family.
			other := claimOwner(reg, s, f)
			if other.name == f.name {
				// A family of the same name and another type:
				// registering f reports that conflict.
				return
			}
			panic(collision(f, s, other))
		}
	}
}

// explainClaimed panics, naming both, if registering one of the families fs
// failed because another family claimed its name. Call it only once
// registering failed: then the names have descriptors, and the probes it
// registers are refused, leaving nothing behind, unless one is the claim
// itself, which the registry answers as already registered.
func explainClaimed(reg prometheus.Registerer, fs []family) {
	for _, f := range fs {
		if o := claimOwner(reg, f.name, f); o.name != f.name {
			panic(collision(f, f.name, o))
		}
	}
}

// claimOwner returns the family other than f whose claim of the series
// name is registered in reg, or a family of that name when there is none.
func claimOwner(reg prometheus.Registerer, series string, f family) family {
	var are prometheus.AlreadyRegisteredError
	for _, o := range owners(series) {
		if o == f {
			continue
		}
		c := newClaim(series, o)
		err := reg.Register(c)
		if err == nil {
			reg.Unregister(c)
		}
		if errors.As(err, &are) {
			return o
		}
	}
	return family{name: series}
}

// mayBeSeries reports whether the name of a family of fs ends like the
// series of another family. Only then does claimNames gather the registry:
// the claims of other families' series are in the registry whatever their
// type, but what the series of a collector ginprom did not make are named
// is known only from what it gathers. Gathering runs every collector of the
// registry, so it is done no more than needed.
func mayBeSeries(fs []family) bool {
	for _, f := range fs {
		if len(owners(f.name)) > 0 {
			return true
		}
	}
	return false
}

// checkGathered panics if what g gathers holds a family whose series the
// families fs would name, or one named like a series of fs. It sees only
// families that have series; claims see the others.
func checkGathered(g prometheus.Gatherer, fs []family) {
	mfs, _ := g.Gather() // what could be gathered; errors are the scrape's
	for _, mf := range mfs {
		other := family{name: mf.GetName()}
		switch mf.GetType().String() {
		case "COUNTER":
			other.typ = typeCounter
		case "SUMMARY":
			other.typ = typeSummary
		case "HISTOGRAM", "GAUGE_HISTOGRAM":
			other.typ = typeHistogram
		}
		for _, f := range fs {
			if f.name == other.name {
				continue // the registry compares these itself
			}
			for _, s := range other.series() {
				if s == f.name {
					panic(collision(f, s, other))
				}
			}
			for _, s := range f.series() {
				if s == other.name {
					panic(collision(f, s, other))
				}
			}
		}
	}
}

// collision is the message for family f, whose name or series is named s
// like the name or a series of other.
func collision(f family, s string, other family) string {
	var what string
	switch s {
	case f.name:
		what = fmt.Sprintf("the %s %q is named like the %s series of the %s %q", familyTypeNames[f.typ], f.name, s, familyTypeNames[other.typ], other.name)
	case other.name:
		what = fmt.Sprintf("the %s %q would expose a series %s, which is the name of a metric already registered", familyTypeNames[f.typ], f.name, s)
	default:
		what = fmt.Sprintf("the %s %q would expose a series %s, as the %s %q does", familyTypeNames[f.typ], f.name, s, familyTypeNames[other.typ], other.name)
	}
	return fmt.Sprintf("ginprom: %s on the same registry, and every scrape would fail once both have series: choose another name (under WithSchema, another Name for the schema's family; for the default metrics, another prefix with WithDefaultsPrefix)", what)
}

// familiesOf returns the families the collector c, registered as name,
// exposes, for the collectors ginprom makes with one family each; nil for
// the others, which their callers claim.
func familiesOf(name string, c prometheus.Collector) []family {
	switch c.(type) {
	case *prometheus.CounterVec, *counterFamily, *aggregate.OverflowCounter:
		return []family{{name, typeCounter}}
	case *summaryFamily:
		return []family{{name, typeSummary}}
	case *histogramFamily:
		return []family{{name, typeHistogram}}
	case *prometheus.GaugeVec, prometheus.Gauge, *gaugeFamily:
		return []family{{name, typeGauge}}
	}
	return nil
}
