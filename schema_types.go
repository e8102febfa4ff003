package ginprom

import (
	"fmt"
	"slices"
)

// A Schema names every metric ginprom can expose: for each, its exact name,
// its help text and its labels, and for each label where its value comes
// from. [DefaultSchema], [BigBrotherSchema] and [SemconvSchema] are the
// schemas ginprom ships; a Schema of one's own keeps the names of the system
// a Gin application replaces, so that its dashboards and alert rules keep
// working (see the README's "Migrating" section). Give it to [WithSchema].
//
// A Family with an empty Name is not exposed. A schema exposes exactly the
// families it names: nothing else of the request path, the sessions, the
// messages or the dependencies. Families that share a Name must have the
// same type and the same label names; they are then one family, whose
// series are told apart by a [Const] label value (as the bytes in and out
// of a session under one name, with a direction label).
//
// The zero Schema is not valid: a Schema needs a Duration with a Name, and
// New panics without one. Which [Value] each family's labels can have is
// listed in the README's "Schemas" section; New panics on another, naming
// the family, the label and why.
//
// A Schema is a plain value. The functions that return one return a new
// one on every call, so changing one changes no other; WithSchema keeps a
// deep copy, so a later change to the Schema given changes nothing.
type Schema struct {
	// The request metrics. A Family with an empty Name is not exposed.
	Duration      Family    // histogram, or summary with WithLatencySummary; required
	Requests      Family    // counter: every recorded request
	Exceptions    Family    // counter: requests whose handler panicked
	RequestSize   Family    // histogram, with WithRequestSize; nil Labels: Duration's
	ResponseSize  Family    // histogram, with WithResponseSize; nil Labels: Duration's
	ResponseBytes Family    // counter of response body bytes, whenever named; nil Labels: Duration's
	InFlight      Family    // gauge, with WithInFlight; needs Method or MethodOTel on Duration
	Info          Family    // gauge, always 1; WithoutDefaults drops it, but for BigBrotherSchema's
	Buckets       []float64 // of Duration; nil or empty: DefaultBuckets; New panics unless they increase
	// Sessions (WebSocket and event streams) and the messages of
	// ObserveMessage. A Family with an empty Name is not exposed.
	SessionsOpen, SessionDuration, SessionBytesIn, SessionBytesOut Family
	Messages, MessageErrors, MessageDuration                       Family
	MessageBytesIn, MessageBytesOut                                Family
	// WatchDependency and InstrumentClient. A Family with an empty Name is
	// not exposed.
	DependencyUp, DependencyDuration Family

	// What the presets know beyond the families: the version of
	// Version; the status from which a request is an error by default (0:
	// 500); and whether a Route label takes the group-by's label name (the
	// default names' path, handler or GroupByFunc's label).
	version      string
	errorFrom    int
	groupLabel   bool
	needsVersion bool
}

// A Family is one metric of a [Schema]: its name, its help text and its
// labels. The zero Family is a metric the schema does not expose.
//
// New panics, saying what to fix, if Name is not a valid metric name, Help
// is not valid UTF-8, a label name is invalid, "le" or "quantile", or used
// twice, a label's Value is the zero Value or one the family cannot have,
// another family of the schema has the same Name with another type or
// other label names (or either is a request metric, whose name is its
// own), or Name is that of a series of another family (lat_count beside
// the histogram lat) or of the counter of [WithSeriesLimit]'s overflows.
type Family struct {
	// Name is the exposed name, exactly: a counter gets no _total added.
	// "": the family is not exposed.
	Name string
	// Help is the help text. "": ginprom's help text for that metric.
	// Families that share a Name share the first one's help text.
	Help string
	// Labels are the family's labels, exposed in this order;
	// WithDefaultLabels adds its labels after them. nil: no labels, but
	// for RequestSize, ResponseSize and ResponseBytes, which take
	// Duration's (they may have no others: they are kept with the
	// duration's series).
	Labels []Label
}

