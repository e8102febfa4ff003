package ginprom

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// A schema chooses the names, the label names and the label values of the
// request metrics. Every schema is served from the same sharded series (see
// requestCollector): it only decides how a series' label values are made
// when the series is resolved, once per route, method, status and variant.
type schemaKind uint8

const (
	schemaDefault    schemaKind = iota // <prefix>_http_request_duration_seconds{method, status, path}
	schemaBigBrother                   // request_seconds{type, status, method, addr, isError, errorMessage}
	schemaSemconv                      // http_server_request_duration_seconds{http_request_method, ...}
)

// Names of the metrics of the schemas.
const (
	bbDuration      = "request_seconds"
	bbResponseBytes = "response_size_bytes"
	bbInfo          = "application_info"
	semconvDuration = "http_server_request_duration_seconds"
	semconvActive   = "http_server_active_requests"
)

// bigBrotherBuckets are the buckets of request_seconds, as every Big Brother
// monitor library has them.
var bigBrotherBuckets = []float64{0.1, 0.3, 1.5, 10.5}

// WithBigBrother exposes the request metrics under the Big Brother protocol
// (labbsr0x/bb-protocol), unprefixed, so that bb-promster's recording and
// alert rules and the "Big Brother - Health Overview" Grafana dashboard work
// unchanged:
//
//   - request_seconds, a histogram with the buckets 0.1, 0.3, 1.5 and 10.5
//     (unless a later [WithBuckets] sets others), labelled type ("http"),
//     status, method, addr (the group-by value: the route template by
//     default, [Unmatched] for requests that match no route), isError
//     ("true" or "false", by [WithErrorStatus]; by default a status of 400 or
//     more is an error) and errorMessage (see [SetErrorMessage]);
//   - response_size_bytes, a counter of the response body bytes, with the
//     same labels, whose samples are named response_size_bytes in every
//     format a scraper can ask for. The text and protobuf formats name a
//     counter's sample as its family. OpenMetrics requires the samples of a
//     counter to end in _total; client_golang's OpenMetrics encoder
//     therefore serves a counter whose name lacks the suffix as a family of
//     type unknown with its sample named as it is, which is valid
//     OpenMetrics, rather than renaming it. Prometheus, which asks for
//     OpenMetrics first, stores response_size_bytes (its metadata type then
//     reads unknown);
//   - application_info{version} 1, with version the given version.
//
// The dependency metrics of [Metrics.WatchDependency] and
// [Metrics.InstrumentClient] take the protocol's names too. The request
// counters gin_http_request_total and gin_http_request_exceptions_total and
// gin_exporter_info, which the protocol does not name, keep their default
// names.
//
// Options apply in order: WithBigBrother sets the route template as the
// group-by, the buckets and a histogram, overriding [WithGroupBy],
// [WithBuckets] and [WithLatencySummary] given before it; given after it, they
// refine it. [WithDefaultLabels] adds its labels in either order. New panics
// if version is empty, if another schema option ([WithSemconv], or
// WithBigBrother again) is given, or if [WithDefaultsPrefix] is given in
// either order: the protocol's names have no prefix.
func WithBigBrother(version string) Option {
	return optionFunc(func(c *config) {
		c.schemas = append(c.schemas, fmt.Sprintf("WithBigBrother(%q)", version))
		c.schema, c.version = schemaBigBrother, version
		c.setSchemaDefaults(bigBrotherBuckets)
	})
}

// WithSemconv exposes the request metrics under OpenTelemetry's semantic
// conventions for HTTP servers, as OpenTelemetry's Prometheus exporter names
// them, so that dashboards and alerts written for OpenTelemetry-instrumented
// services work:
//
//   - http_server_request_duration_seconds, a histogram with
//     [DefaultBuckets] (unless a later [WithBuckets] sets others), labelled
//     http_request_method (the standard methods; any other is "_OTHER"),
//     url_scheme, http_route (the route template; requests that match no
//     route get no route value, never their path),
//     http_response_status_code and error_type (the status code for a
//     request that is an error by [WithErrorStatus], by default a status of
//     500 or more; empty otherwise).
//   - http_server_active_requests{http_request_method, url_scheme}, with
//     [WithInFlight];
//   - http_server_request_body_size_bytes and
//     http_server_response_body_size_bytes, histograms labelled as the
//     duration, with [WithRequestSize] and [WithResponseSize].
//
// url_scheme is "https" when the request reached Gin over TLS and "http"
// otherwise. Forwarded headers (X-Forwarded-Proto, Forwarded) are not read:
// any client can send them, and behind a proxy that terminates TLS the
// request Gin serves is plain HTTP, which is what the label then says.
//
// ginprom's other metrics (the request counters, gin_exporter_info, the
// dependency metrics) keep their default names with the prefix gin.
//
// Options apply in order, as for [WithBigBrother]: a [WithGroupBy] before
// WithSemconv is overridden by the route template. New panics if another
// schema option is given, if [WithDefaultsPrefix] is given in either order,
// or if WithGroupBy([GroupByPath]) follows: OpenTelemetry forbids paths in
// http_route.
func WithSemconv() Option {
	return optionFunc(func(c *config) {
		c.schemas = append(c.schemas, "WithSemconv()")
		c.schema = schemaSemconv
		c.setSchemaDefaults(DefaultBuckets)
	})
}

