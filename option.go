package ginprom

import (
	"fmt"
	"math"
	"reflect"
	"slices"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Registry is where an instance registers its metrics and what its metrics
// route serves. A *prometheus.Registry is one.
type Registry interface {
	prometheus.Registerer
	prometheus.Gatherer
}

// NoPrefix names the default metrics without a prefix when given to
// [WithDefaultsPrefix]: http_request_duration_seconds, http_request_total
// and so on.
const NoPrefix = ""

// DefaultPath is where [Metrics.Instrument] serves the metrics unless
// [WithPath] says otherwise, and the path of [Metrics.StartHTTPServer] when
// the instance has none.
const DefaultPath = "/metrics"

// DefaultPrefix is the prefix of the default metrics unless
// [WithDefaultsPrefix] says otherwise.
const DefaultPrefix = "gin"

// DefaultBuckets are the upper bounds, in seconds, of the default duration
// histogram unless [WithBuckets] says otherwise, and of histogram decorators
// unless [WithMetricBuckets] says otherwise. They are the buckets of the
// Python client, so dashboards written for prometheus_flask_exporter keep
// working. Metrics copy them when they are made: changing DefaultBuckets
// changes only the metrics made afterwards.
var DefaultBuckets = []float64{.005, .01, .025, .05, .075, .1, .25, .5, .75, 1, 2.5, 5, 7.5, 10}

// An Option configures [New]. Options are applied in order; where two set
// the same thing, what repeated use does is said on each.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is what the options set. newConfig fills in the defaults; the
// options then change them, and check validates the result once.
type config struct {
	registry          Registry
	path              string
	metricsMiddleware []gin.HandlerFunc
	prefix            string
	noDefaults        bool
	buckets           []float64
	bucketsGiven      bool   // WithBuckets was given, after any schema option
	groupByGiven      bool   // WithGroupBy was given, after any schema option
	bucketsFrom       string // the option that set buckets, for its messages; "": WithBuckets
	summary           bool
	groupBy           GroupBy
	defaultLabels     Labels
	excluded          []string
	skipper           func(*gin.Context) bool
	disabled          bool // WithEnabled(false)
	signals           signalConfig
	push              pushConfig // WithPushInstance, WithPusher

	// The schema (see schema.go): the one given (nil: the default names
	// with prefix), the schema options given (two is an error), whether
	// WithDefaultsPrefix was given, and WithErrorStatus's rule.
	schema      *Schema
	schemas     []string
	prefixGiven bool
	errorStatus func(int) bool

	seriesLimit      int // WithSeriesLimit, if given (see budget.go)
	seriesLimitGiven bool
}

// defaultRegistry pairs the process-wide registerer and gatherer of
// client_golang, read when New runs.
type defaultRegistry struct {
	prometheus.Registerer
	prometheus.Gatherer
}

func newConfig(opts []Option) *config {
	c := &config{
		registry: defaultRegistry{prometheus.DefaultRegisterer, prometheus.DefaultGatherer},
		path:     DefaultPath,
		prefix:   DefaultPrefix,
		buckets:  slices.Clone(DefaultBuckets),
		groupBy:  GroupByRoute,
		signals:  signalConfig{sizeBuckets: slices.Clone(DefaultSizeBuckets)},
	}
	for i, o := range opts {
		if o == nil {
			panic(fmt.Sprintf("ginprom: option %d of %d given to New is nil; remove it or pass a ginprom.With... option", i+1, len(opts)))
		}
		o.apply(c)
	}
	return c
}

// WithRegistry registers every metric of the instance in reg, and makes the
// metrics route serve what reg gathers. A fresh *prometheus.Registry per test
// keeps tests apart.
//
// Default: client_golang's prometheus.DefaultRegisterer and
// prometheus.DefaultGatherer. A nil reg, or a nil pointer in reg, keeps the
// default; the last WithRegistry wins.
func WithRegistry(reg Registry) Option {
	return optionFunc(func(c *config) {
		if !isNil(reg) {
			c.registry = reg
		}
	})
}

// WithPath sets the path of the metrics route that [Metrics.Instrument] adds
// to an engine. An empty path adds no route; the metrics can then be served
// with [Metrics.RegisterEndpoint], [Metrics.Handler] or
// [Metrics.StartHTTPServer].
//
// Default: [DefaultPath]. The last WithPath wins. New panics if a non-empty
// path does not begin with "/".
func WithPath(path string) Option {
	return optionFunc(func(c *config) { c.path = path })
}

// WithMetricsMiddleware runs the handlers, in order, before the exposition on
// every metrics route the instance serves: the one [Metrics.Instrument] adds,
// those of [Metrics.RegisterEndpoint] and the one of
// [Metrics.StartHTTPServer]. Use it for authentication, for example
// gin.BasicAuth. A handler that aborts stops the scrape. Scrapes are never
// counted in the default metrics, rejected ones included.
//
// Default: none. Repeated use appends. New panics if a handler is nil.
func WithMetricsMiddleware(handlers ...gin.HandlerFunc) Option {
	return optionFunc(func(c *config) {
		c.metricsMiddleware = append(c.metricsMiddleware, handlers...)
	})
}

// WithDefaultsPrefix sets the prefix of the default metrics' names:
// "myapp" gives myapp_http_request_total. [NoPrefix] gives no prefix. The
// prefix never applies to decorator or info metrics.
//
// WithDefaultsPrefix(p) names the metrics as WithSchema([DefaultSchema](p))
// does, without the other effects of a schema option on the buckets and
// group-by. Default: [DefaultPrefix] ("gin"). The last WithDefaultsPrefix
// wins. New panics if the prefix does not make valid metric names, or with
// a schema option ([WithSchema], [WithBigBrother], [WithSemconv]) in either
// order.
func WithDefaultsPrefix(prefix string) Option {
	return optionFunc(func(c *config) { c.prefix, c.prefixGiven = prefix, true })
}

// WithoutDefaults turns the default metrics off: no duration, total,
// exceptions or exporter info metric, and no middleware added by
// [Metrics.Instrument]. Decorators, info metrics and the metrics route still
// work. [WithBuckets] then sets the buckets of the dependency request
// histogram of [Metrics.InstrumentClient] alone. New panics if an option
// of the default metrics alone is also given ([WithLatencySummary],
// [WithGroupBy], [WithRequestSize],
// [WithResponseSize], [WithSizeBuckets], [WithInFlight],
// [WithTotalsByGroup], [WithExemplars], [WithNativeHistograms]), naming it.
// An option is given whatever its value, the default's too; but one that a
// later schema option overrides ([WithSchema]) counts as not given.
//
// Default: the default metrics are on. Repeated use changes nothing more.
func WithoutDefaults() Option {
	return optionFunc(func(c *config) { c.noDefaults = true })
}

// WithBuckets sets the upper bounds, in seconds, of the default duration
// histogram's buckets, which the dependency request histogram of
// [Metrics.InstrumentClient] has too; under [WithoutDefaults], of that
// histogram alone.
//
// Default: [DefaultBuckets]. No buckets keeps the default; the last
// WithBuckets wins. New panics if the bounds are not strictly increasing or
// one is NaN, and with [WithLatencySummary] (a summary has no buckets).
func WithBuckets(buckets ...float64) Option {
	return optionFunc(func(c *config) {
		if len(buckets) > 0 {
			c.buckets = append([]float64(nil), buckets...)
			c.bucketsGiven = true
			c.bucketsFrom = ""
		}
	})
}

// WithLatencySummary makes the default duration metric a summary, which
// exposes only a count and a sum of seconds, instead of a histogram.
//
// Default: a histogram with [DefaultBuckets]. Repeated use changes nothing
// more.
func WithLatencySummary() Option {
	return optionFunc(func(c *config) { c.summary = true })
}

// WithGroupBy sets how the duration metric's request label is computed:
// [GroupByRoute], [GroupByPath], [GroupByHandler] or [GroupByFunc].
//
// Default: [GroupByRoute]. The zero GroupBy keeps the default; the last
// WithGroupBy wins.
func WithGroupBy(g GroupBy) Option {
	return optionFunc(func(c *config) {
		if g.kind != groupUnset {
			c.groupBy = g
			c.groupByGiven = true
		}
	})
}

// WithDefaultLabels adds labels to every default metric and every decorator
// metric of the instance, but not to info metrics. Static values are the
// same on every series; a func(*gin.Context) string value is evaluated per
// request, after the rest of the chain (see [Labels]).
//
// Default: none. Nil or empty labels change nothing. Repeated use merges, a
// later value replacing an earlier one of the same name. New panics on an invalid label name, a name the default
// metrics use themselves (method, status, the group-by label, le, quantile)
// or a value of an unsupported type.
func WithDefaultLabels(labels Labels) Option {
	return optionFunc(func(c *config) {
		if len(labels) == 0 {
			return
		}
		merged := make(Labels, len(c.defaultLabels)+len(labels))
		for k, v := range c.defaultLabels {
			merged[k] = v
		}
		for k, v := range labels {
			merged[k] = v
		}
		c.defaultLabels = merged
	})
}

// WithExcludedPaths leaves the requests whose path matches one of the
// regular expressions out of the default metrics and out of the decorator
// metrics; the requests themselves run as usual. Each expression is matched
// against the path Gin routed and anchored at its start only, so "/exc"
// also excludes "/excluded" and "/exc/1", while "/health$" excludes exactly
// "/health". Expressions that are plain literals are matched as prefixes,
// without the regular expression engine.
//
// The path Gin routed is the URL path as Gin cleaned it under the engine's
// RemoveExtraSlash, or its raw form under UseRawPath: for a request that
// matched a route, it is the route template with the parameters' values in
// place (under UseRawPath with UnescapePathValues, the unescaped values).
// So "//health" and "/static/../health", which Gin routes to /health under
// RemoveExtraSlash, are excluded by "/health$", and "/static/../login",
// which runs the login handler, is not excluded by "/static/": a client
// cannot hide a request to a measured route by spelling its path another
// way. A request that matches no route is matched by its URL path.
//
// Default: none. Repeated use appends. New panics on an expression that does
// not compile, naming it.
func WithExcludedPaths(patterns ...string) Option {
	return optionFunc(func(c *config) {
		c.excluded = append(c.excluded, patterns...)
	})
}

// WithSkipper leaves out of every metric of the instance, default and
// decorator alike, the requests for which fn returns true, as
// [WithExcludedPaths] does for paths: they run as usual, and are not
// recorded, nor counted in flight. fn runs once per request (once per
// dispatch of engine.HandleContext), before the rest of the chain, so it
// cannot see the status; use it for a rule on the request, such as a
// header, the client's network or a synthetic probe
// ([github.com/gin-contrib/ginprom/probe.Skip], which matches only requests
// that carry the prober's secret). The default middleware asks fn and marks
// the requests it skips, and the decorators follow that mark; without
// default metrics ([WithoutDefaults]) the first decorator of a request asks.
// A skipped request allocates its mark; the others allocate nothing.
//
// Default: none. A nil fn is ignored. Repeated use adds skippers: a request
// is skipped when any of them returns true, and they run in order until one
// does, so that a skipper given with shared options is not lost by a later
// one, such as [github.com/gin-contrib/ginprom/probe.Skip] for the prober.
func WithSkipper(fn func(c *gin.Context) bool) Option {
	return optionFunc(func(c *config) {
		switch prev := c.skipper; {
		case fn == nil:
		case prev == nil:
			c.skipper = fn
		default:
			c.skipper = func(c *gin.Context) bool { return prev(c) || fn(c) }
		}
	})
}

// check panics, with a message that says what to fix, on a configuration
// that cannot work.
func (c *config) check() {
	if c.path != "" && c.path[0] != '/' {
		panic(fmt.Sprintf("ginprom: WithPath(%q): the path must begin with \"/\"; give one such as \"/metrics\"", c.path))
	}
	for i, h := range c.metricsMiddleware {
		if h == nil {
			panic(fmt.Sprintf("ginprom: WithMetricsMiddleware: handler %d is nil; remove it, or pass a gin.HandlerFunc", i+1))
		}
	}
	if c.prefix != NoPrefix && !validMetricName(c.prefix) {
		panic(fmt.Sprintf("ginprom: WithDefaultsPrefix(%q): a prefix may hold only ASCII letters, digits, '_' and ':', and may not begin with a digit", c.prefix))
	}
	bucketsFrom := c.bucketsFrom
	if bucketsFrom == "" {
		bucketsFrom = "WithBuckets"
	}
	checkBuckets(bucketsFrom, c.buckets)
	checkBuckets("WithSizeBuckets", c.signals.sizeBuckets)
	c.checkSchema()
	c.checkIgnored()
}

// checkIgnored panics on an option that would have no effect with the
// others, as a decorator does for an option of another kind of metric, so
// that no setting is lost without a word; with WithEnabled(false) too, as
// every check.
func (c *config) checkIgnored() {
	if c.noDefaults {
		var given []string
		add := func(set bool, option string) {
			if set {
				given = append(given, option)
			}
		}
		add(c.summary, "WithLatencySummary")
		add(c.groupByGiven, "WithGroupBy")
		add(c.signals.reqSize, "WithRequestSize")
		add(c.signals.respSize, "WithResponseSize")
		add(c.signals.sizeBucketsGiven, "WithSizeBuckets")
		add(c.signals.inflight, "WithInFlight")
		add(c.signals.totalsByGroup, "WithTotalsByGroup")
		add(c.signals.exemplars != nil, "WithExemplars")
		add(c.signals.nativeFactor != 0, "WithNativeHistograms")
		if len(given) > 0 {
			panic(fmt.Sprintf("ginprom: WithoutDefaults with %s: %s the default metrics only, which WithoutDefaults turns off; remove %s",
				sentence(given), appliesTo(given), pronoun(given)))
		}
		return
	}
	sizes := c.signals.reqSize || c.signals.respSize
	if !sizes && c.signals.sizeBucketsGiven {
		panic("ginprom: WithSizeBuckets without WithRequestSize or WithResponseSize: the size buckets are those of the size histograms; add a size option, or remove WithSizeBuckets")
	}
	// As WithMetricBuckets on a summary decorator.
	if c.summary && c.bucketsGiven {
		panic("ginprom: WithBuckets with WithLatencySummary: WithBuckets applies to a duration histogram, and WithLatencySummary makes it a summary, which has no buckets; remove one of them")
	}
}

// appliesTo and pronoun agree with the number of options named.
func appliesTo(options []string) string {
	if len(options) == 1 {
		return "it applies to"
	}
	return "they apply to"
}

func pronoun(options []string) string {
	if len(options) == 1 {
		return "it"
	}
	return "them"
}

// isNil reports whether v is nil, or an interface holding a nil pointer,
// map, slice, channel or function.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

func checkBuckets(option string, buckets []float64) {
	for i, b := range buckets {
		if math.IsNaN(b) {
			panic(fmt.Sprintf("ginprom: %s: bucket %d is NaN; give upper bounds that are numbers, in increasing order", option, i+1))
		}
		if i > 0 && b <= buckets[i-1] {
			panic(fmt.Sprintf("ginprom: %s: buckets must be strictly increasing, but %g follows %g; give each upper bound once, in increasing order", option, b, buckets[i-1]))
		}
	}
}
