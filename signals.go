package ginprom

import (
	"fmt"
	"math"

	"github.com/gin-contrib/ginprom/internal/aggregate"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultSizeBuckets are the upper bounds, in bytes, of the size histograms
// of [WithRequestSize] and [WithResponseSize] unless [WithSizeBuckets] says
// otherwise: 100 B to 100 MB, a bucket per power of ten. Metrics copy them
// when they are made.
var DefaultSizeBuckets = []float64{100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8}

// signalConfig is what the options of the additional request signals set.
type signalConfig struct {
	reqSize, respSize bool
	sizeBuckets       []float64
	sizeBucketsGiven  bool // WithSizeBuckets was given
	inflight          bool
	totalsByGroup     bool
	exemplars         func(*gin.Context) prometheus.Labels
	nativeFactor      float64 // 0: off
}

// WithRequestSize adds <prefix>_http_request_size_bytes, a histogram of
// request body sizes with the labels of the duration metric and the buckets
// of [WithSizeBuckets]. A request's size is its Content-Length when the
// client sent one; otherwise (a chunked body) it is the number of bytes the
// handlers read from the body, counted as they read it and never buffered.
// Only such a request costs an allocation: the counting wrapper around its
// body.
//
// Default: off. Repeated use changes nothing more. Under a schema the
// family is the schema's RequestSize; New panics if the schema names none
// ([WithBigBrother] does not), as the option would add nothing.
func WithRequestSize() Option {
	return optionFunc(func(c *config) { c.signals.reqSize = true })
}

// WithResponseSize adds <prefix>_http_response_size_bytes, a histogram of
// response body sizes with the labels of the duration metric and the
// buckets of [WithSizeBuckets]. A response's size is the number of body
// bytes the client got: 0 when nothing was written (Gin's Size of -1 never
// shows) and for every HEAD response, and the 18-byte and 22-byte bodies
// that Gin writes itself for 404 and 405 after the middleware returns are
// counted. A request whose client got nothing of what the handlers wrote
// (it hung up, or http.TimeoutHandler answered in their place; see
// [Metrics.Middleware]) counts 0. Behind a writer that a middleware placed
// before ginprom's has put in place of Gin's (gin-contrib/gzip), which
// finishes only after ginprom has returned, the size is the body bytes the
// handlers wrote, before that writer transforms them; such a request costs
// one allocation.
//
// Default: off. Repeated use changes nothing more. Under a schema the
// family is the schema's ResponseSize; New panics if the schema names none
// ([WithBigBrother] does not), as the option would add nothing.
func WithResponseSize() Option {
	return optionFunc(func(c *config) { c.signals.respSize = true })
}

// WithSizeBuckets sets the upper bounds, in bytes, of the buckets of
// [WithRequestSize] and [WithResponseSize].
//
// Default: [DefaultSizeBuckets]. No buckets keep the default; the last
// WithSizeBuckets wins. New panics if the bounds are not strictly
// increasing or one is NaN, and if neither WithRequestSize nor
// WithResponseSize is given (there is no size histogram to use them).
func WithSizeBuckets(buckets ...float64) Option {
	return optionFunc(func(c *config) {
		if len(buckets) > 0 {
			c.signals.sizeBuckets = append([]float64(nil), buckets...)
			c.signals.sizeBucketsGiven = true
		}
	})
}

// WithInFlight adds <prefix>_http_requests_in_flight{method}, a gauge of the
// requests inside the chain of the default middleware now. It goes up
// before the rest of the chain and down after it, also when a handler
// panics. Requests left out of the metrics (excluded paths, [WithSkipper],
// the metrics route) never touch it, so a scrape never counts itself. Its
// labels are method and the static default labels of [WithDefaultLabels];
// label functions do not apply to it, as it rises before the chain runs.
//
// Default: off. Repeated use changes nothing more. Under a schema the
// family is the schema's InFlight; New panics if the schema names none
// ([WithBigBrother] does not), as the option would add nothing.
func WithInFlight() Option {
	return optionFunc(func(c *config) { c.signals.inflight = true })
}

// WithTotalsByGroup puts the group-by label (see [WithGroupBy]) on
// <prefix>_http_request_total and <prefix>_http_request_exceptions_total
// too, so that requests and exceptions can be counted per route without
// the duration metric. The total is still derived from the duration's
// counts and costs nothing per request.
//
// Default: off. Repeated use changes nothing more.
func WithTotalsByGroup() Option {
	return optionFunc(func(c *config) { c.signals.totalsByGroup = true })
}

// WithExemplars attaches exemplars to the duration histogram: fn runs once
// per recorded request, after the chain, and the labels it returns (a trace
// id, say) become the exemplar of the duration bucket that the request fell
// in, the latest one winning. Exemplars show in the OpenMetrics and
// protobuf expositions. A nil or empty result records no exemplar and
// costs no allocation. A label set that the exposition would refuse (more
// than prometheus.ExemplarMaxRunes, 128, runes in names and values, an
// invalid name or a value that is not UTF-8) is dropped; the request is
// recorded as usual. If fn panics, the request is recorded without an
// exemplar and the panic is raised again. With [WithLatencySummary] there
// are no buckets, and no exemplars.
//
// Default: none. A nil fn keeps the current one; the last WithExemplars
// wins.
func WithExemplars(fn func(c *gin.Context) prometheus.Labels) Option {
	return optionFunc(func(c *config) {
		if fn != nil {
			c.signals.exemplars = fn
		}
	})
}

// WithNativeHistograms makes the duration histogram, and the size
// histograms when they are on, native histograms too, with the bucket
// growth factor bucketFactor as client_golang's NativeHistogramBucketFactor
// means it (1.1: each bucket at most 10% wider than the last). The classic
// buckets stay, for the text and OpenMetrics formats; a scraper asking for
// the protobuf format gets both. The bucket count is bounded: durations
// are resolved from 2^-20 s (about 1 µs, below which they count in the
// zero bucket) to 4096 s, sizes from 1 byte to 2 GiB, larger values
// counting in the top bucket, at a factor no finer than 2^(1/8) (see
// [MaxNativeSchema]): at most 256 buckets per histogram. With
// [WithLatencySummary] the duration is a summary, and only the size
// histograms become native.
//
// Default: off. The last WithNativeHistograms wins. It panics unless
// bucketFactor is a finite number greater than 1.
func WithNativeHistograms(bucketFactor float64) Option {
	if !(bucketFactor > 1) || math.IsInf(bucketFactor, 0) {
		panic(fmt.Sprintf("ginprom: WithNativeHistograms(%g): the bucket factor must be a number greater than 1, such as 1.1", bucketFactor))
	}
	return optionFunc(func(c *config) { c.signals.nativeFactor = bucketFactor })
}

// MaxNativeSchema is the finest resolution of the native histograms of
// [WithNativeHistograms]: schema 3, a growth factor of 2^(1/8), about 1.09.
// A smaller factor is coarsened to it, so that a native histogram has at
// most 256 buckets besides its zero bucket.
const MaxNativeSchema = aggregate.MaxNativeSchema