func (c *config) setSchemaDefaults(buckets []float64) {
	c.buckets = slices.Clone(buckets)
	c.summary = false
	c.groupBy = GroupByRoute
}

// WithErrorStatus sets which statuses count as errors: isError="true" under
// [WithBigBrother], a non-empty error_type under [WithSemconv]. fn is called
// once for every status code from 100 to 999 when New runs, and the answers
// are kept; it must depend on the status alone. The default metrics carry no
// error label, so without a schema WithErrorStatus has no effect.
//
// Default: a status of 400 or more under WithBigBrother (the protocol's
// rule), 500 or more under WithSemconv (OpenTelemetry's rule for servers),
// whatever the order of the options. A nil fn keeps the default; the last
// WithErrorStatus wins. If fn panics, New panics, naming the status.
func WithErrorStatus(fn func(status int) bool) Option {
	return optionFunc(func(c *config) {
		if fn != nil {
			c.errorStatus = fn
		}
	})
}

// checkSchema panics on a schema configuration that cannot work.
func (c *config) checkSchema() {
	if len(c.schemas) > 1 {
		panic(fmt.Sprintf("ginprom: %s: give at most one schema option; a schema fixes the names of the request metrics", strings.Join(c.schemas, " and ")))
	}
	if c.schema == schemaDefault {
		return
	}
	if c.prefixGiven {
		panic(fmt.Sprintf("ginprom: %s with WithDefaultsPrefix(%q): a schema fixes the metric names; remove WithDefaultsPrefix", c.schemas[0], c.prefix))
	}
	switch c.schema {
	case schemaBigBrother:
		if c.version == "" {
			panic("ginprom: WithBigBrother(\"\"): give the application's version, which application_info{version} exposes")
		}
	case schemaSemconv:
		if c.groupBy.kind == groupPath {
			panic("ginprom: WithSemconv() with WithGroupBy(GroupByPath): OpenTelemetry forbids URL paths in http_route; use GroupByRoute")
		}
	}
}

// requestSchema is what the default metrics need of the schema per series.
type requestSchema struct {
	kind schemaKind
	// isError answers WithErrorStatus's rule for codes 100 to 999, at index
	// code-100.
	isError [900]bool
	// messages are Big Brother's error messages; nil under other schemas.
	messages *messageSet
}

func newRequestSchema(cfg *config) *requestSchema {
	s := &requestSchema{kind: cfg.schema}
	rule := cfg.errorStatus
	if rule == nil {
		threshold := http.StatusBadRequest
		if s.kind == schemaSemconv {
			threshold = http.StatusInternalServerError
		}
		rule = func(status int) bool { return status >= threshold }
	}
	for code := 100; code < 1000; code++ {
		s.isError[code-100] = askErrorRule(rule, code)
	}
	if s.kind == schemaBigBrother {
		s.messages = newMessageSet()
	}
	return s
}

// askErrorRule returns rule(code), turning a panic of a WithErrorStatus
// function into a setup panic that says so.
func askErrorRule(rule func(status int) bool, code int) bool {
	defer func() {
		if r := recover(); r != nil {
			panic(fmt.Sprintf("ginprom: WithErrorStatus: the function panicked for status %d: %v; it must answer for every code from 100 to 999", code, r))
		}
	}()
	return rule(code)
}

// durationName returns the name of the duration metric.
func (s *requestSchema) durationName(prefix string) string {
	switch s.kind {
	case schemaBigBrother:
		return bbDuration
	case schemaSemconv:
		return semconvDuration
	}
	return prefixed(prefix, "http_request_duration_seconds")
}

// sizeName returns the name of the size histogram whose default name is
// name: OpenTelemetry's body-size names under WithSemconv.
func (s *requestSchema) sizeName(prefix, name string) string {
	if s.kind == schemaSemconv {
		switch name {
		case "http_request_size_bytes":
			return "http_server_request_body_size_bytes"
		case "http_response_size_bytes":
			return "http_server_response_body_size_bytes"
		}
	}
	return prefixed(prefix, name)
}

