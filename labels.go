package ginprom

import (
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strconv"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/gin-contrib/ginprom/internal/canon"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Labels are label names and values for [WithDefaultLabels] and the
// decorators. A value is one of:
//
//   - a string, or a value of a string kind;
//   - a number (any int, uint or float kind) or a bool, formatted once, when
//     the labels are given;
//   - a func(*gin.Context) string, or a value of a named function type
//     with that signature (type LabelFunc func(*gin.Context) string),
//     called per request. Decorators and default metrics call it after the
//     rest of the chain, so it can read c.Writer.Status(), which reports
//     500 while a handler's panic unwinds;
//     [Metrics.Gauge] calls it before. The default metrics call it for
//     unmatched requests too.
//
// Any other type, a nil function or an invalid label name makes the
// constructor panic. Values that are not valid UTF-8 are repaired (each run
// of invalid bytes becomes U+FFFD) before they reach client_golang, and a
// label function's value longer than [MaxValueLen] bytes is cut, ending in
// [CutMark].
//
// A label function's string must not change after it returns: a decorator
// remembers the series a value led to by the string's address and length,
// so a function that returns an unsafe.String over a buffer it reuses has
// its later values counted in the series of the first. Strings made the
// ordinary way (strconv, concatenation, a table, c.FullPath()) never change.
//
// If a label function panics, the request is still recorded, with
// [PanicValue] as that label's value, and the panic is then raised again
// from the point of recording; it is not counted as the handler's
// exception. A label function of the default metrics that calls
// runtime.Goexit leaves the request recorded the same way.
type Labels map[string]any

// PanicValue is the value a label gets when its label function panics.
const PanicValue = canon.PanicValue

// label is one checked label: a value fixed at setup, or a function that
// computes it per request.
type label struct {
	name  string
	value string                    // when fn is nil
	fn    func(*gin.Context) string // nil for a fixed value
}

// labelSet is a checked Labels, sorted by name. Fixed values are labels like
// the others, not constant labels, so that the registry sees one set of
// label names per metric and reports a metric registered twice with
// another type, whatever the values.
type labelSet []label

// parseLabels checks l and returns it as a labelSet. where names the caller
// in panic messages; reserved are label names the metric uses itself.
func parseLabels(where string, l Labels, reserved ...string) labelSet {
	var set labelSet
	for name, v := range l {
		checkLabelName(where, name)
		for _, r := range reserved {
			if name == r {
				panic(fmt.Sprintf("ginprom: %s: the label name %q is already used by the metric itself; choose another name", where, name))
			}
		}
		if fn, ok := labelFunc(v); ok {
			if fn == nil {
				panic(fmt.Sprintf("ginprom: %s: the function for label %q is nil", where, name))
			}
			set = append(set, label{name: name, fn: fn})
			continue
		}
		s, ok := formatStatic(v)
		if !ok {
			panic(fmt.Sprintf("ginprom: %s: label %q has a value of type %T; use a string, a number, a bool or a func(*gin.Context) string", where, name, v))
		}
		set = append(set, label{name: name, value: repairUTF8(s)})
	}
	sort.Slice(set, func(i, j int) bool { return set[i].name < set[j].name })
	return set
}

// labelFuncType is the type of label functions.
var labelFuncType = reflect.TypeOf((func(*gin.Context) string)(nil))

// labelFunc reports whether v is a label function: a func(*gin.Context)
// string, or a value of a named type with that underlying type, such as
// type LabelFunc func(*gin.Context) string. fn is nil if v is a nil
// function.
func labelFunc(v any) (fn func(*gin.Context) string, ok bool) {
	if fn, ok := v.(func(*gin.Context) string); ok {
		return fn, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Func || !rv.Type().ConvertibleTo(labelFuncType) {
		return nil, false
	}
	if rv.IsNil() {
		return nil, true
	}
	return rv.Convert(labelFuncType).Interface().(func(*gin.Context) string), true
}

// merge returns the labels of s and t together, and panics if a name is in
// both.
func (s labelSet) merge(where string, t labelSet) labelSet {
	out := append(append(labelSet{}, s...), t...)
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	for i := 1; i < len(out); i++ {
		if out[i].name == out[i-1].name {
			panic(fmt.Sprintf("ginprom: %s: label %q is given both here and by WithDefaultLabels; drop one of them", where, out[i].name))
		}
	}
	return out
}

// names returns the label names, in order.
func (s labelSet) names() []string {
	names := make([]string, len(s))
	for i, l := range s {
		names[i] = l.name
	}
	return names
}

// values returns the fixed values, in order; use it only if s is fixed.
func (s labelSet) values() []string {
	values := make([]string, len(s))
	for i, l := range s {
		values[i] = l.value
	}
	return values
}

// fixed reports whether every value is known at setup.
func (s labelSet) fixed() bool {
	for _, l := range s {
		if l.fn != nil {
			return false
		}
	}
	return true
}

// formatStatic turns a static label value into its string, once.
func formatStatic(v any) (string, bool) {
	if v == nil {
		return "", false
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return rv.String(), true
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(rv.Uint(), 10), true
	case reflect.Float32:
		return strconv.FormatFloat(rv.Float(), 'g', -1, 32), true
	case reflect.Float64:
		return strconv.FormatFloat(rv.Float(), 'g', -1, 64), true
	}
	return "", false
}

// callLabel runs a label function and gives its value's canonical form: see
// canon.Call.
func callLabel(fn func(*gin.Context) string, c *gin.Context) (v string, rec any) {
	return canon.Call(fn, c)
}

// recordExemplar runs the exemplar function fn and keeps its exemplar in
// duration bucket i of s. A panic of fn is returned, for the caller to
// raise again once the request is recorded.
func recordExemplar(fn func(*gin.Context) prometheus.Labels, c *gin.Context, s *aggregate.RequestSeries, i int, v float64) (rec any) {
	defer func() {
		if r := recover(); r != nil {
			rec = r
		}
	}()
	s.Exemplar(i, fn(c), v)
	return nil
}

// appendValues appends the values of the labels in s to lvs, calling the
// label functions. rec is the panic of the first label function that
// panicked, if any.
func appendValues(lvs []string, s labelSet, c *gin.Context) (_ []string, rec any) {
	for _, l := range s {
		if l.fn == nil {
			lvs = append(lvs, l.value)
			continue
		}
		v, r := callLabel(l.fn, c)
		if rec == nil {
			rec = r
		}
		lvs = append(lvs, v)
	}
	return lvs, rec
}

// panicStatus is what label functions see as c.Writer while a handler's
// panic unwinds through ginprom: the status is 500, whatever the handler
// wrote before it panicked. The response itself is left alone.
type panicStatus struct{ gin.ResponseWriter }

func (panicStatus) Status() int { return http.StatusInternalServerError }

// showPanicStatus makes c.Writer report status 500 until restore is called.
// It allocates, and runs only on the panic path.
func showPanicStatus(c *gin.Context) (restore func()) {
	w := c.Writer
	c.Writer = panicStatus{w}
	return func() { c.Writer = w }
}

// checkLabelName panics if name is not a valid label name.
func checkLabelName(where, name string) {
	if !validLabelName(name) {
		panic(fmt.Sprintf("ginprom: %s: %q is not a valid label name; use ASCII letters, digits and '_', not beginning with a digit or \"__\"", where, name))
	}
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
func validLabelName(s string) bool { return canon.LabelName(s) }