// A Label is one label of a [Family]: its name and where its value comes
// from. The zero Label is not valid: New panics on an empty or invalid Name
// and on the zero Value.
type Label struct {
	// Name is the label's name: ASCII letters, digits and '_', not
	// beginning with a digit or "__".
	Name string
	// Value is where the label's value comes from: one of ginprom's
	// request values ([Method], [Status], [Route] ...) or [Const].
	Value Value
}

// A Value is where a label's value comes from: one of the request values
// below, or a constant made by [Const]. The zero Value is not valid. Which
// values a family can have depends on when it is recorded: the in-flight
// gauge rises before the status is known, so it cannot have [Status]; a
// request metric has no [Event]. New panics on a Value a family cannot
// have, naming both.
type Value struct {
	src valueSource
	v   string // of a Const
}

type valueSource uint8

const (
	srcNone valueSource = iota
	srcConst
	srcMethod
	srcMethodOTel
	srcStatus
	srcRoute
	srcRouteTemplate // the route template, "" when no route matched; GroupByRoute only
	srcIsError
	srcErrorType
	srcErrorMessage
	srcScheme
	srcEvent
	srcResult
	srcSessionKind
	srcDependency
	srcVersion
)

var sourceNames = [...]string{
	srcNone:          "the zero Value",
	srcConst:         "Const",
	srcMethod:        "Method",
	srcMethodOTel:    "MethodOTel",
	srcStatus:        "Status",
	srcRoute:         "Route",
	srcRouteTemplate: "the route template",
	srcIsError:       "IsError",
	srcErrorType:     "ErrorType",
	srcErrorMessage:  "ErrorMessage",
	srcScheme:        "Scheme",
	srcEvent:         "Event",
	srcResult:        "Result",
	srcSessionKind:   "SessionKind",
	srcDependency:    "Dependency",
	srcVersion:       "AppVersion",
}

// The values a label can take from a request, a session, a message or a
// dependency. Each is exposed in a bounded form, as the default metrics'
// are: nothing a client sends becomes a new label value at will. Each fits
// the families that know it when they are recorded (the README's "Schemas"
// table lists them; AppVersion and [Const] fit every family); New panics
// on a label whose Value its family cannot have, saying why.
var (
	// Method is the request's method: the standard methods, any other
	// "OTHER". For a dependency, the outgoing request's method.
	Method = Value{src: srcMethod}
	// MethodOTel is as Method, but any other method is "_OTHER", as
	// OpenTelemetry spells it.
	MethodOTel = Value{src: srcMethodOTel}
	// Status is the status code the client got, as "200". For a
	// dependency, the response's code: "error" for a transport error, or
	// "0" when the family also has IsError or ErrorMessage (the Big
	// Brother protocol's spelling).
	Status = Value{src: srcStatus}
	// Route is the group-by value (see [WithGroupBy]): the route template
	// by default, [Unmatched] for a request that matched no route. On a
	// session family it is the route template, whatever the group-by.
	Route = Value{src: srcRoute}
	// IsError is "true" or "false", by [WithErrorStatus]. For a
	// dependency, a transport error is always one.
	IsError = Value{src: srcIsError}
	// ErrorType is the status code when the request is an error by
	// [WithErrorStatus], else "".
	ErrorType = Value{src: srcErrorType}
	// ErrorMessage is the message of [SetErrorMessage], bounded as it
	// says; "" without one. For a dependency, "timeout", "canceled" or
	// "transport error" for a transport error, else "".
	ErrorMessage = Value{src: srcErrorMessage}
	// Scheme is "https" when the request reached Gin over TLS, else
	// "http". Forwarded headers are not read.
	Scheme = Value{src: srcScheme}
	// Event is the event of [Metrics.ObserveMessage], bounded by
	// [MaxEvents].
	Event = Value{src: srcEvent}
	// Result is "ok" or "error": whether the message's err was nil.
	Result = Value{src: srcResult}
	// SessionKind is "websocket" or "sse".
	SessionKind = Value{src: srcSessionKind}
	// Dependency is the name given to [Metrics.WatchDependency] or
	// [Metrics.InstrumentClient].
	Dependency = Value{src: srcDependency}
	// AppVersion is the version given to [BigBrotherSchema] or
	// [WithBigBrother], or ginprom's [Version] under other schemas. (The
	// name Version is ginprom's version constant.)
	AppVersion = Value{src: srcVersion}
)