// durationHelp returns the help text of the duration metric.
func (s *requestSchema) durationHelp() string {
	switch s.kind {
	case schemaBigBrother:
		return "Duration of HTTP requests served by Gin, in seconds (Big Brother protocol)."
	case schemaSemconv:
		return "Duration of HTTP server requests, in seconds (OpenTelemetry semantic conventions)."
	}
	return "Duration of HTTP requests served by Gin, in seconds."
}

// labelNames returns the names of the duration's labels, in the order
// appendSeries gives their values. group is the group-by label's name, and
// defaults are the names of WithDefaultLabels.
func (s *requestSchema) labelNames(group string, defaults []string) []string {
	var names []string
	switch s.kind {
	case schemaBigBrother:
		names = []string{"type", "status", "method", "addr", "isError", "errorMessage"}
	case schemaSemconv:
		names = []string{"http_request_method", "url_scheme", "http_route", "http_response_status_code", "error_type"}
	default:
		return append(append([]string{"method", "status"}, defaults...), group)
	}
	return append(names, defaults...)
}

// reserved returns the label names WithDefaultLabels may not use.
func (s *requestSchema) reserved(group string) []string {
	// method and status are those of the request counters, under every
	// schema.
	names := []string{"method", "status", "le", "quantile"}
	if s.kind == schemaDefault {
		return append(names, group)
	}
	return append(names, s.labelNames(group, nil)...)
}

// semconvMethods are OpenTelemetry's spellings of the method indexes: the
// same standard methods, and _OTHER for any other.
var semconvMethods = [numMethods]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace, "_OTHER",
}

// The variants of a series under WithSemconv: its url_scheme. Under
// WithBigBrother a series' variant is the index of its error message.
const (
	schemeHTTP uint32 = iota
	schemeHTTPS
)

var schemeNames = [...]string{schemeHTTP: "http", schemeHTTPS: "https"}

// requestScheme returns the url_scheme variant of a request: HTTPS when it
// reached Gin over TLS.
func requestScheme(c *gin.Context) uint32 {
	if c.Request.TLS != nil {
		return schemeHTTPS
	}
	return schemeHTTP
}

// appendSeries appends the label values of a series of the duration, in the
// order of labelNames, to lvs. group is the group-by value (Unmatched when
// the request matched no route), variant the message or scheme index and
// defaults the values of WithDefaultLabels.
func (s *requestSchema) appendSeries(lvs []string, method, status int, group string, matched bool, variant uint32, defaults []string) []string {
	switch s.kind {
	case schemaBigBrother:
		isError := "false"
		if s.isError[status-100] {
			isError = "true"
		}
		lvs = append(lvs, "http", statusLabel(status), methodNames[method], group, isError, s.messages.name(variant))
		return append(lvs, defaults...)
	case schemaSemconv:
		if !matched {
			group = ""
		}
		errorType := ""
		if s.isError[status-100] {
			errorType = statusLabel(status)
		}
		lvs = append(lvs, semconvMethods[method], schemeNames[variant], group, statusLabel(status), errorType)
		return append(lvs, defaults...)
	}
	lvs = append(append(lvs, methodNames[method], statusLabel(status)), defaults...)
	return append(lvs, group)
}

// display returns the label values a series is exposed with, given its
// label values as the middleware keeps them under every schema (method,
// status, default labels, group-by value; the request counters are derived
// from them), the index of its method and its variant. It runs once per
// series, when the series is made.
func (s *requestSchema) display(lvs []string, method int, variant uint32) []string {
	if s == nil || s.kind == schemaDefault {
		return lvs
	}
	status, err := strconv.Atoi(lvs[1])
	if err != nil || status < 100 || status > 999 {
		status = http.StatusInternalServerError // not reached: statuses are clamped
	}
	n := len(lvs)
	group := lvs[n-1]
	return s.appendSeries(make([]string, 0, n+4), method, status, group, group != Unmatched, variant, lvs[2:n-1])
}

// registerSchemaInfo registers the info metric a schema names:
// application_info{version} under WithBigBrother.
func registerSchemaInfo(reg prometheus.Registerer, cfg *config) {
	if cfg.schema != schemaBigBrother {
		return
	}
	info := register(reg, bbInfo, prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        bbInfo,
		Help:        "Information about the application; always 1 (Big Brother protocol).",
		ConstLabels: prometheus.Labels{"version": repairUTF8(cfg.version)},
	}))
	info.Set(1)
}
