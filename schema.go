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
// [Metrics.InstrumentClient] take the protocol's names too. Nothing else of
// the request path is exposed: no request counters, sizes, in-flight gauge
// or gin_exporter_info, which the protocol does not name; New panics if
// [WithRequestSize], [WithResponseSize] or [WithInFlight] is given with it.
// The sessions and messages keep their default names with the prefix gin.
//
// WithBigBrother(version) is WithSchema(BigBrotherSchema(version)).
//
// Options apply in order: WithBigBrother sets the route template as the
// group-by, the buckets and a histogram, overriding [WithGroupBy],
// [WithBuckets] and [WithLatencySummary] given before it; given after it, they
// refine it. [WithDefaultLabels] adds its labels in either order. New panics
// if version is empty, if another schema option ([WithSemconv], or
// WithBigBrother again) is given, or if [WithDefaultsPrefix] is given in
// either order: the protocol's names have no prefix.
func WithBigBrother(version string) Option {
	return withSchema("WithBigBrother", BigBrotherSchema(version))
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
// sessions, messages and dependency metrics) keep their default names with
// the prefix gin. WithSemconv() is WithSchema(SemconvSchema()).
//
// Options apply in order, as for [WithBigBrother]: a [WithGroupBy] before
// WithSemconv is overridden by the route template. New panics if another
// schema option is given, if [WithDefaultsPrefix] is given in either order,
// or if a WithGroupBy other than [GroupByRoute] follows: http_route is the
// matched route template, never a path, a handler name or another value.
func WithSemconv() Option { return withSchema("WithSemconv", SemconvSchema()) }

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

// schemaOf returns the schema of cfg: the one given, or the default names
// with cfg's prefix.
func schemaOf(cfg *config) *Schema {
	if cfg.schema != nil {
		return cfg.schema
	}
	s := DefaultSchema(cfg.prefix)
	return &s
}

// requestSchema is a Schema compiled for one Metrics: the plans of its
// families, and what the request path needs of it, decided once.
type requestSchema struct {
	plans   [numFamilies]plan
	version string // of Version
	// isError answers WithErrorStatus's rule for codes 100 to 999, at index
	// code-100.
	isError [900]bool
	// The variant of a series: its url scheme in bit 0 when scheme, and
	// the index of its error message above (shifted by messageShift) when
	// messages is not nil.
	scheme       bool
	messages     *messageSet
	messageShift uint32
	// identity says that the duration's exposed values are the internal
	// ones (method, status, default labels, group-by value): display then
	// returns them as they are. countIdentity says the same of the request
	// counter and the exceptions, whose internal values are the first two
	// and the default labels, and the group-by value with byGroup.
	identity, countIdentity bool
	byGroup                 bool
	// appInfo says that the info metric is the application's (the schema
	// was given its version): WithoutDefaults keeps it.
	appInfo bool
	// prefixed says that the names are the default ones with a prefix,
	// which WithDefaultsPrefix may change.
	prefixed bool
	// key identifies the compiled schema, for two Metrics sharing one
	// collector.
	key string
}

func newRequestSchema(cfg *config) *requestSchema {
	src := schemaOf(cfg)
	s := &requestSchema{
		plans:    compileSchema(src, cfg),
		version:  src.version,
		prefixed: cfg.schema == nil,
	}
	if s.appInfo = s.version != ""; !s.appInfo {
		s.version = Version
	}
	dur := &s.plans[famDuration]
	s.scheme = dur.uses(srcScheme)
	if dur.uses(srcErrorMessage) {
		s.messages = newMessageSet()
		if s.scheme {
			s.messageShift = 1
		}
	}
	s.identity = sources(dur) == sources(&plan{labels: labels("", Method, "", Status, "", Route)})
	req, exc := &s.plans[famRequests], &s.plans[famExceptions]
	s.byGroup = cfg.signals.totalsByGroup || exc.uses(srcRoute) || exc.uses(srcRouteTemplate)
	counts := sources(&plan{labels: labels("", Method, "", Status)})
	if s.byGroup {
		counts = sources(&plan{labels: labels("", Method, "", Status, "", Route)})
	}
	s.countIdentity = (!req.named() || sources(req) == counts) && (!exc.named() || sources(exc) == counts)
	threshold := src.errorFrom
	if threshold == 0 {
		threshold = http.StatusInternalServerError
	}
	rule := cfg.errorStatus
	if rule == nil {
		rule = func(status int) bool { return status >= threshold }
	}
	for code := 100; code < 1000; code++ {
		s.isError[code-100] = askErrorRule(rule, code)
	}
	var b strings.Builder
	for i := range s.plans {
		p := &s.plans[i]
		fmt.Fprintf(&b, "%s|%s|", p.name, p.help)
		for _, l := range p.labels {
			fmt.Fprintf(&b, "%s=%s,", l.Name, l.Value)
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%s", s.version)
	s.key = b.String()
	return s
}

// sources returns the sources of p's labels, as a comparable string.
func sources(p *plan) string {
	b := make([]byte, len(p.labels))
	for i, l := range p.labels {
		b[i] = byte(l.Value.src)
	}
	return string(b)
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

// durationLabels returns the names of the duration's labels, in the order
// display gives their values. group is the group-by label's name, and
// defaults are the names of WithDefaultLabels.
func (s *requestSchema) durationLabels(defaults []string) []string {
	if s.identity {
		p := &s.plans[famDuration]
		return slices.Concat([]string{p.labels[0].Name, p.labels[1].Name}, defaults, []string{p.labels[2].Name})
	}
	return s.plans[famDuration].names(defaults...)
}

// countLabels returns the names of the labels of the request counter or
// the exceptions (fam), in the order their values are given.
func (s *requestSchema) countLabels(fam int, defaults []string) []string {
	p := &s.plans[fam]
	if s.countIdentity {
		names := slices.Concat([]string{p.labels[0].Name, p.labels[1].Name}, defaults)
		if s.byGroup {
			names = append(names, p.labels[2].Name)
		}
		return names
	}
	return p.names(defaults...)
}

// reserved returns the label names WithDefaultLabels may not use.
func (s *requestSchema) reserved(group string) []string {
	// method and status are those of the default request counters, under
	// every schema.
	names := []string{"method", "status", "le", "quantile", group}
	for i := famDuration; i <= famInFlight; i++ {
		names = append(names, s.plans[i].names()...)
	}
	return names
}

// semconvMethods are OpenTelemetry's spellings of the method indexes: the
// same standard methods, and _OTHER for any other.
var semconvMethods = [numMethods]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace, "_OTHER",
}

// The url schemes, bit 0 of a series' variant when the schema has Scheme.
const (
	schemeHTTP uint32 = iota
	schemeHTTPS
)

var schemeNames = [...]string{schemeHTTP: "http", schemeHTTPS: "https"}

// requestScheme returns the url scheme of a request: HTTPS when it reached
// Gin over TLS.
func requestScheme(c *gin.Context) uint32 {
	if c.Request.TLS != nil {
		return schemeHTTPS
	}
	return schemeHTTP
}

// variantOf returns the variant of a request: its scheme, and its error
// message's index (see messageWriter) when the schema has them.
func (s *requestSchema) variantOf(scheme, message uint32) uint32 {
	return scheme | message<<s.messageShift
}

// value returns the exposed value of a request label of source v.
func (s *requestSchema) value(v Value, method, status int, group string, variant uint32) string {
	switch v.src {
	case srcConst:
		return v.v
	case srcVersion:
		return s.version
	case srcMethod:
		return methodNames[method]
	case srcMethodOTel:
		return semconvMethods[method]
	case srcStatus:
		return statusLabel(status)
	case srcRoute:
		return group
	case srcRouteTemplate:
		if group == Unmatched {
			return ""
		}
		return group
	case srcIsError:
		return strconv.FormatBool(s.isError[status-100])
	case srcErrorType:
		if s.isError[status-100] {
			return statusLabel(status)
		}
		return ""
	case srcErrorMessage:
		return s.messages.name(variant >> s.messageShift)
	case srcScheme:
		return schemeNames[variant&1]
	}
	return ""
}

// appendValues appends the values of the labels of fam for a series, then
// defaults.
func (s *requestSchema) appendValues(lvs []string, fam int, method, status int, group string, variant uint32, defaults []string) []string {
	for _, l := range s.plans[fam].labels {
		lvs = append(lvs, s.value(l.Value, method, status, group, variant))
	}
	return append(lvs, defaults...)
}

// display returns the label values a series is exposed with, given its
// label values as the middleware keeps them under every schema (method,
// status, default labels, group-by value), the index of its method and its
// variant. It runs once per series, when the series is made; nil means lvs
// as they are.
func (s *requestSchema) display(lvs []string, method int, variant uint32) []string {
	if s == nil || s.identity {
		return nil
	}
	n := len(lvs)
	return s.appendValues(make([]string, 0, len(s.plans[famDuration].labels)+n-3), famDuration,
		method, parseStatus(lvs[1]), lvs[n-1], variant, lvs[2:n-1])
}

// counted returns the request counter's exposed values of a series, as
// display does; nil means the internal ones.
func (s *requestSchema) counted(lvs []string, method int, variant uint32) []string {
	if s == nil || s.countIdentity || !s.plans[famRequests].named() {
		return nil
	}
	n := len(lvs)
	return s.appendValues(make([]string, 0, len(s.plans[famRequests].labels)+n-3), famRequests,
		method, parseStatus(lvs[1]), lvs[n-1], variant, lvs[2:n-1])
}

// exception returns the exceptions' exposed values, given the internal
// ones: method, status, default labels, and the group-by value with
// byGroup. It runs when a handler panicked.
func (s *requestSchema) exception(lvs []string) []string {
	if s.countIdentity {
		return lvs
	}
	n := len(lvs)
	group, defaults := Unmatched, lvs[2:]
	if s.byGroup {
		group, defaults = lvs[n-1], lvs[2:n-1]
	}
	return s.appendValues(nil, famExceptions, methodIndex(lvs[0]), parseStatus(lvs[1]), group, 0, defaults)
}

// parseStatus reads a status label back.
func parseStatus(v string) int {
	status, err := strconv.Atoi(v)
	if err != nil || status < 100 || status > 999 {
		return http.StatusInternalServerError // not reached: statuses are clamped
	}
	return status
}

// registerSchemaInfo registers the schema's info metric, always 1.
func registerSchemaInfo(reg prometheus.Registerer, s *requestSchema, fix setupFix) {
	p := &s.plans[famInfo]
	if !p.named() {
		return
	}
	constLabels := prometheus.Labels{}
	for _, l := range p.labels {
		constLabels[l.Name] = repairUTF8(s.value(l.Value, 0, 200, "", 0))
	}
	info := registerOr(reg, p.name, fix, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: p.name, Help: p.help, ConstLabels: constLabels,
	}))
	info.Set(1)
}