// Const returns a Value that is v on every series, for any family: a
// service name, a label a dashboard expects that ginprom has no value for
// (Const("")), or what tells apart families that share a name (as the
// direction "in" and "out" of a session's bytes). An empty v is a valid
// value, which Prometheus stores as an absent label. New panics if v is
// not valid UTF-8.
func Const(v string) Value { return Value{src: srcConst, v: v} }

// String returns how v is written in code, for setup messages.
func (v Value) String() string {
	if v.src == srcConst {
		return fmt.Sprintf("Const(%q)", v.v)
	}
	return sourceNames[v.src]
}

// WithSchema exposes ginprom's metrics under the names, help texts and
// labels of s (see [Schema]), with the buckets s.Buckets (nil or empty:
// [DefaultBuckets]) for the duration.
//
// Options apply in order: WithSchema sets the buckets, a histogram and the
// route template as the group-by, overriding [WithBuckets],
// [WithLatencySummary] and [WithGroupBy] given before it; given after it,
// they refine it. [WithDefaultLabels] adds its labels in either order. New
// panics if another schema option ([WithBigBrother], [WithSemconv], or
// WithSchema again) or [WithDefaultsPrefix] is given, in either order; and,
// saying what to fix, on an invalid name or label name, a label name used
// twice in a family, a Value that a family cannot have, two families of one
// name with other types or label names, a request family sharing its name,
// a name that is another family's series or the overflow counter's, or a
// Duration with no Name.
func WithSchema(s Schema) Option { return withSchema("WithSchema", s) }

// withSchema is WithSchema, given as option (WithSchema, WithBigBrother or
// WithSemconv), which the messages about the schema name.
func withSchema(option string, s Schema) Option {
	s = s.clone()
	return optionFunc(func(c *config) {
		c.schemas = append(c.schemas, option)
		c.schema = &s
		c.buckets = slices.Clone(s.Buckets)
		c.bucketsFrom = "WithSchema: Buckets"
		if len(c.buckets) == 0 {
			c.buckets = slices.Clone(DefaultBuckets)
			c.bucketsFrom = ""
		}
		c.summary = false
		c.groupBy = GroupByRoute
		// Overridden, WithBuckets and WithGroupBy given before count as
		// not given, as WithLatencySummary does: the checks of options
		// that would have no effect name only those in effect.
		c.bucketsGiven, c.groupByGiven = false, false
	})
}

// clone copies s deeply, so that an option keeps what it was given.
func (s Schema) clone() Schema {
	s.Buckets = slices.Clone(s.Buckets)
	for _, f := range s.families() {
		f.Labels = slices.Clone(f.Labels)
	}
	return s
}

// families returns the families of s, by address, in a fixed order.
func (s *Schema) families() []*Family {
	return []*Family{
		&s.Duration, &s.Requests, &s.Exceptions, &s.RequestSize, &s.ResponseSize,
		&s.ResponseBytes, &s.InFlight, &s.Info,
		&s.SessionsOpen, &s.SessionDuration, &s.SessionBytesIn, &s.SessionBytesOut,
		&s.Messages, &s.MessageErrors, &s.MessageDuration, &s.MessageBytesIn, &s.MessageBytesOut,
		&s.DependencyUp, &s.DependencyDuration,
	}
}

// familyFields are the field names of the families, in the order of
// families.
var familyFields = []string{
	"Duration", "Requests", "Exceptions", "RequestSize", "ResponseSize",
	"ResponseBytes", "InFlight", "Info",
	"SessionsOpen", "SessionDuration", "SessionBytesIn", "SessionBytesOut",
	"Messages", "MessageErrors", "MessageDuration", "MessageBytesIn", "MessageBytesOut",
	"DependencyUp", "DependencyDuration",
}

