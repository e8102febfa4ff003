package ginprom

import (
	"errors"
	"reflect"

	"github.com/prometheus/client_golang/prometheus"
)

// noteFamilies records in reg the descriptors of c, which reg has just
// registered or already held, and c itself, so that a conflicting
// registration later can say what differs and which metric holds the
// name. A note is a collector that describes one descriptor of a reserved
// name and collects nothing: it is never exposed.
func noteFamilies(reg prometheus.Registerer, c prometheus.Collector) {
	for _, d := range descsOf(c) {
		if there, ok := notedDesc(reg, d); ok && there.registered == d.String() && sameCollector(there.by, c) {
			continue
		} else if ok {
			reg.Unregister(there)
		}
		_ = reg.Register(familyNote{noteDesc(d), d.String(), c})
	}
}

// stillRegistered reports whether reg holds c itself, not another
// collector describing the same; it leaves reg as it was.
func stillRegistered(reg prometheus.Registerer, c prometheus.Collector) bool {
	err := reg.Register(c)
	if err == nil {
		reg.Unregister(c)
		return false
	}
	var are prometheus.AlreadyRegisteredError
	return errors.As(err, &are) && sameCollector(are.ExistingCollector, c)
}

// sameCollector reports whether a and b are one collector. ginprom's
// collectors are pointers, or structs of them; two of a type that Go
// cannot compare count as one.
func sameCollector(a, b prometheus.Collector) bool {
	t := reflect.TypeOf(a)
	return t == reflect.TypeOf(b) && (!t.Comparable() || a == b)
}

// notedBy reports whether reg holds a note that c registered a family.
func notedBy(reg prometheus.Registerer, c prometheus.Collector) bool {
	for _, d := range descsOf(c) {
		if n, ok := notedDesc(reg, d); ok && sameCollector(n.by, c) {
			return true
		}
	}
	return false
}

// notedDesc returns the note that noteFamilies recorded in reg about the
// name of d.
func notedDesc(reg prometheus.Registerer, d *prometheus.Desc) (familyNote, bool) {
	probe := familyNote{desc: noteDesc(d)}
	err := reg.Register(probe)
	if err == nil {
		reg.Unregister(probe)
		return familyNote{}, false
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if n, ok := are.ExistingCollector.(familyNote); ok {
			return n, true
		}
	}
	return familyNote{}, false
}

// noteDesc is the descriptor of the note about the family d describes: a
// name Prometheus reserves, that no metric takes.
func noteDesc(d *prometheus.Desc) *prometheus.Desc {
	name := d.String()
	if m := descFQName.FindStringSubmatch(name); m != nil {
		name = m[1]
	}
	return prometheus.NewDesc("__ginprom_registered_"+name, "What ginprom registered under this name.", nil, nil)
}

// familyNote is a note of noteFamilies.
type familyNote struct {
	desc       *prometheus.Desc
	registered string               // the String form of the registered descriptor
	by         prometheus.Collector // the collector that registered it
}

func (n familyNote) Describe(ch chan<- *prometheus.Desc) { ch <- n.desc }
func (familyNote) Collect(chan<- prometheus.Metric)      {}
