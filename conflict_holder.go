package ginprom

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/prometheus/client_golang/prometheus"
)

// Who holds a name that a registration wanted, said for a message: which
// of ginprom's metrics, or a collector of someone else's.

// setupFix is what a setup panic about a registered name tells the user
// to do, and what kind of name it is about.
type setupFix struct {
	say string
	// defaults marks the names of the families that a Metrics makes
	// itself (the default metrics, and the families of the sessions,
	// messages and dependencies), which the user gave no one by one;
	// schema, that those are the names of a schema, which take no prefix.
	defaults, schema bool
	// schemaLabels marks a family whose labels the schema alone decides:
	// a dependency family, which takes no default labels.
	schemaLabels bool
}

// String returns what to do.
func (f setupFix) String() string { return f.say }

// sideFix is the fix of the session, message or dependency family fam of
// s: the default metrics' fix, which knows that the labels of the
// dependency families are the schema's alone.
func (s *requestSchema) sideFix(reg prometheus.Registerer, fam int) setupFix {
	fix := defaultsFix(reg, s.prefixed)
	fix.schemaLabels = fam == famDependencyUp || fam == famDependencyDuration
	return fix
}

// heldFix says what to do when a name of the default metrics is held by
// another metric than the default metrics of another Metrics.
const heldFix = "give that metric another name, or give this Metrics another registry with WithRegistry, " +
	"or other names with WithDefaultsPrefix"

// heldSchemaFix is heldFix under a schema, whose names take no prefix but
// are each the schema's to change.
const heldSchemaFix = "give that metric another name, or give this Metrics another registry with WithRegistry, " +
	"or give the schema's family another Name in WithSchema (a schema's names take no WithDefaultsPrefix)"

// heldFixFor returns what to do when a name is held by another metric:
// fix itself for a name the user gave, else heldFix, or heldSchemaFix
// under a schema.
func heldFixFor(fix setupFix) string {
	switch {
	case !fix.defaults:
		return fix.say
	case fix.schema:
		return heldSchemaFix
	}
	return heldFix
}

// byDefaults is what holder says of the default metrics of a Metrics.
const byDefaults = "the default metrics of a Metrics"

// holder names, for a message, which of ginprom's metrics c is; c is a
// collector that ginprom registered. Every type of collector that ginprom
// registers has its case.
func holder(c prometheus.Collector) string {
	switch c := c.(type) {
	case *counterFamily:
		return "a Counter decorator"
	case *gaugeFamily:
		return "a Gauge decorator"
	case *histogramFamily:
		return "a Histogram decorator"
	case *summaryFamily:
		return "a Summary decorator"
	case infoGauge:
		return "Info"
	case *aggregate.Sum, *aggregate.Gauge, *aggregate.Histogram:
		return "one of ginprom's session, message or dependency families"
	case *upCollector:
		return "the gauge of WatchDependency"
	case *aggregate.OverflowCounter:
		return "ginprom's counter of observations past the series budget (see WithSeriesLimit)"
	case *aggregate.Requests, *prometheus.CounterVec, prometheus.Gauge:
		// The request metrics, and the only collectors of client_golang's
		// that ginprom registers: the exceptions counter and the schema's
		// info metric (Info's gauge has its case above).
		return byDefaults
	case familyNote:
		return "a note that ginprom keeps for itself (names beginning with __ are reserved)"
	case claim:
		return fmt.Sprintf("ginprom, for a series of the %s %q", familyTypeNames[c.owner.typ], c.owner.name)
	}
	// A descProbe, which conflict registers for a moment, or a type
	// ginprom does not register.
	return fmt.Sprintf("a collector of type %T", c)
}

// registeredAs says, for a message about a decorator's name, what c, which
// reg holds, is: the kind of metric when ginprom's decorators or
// client_golang's vecs made it, as heldIn says otherwise.
func registeredAs(reg prometheus.Registerer, c prometheus.Collector) string {
	switch c.(type) {
	case *counterFamily, *prometheus.CounterVec:
		return "as a counter, another kind of metric"
	case *prometheus.GaugeVec:
		return "as a gauge, another kind of metric"
	case *histogramFamily, *prometheus.HistogramVec:
		return "as a histogram, another kind of metric"
	case *summaryFamily, *prometheus.SummaryVec:
		return "as a summary, another kind of metric"
	}
	// Not another kind for a Gauge decorator, Info or a family of
	// ginprom's: what clashes is the holder's name, which may be of the
	// same kind.
	return heldIn(reg, c)
}

// heldIn is heldBy for c, which reg holds. A collector that ginprom
// registered in reg is known from its notes there (see noteFamilies),
// whatever its type: the exceptions counter and the schema's info metric
// are client_golang's.
func heldIn(reg prometheus.Registerer, c prometheus.Collector) string {
	if notedBy(reg, c) {
		return "by " + holder(c) + ", which no other metric can share"
	}
	return heldBy(c)
}

// heldBy says, for a message, which collector holds a name that no other
// collector can share: which of ginprom's metrics c is, or its Go type
// when ginprom did not make it.
func heldBy(c prometheus.Collector) string {
	t := reflect.TypeOf(c)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if !strings.HasPrefix(t.PkgPath(), "github.com/gin-contrib/ginprom") {
		return fmt.Sprintf("by a collector ginprom did not make (%T)", c)
	}
	return "by " + holder(c) + ", which no other metric can share"
}