// labels builds a label list from name and value pairs.
func labels(pairs ...any) []Label {
	out := make([]Label, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Label{pairs[i].(string), pairs[i+1].(Value)})
	}
	return out
}

// DefaultSchema returns ginprom's default names with prefix (see
// [WithDefaultsPrefix]; [NoPrefix] gives none): the request metrics
// <prefix>_http_request_duration_seconds{method, status, path},
// <prefix>_http_request_total{method, status},
// <prefix>_http_request_exceptions_total{method, status}, the size
// histograms, <prefix>_http_requests_in_flight{method} and
// <prefix>_exporter_info{version}; the session, message and dependency
// metrics of the README's metrics table. The request metrics' Route label
// takes the group-by's label name: path, handler, or GroupByFunc's label;
// the session metrics' stays path, with the route template.
// WithSchema(DefaultSchema(p)) is WithDefaultsPrefix(p), but that it is a
// schema option: it sets the buckets and group-by as [WithSchema] says, and
// refuses another schema or WithDefaultsPrefix.
func DefaultSchema(prefix string) Schema {
	p := func(name string) string { return prefixed(prefix, name) }
	req := labels("method", Method, "status", Status, "path", Route)
	s := Schema{
		Duration:     Family{Name: p("http_request_duration_seconds"), Labels: req},
		Requests:     Family{Name: p("http_request_total"), Labels: labels("method", Method, "status", Status)},
		Exceptions:   Family{Name: p("http_request_exceptions_total"), Labels: labels("method", Method, "status", Status)},
		RequestSize:  Family{Name: p("http_request_size_bytes"), Labels: req},
		ResponseSize: Family{Name: p("http_response_size_bytes"), Labels: req},
		InFlight:     Family{Name: p("http_requests_in_flight"), Labels: labels("method", Method)},
		Info:         Family{Name: p("exporter_info"), Labels: labels("version", AppVersion)},
		errorFrom:    500,
		groupLabel:   true,
		DependencyUp: Family{Name: p("dependency_up"), Labels: labels("name", Dependency)},
		DependencyDuration: Family{
			Name:   p("dependency_request_duration_seconds"),
			Labels: labels("name", Dependency, "method", Method, "status", Status),
		},
	}
	s.setSessions(prefix)
	return s
}

// setSessions sets the session and message families to ginprom's names,
// with prefix.
func (s *Schema) setSessions(prefix string) {
	p := func(name string) string { return prefixed(prefix, name) }
	session := labels("kind", SessionKind, "path", Route)
	bytes := func(direction string) []Label {
		return labels("kind", SessionKind, "path", Route, "direction", Const(direction))
	}
	s.SessionsOpen = Family{Name: p("http_sessions_open"), Labels: session}
	s.SessionDuration = Family{Name: p("http_session_duration_seconds"), Labels: session}
	s.SessionBytesIn = Family{Name: p("http_session_bytes_total"), Labels: bytes("in")}
	s.SessionBytesOut = Family{Name: p("http_session_bytes_total"), Labels: bytes("out")}
	s.Messages = Family{Name: p("websocket_messages_total"), Labels: labels("event", Event, "result", Result)}
	s.MessageDuration = Family{Name: p("websocket_message_duration_seconds"), Labels: labels("event", Event)}
	s.MessageBytesIn = Family{Name: p("websocket_message_bytes_total"), Labels: labels("event", Event, "direction", Const("in"))}
	s.MessageBytesOut = Family{Name: p("websocket_message_bytes_total"), Labels: labels("event", Event, "direction", Const("out"))}
}

// bigBrotherBuckets are the buckets of request_seconds, as every Big Brother
// monitor library has them.
var bigBrotherBuckets = []float64{0.1, 0.3, 1.5, 10.5}

// BigBrotherSchema returns the Big Brother protocol (labbsr0x/bb-protocol),
// unprefixed and nothing more, with version as application_info's version
// (see [WithBigBrother], which is WithSchema(BigBrotherSchema(version))):
// request_seconds (Duration, with the protocol's buckets 0.1, 0.3, 1.5 and
// 10.5), response_size_bytes (ResponseBytes), application_info (Info),
// dependency_up and dependency_request_seconds. It names no Requests,
// Exceptions, RequestSize, ResponseSize or InFlight: no
// gin_http_request_total, gin_http_request_exceptions_total or
// gin_exporter_info is exposed, and New panics on [WithRequestSize],
// [WithResponseSize] or [WithInFlight] with it. The sessions and messages
// keep ginprom's names with the prefix gin. Its default error rule is a
// status of 400 or more (see [WithErrorStatus]). New panics if version is
// empty.
func BigBrotherSchema(version string) Schema {
	bb := labels("type", Const("http"), "status", Status, "method", Method, "addr", Route,
		"isError", IsError, "errorMessage", ErrorMessage)
	s := Schema{
		Duration: Family{Name: "request_seconds", Help: "Duration of HTTP requests served by Gin, in seconds (Big Brother protocol).", Labels: bb},
		ResponseBytes: Family{
			Name: "response_size_bytes", Help: "Bytes of HTTP response bodies sent by Gin (Big Brother protocol).",
			Labels: bb,
		},
		Info: Family{
			Name: "application_info", Help: "Information about the application; always 1 (Big Brother protocol).",
			Labels: labels("version", AppVersion),
		},
		Buckets:      slices.Clone(bigBrotherBuckets),
		DependencyUp: Family{Name: "dependency_up", Labels: labels("name", Dependency)},
		DependencyDuration: Family{Name: "dependency_request_seconds", Labels: labels("name", Dependency,
			"type", Const("http"), "status", Status, "method", Method, "addr", Dependency,
			"isError", IsError, "errorMessage", ErrorMessage)},
		version:      version,
		errorFrom:    400,
		needsVersion: true,
	}
	s.setSessions(DefaultPrefix)
	return s
}

// SemconvSchema returns OpenTelemetry's semantic conventions for HTTP
// servers, as OpenTelemetry's Prometheus exporter names them (see
// [WithSemconv], which is WithSchema(SemconvSchema())):
// http_server_request_duration_seconds (Duration, with [DefaultBuckets]),
// http_server_request_body_size_bytes and
// http_server_response_body_size_bytes (with [WithRequestSize] and
// [WithResponseSize]) and http_server_active_requests (with
// [WithInFlight]). Its default error rule is a status of 500 or more (see
// [WithErrorStatus]). Its http_route holds
// route templates only: New panics if a [WithGroupBy] other than
// [GroupByRoute] follows. ginprom's request counters, gin_exporter_info, the
// sessions, messages and dependencies keep their default names with the
// prefix gin.
func SemconvSchema() Schema {
	otel := labels("http_request_method", MethodOTel, "url_scheme", Scheme,
		"http_route", Value{src: srcRouteTemplate}, "http_response_status_code", Status, "error_type", ErrorType)
	d := DefaultSchema(DefaultPrefix)
	s := Schema{
		Duration: Family{
			Name: "http_server_request_duration_seconds",
			Help: "Duration of HTTP server requests, in seconds (OpenTelemetry semantic conventions).", Labels: otel,
		},
		Requests:     d.Requests,
		Exceptions:   d.Exceptions,
		RequestSize:  Family{Name: "http_server_request_body_size_bytes", Labels: otel},
		ResponseSize: Family{Name: "http_server_response_body_size_bytes", Labels: otel},
		InFlight: Family{
			Name:   "http_server_active_requests",
			Labels: labels("http_request_method", MethodOTel, "url_scheme", Scheme),
		},
		Info:               d.Info,
		DependencyUp:       d.DependencyUp,
		DependencyDuration: d.DependencyDuration,
		errorFrom:          500,
	}
	s.setSessions(DefaultPrefix)
	return s
}
