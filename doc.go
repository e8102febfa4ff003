// Package ginprom exposes Prometheus metrics for Gin applications: request
// duration, count and panics per route by default, per-route decorators for
// metrics of your own, info metrics, and the route that serves them. It
// follows Python's prometheus_flask_exporter, so the metric names and
// buckets of dashboards written for Flask keep working, and it is built so
// that clients cannot inflate the metrics and the request path costs no
// allocation.
//
// # Getting started
//
// Create the Metrics right after the engine, before registering routes:
//
//	r := gin.New()
//	m := ginprom.New(r) // adds the middleware and GET /metrics
//	r.GET("/users/:id", getUser)
//	r.Run(":8080")
//
// Gin copies middleware into a route when the route is registered, so
// routes registered before [New] (or [Metrics.Instrument]) are not measured.
//
// # Default metrics
//
// With the default prefix "gin":
//
//	gin_http_request_duration_seconds{method, path, status}  histogram
//	gin_http_request_total{method, status}                    counter
//	gin_http_request_exceptions_total{method, status}         counter
//	gin_exporter_info{version}                                gauge, always 1
//
// The duration covers the handlers after the middleware, and the few
// nanoseconds of the middleware's own lookups before them. method is one of
// the standard HTTP methods or OTHER; status is the code the client got.
// The request label is "path" with the route template ([GroupByRoute], the
// default), "path" with the URL path ([GroupByPath]), "handler"
// ([GroupByHandler]), or your own ([GroupByFunc]); requests that match no
// route get [Unmatched]. [WithDefaultsPrefix], [WithoutDefaults],
// [WithBuckets], [WithLatencySummary] and [WithDefaultLabels] change the
// defaults; [WithExcludedPaths], [Metrics.DoNotTrack] and
// [Metrics.ExcludeAllMetrics] leave requests out.
//
// # Schemas
//
// A [Schema] names every metric ginprom exposes; [WithSchema] takes one.
// [WithBigBrother] exposes the request metrics under the Big Brother
// protocol and nothing else of the request path (request_seconds,
// response_size_bytes, application_info, dependency_up and
// dependency_request_seconds; no gin_http_request_total,
// gin_http_request_exceptions_total or gin_exporter_info), so that
// bb-promster's rules and the Big Brother dashboards read them;
// [SetErrorMessage] sets its errorMessage label. [WithSemconv] exposes them
// under OpenTelemetry's HTTP server names
// (http_server_request_duration_seconds and its kin). [SynseSchema],
// [GoHTTPMetricsSchema], [GinPrometheusSchema], [GinMetricsSchema] and
// [FlaskWorkersSchema] hold the names of other systems a Gin application
// may replace (Synse Server, slok/go-http-metrics, zsais/go-gin-prometheus,
// penglongli/gin-metrics, the multi-worker Flask setup). Every schema is served from the same series as
// the defaults, at the same cost; [WithErrorStatus] says which statuses are
// errors. An option asking for a family the schema does not name
// ([WithRequestSize], [WithResponseSize] or [WithInFlight] under
// WithBigBrother) panics in New.
//
// # More request signals
//
// Off by default, each at a few atomic additions per request and no
// allocation: [WithRequestSize] and [WithResponseSize] (true body sizes, in
// the buckets of [WithSizeBuckets]), [WithInFlight] (the requests being
// served, by method), [WithTotalsByGroup] (the group-by label on the
// counters), [WithExemplars] (a trace id on the duration bucket a request
// fell in, for OpenMetrics and protobuf scrapes), [WithNativeHistograms]
// (native buckets beside the classic ones) and [WithSkipper] (leave requests
// out by a rule of yours).
//
// # Decorators
//
// [Metrics.Counter], [Metrics.Gauge], [Metrics.Summary] and
// [Metrics.Histogram] return route middleware that records a metric of your
// own, with labels that may be computed from the request ([Labels]).
// [Metrics.RegisterDefault] puts decorators on every route.
//
// # Dependencies
//
// [Metrics.WatchDependency] checks a dependency (a database, a queue,
// another service) in the background, every [WatchInterval] with a
// [WatchTimeout], and exposes the result in <prefix>_dependency_up{name}, 1
// or 0. [Metrics.InstrumentClient] wraps an http.RoundTripper so that the
// requests an application sends to a dependency are timed in
// <prefix>_dependency_request_duration_seconds{name, method, status}.
// [Metrics.Close] stops every watcher and waits for it.
//
// # Serving the metrics
//
// [Metrics.Instrument] adds GET /metrics to the engine ([WithPath]);
// [Metrics.RegisterEndpoint] adds it to any router or group;
// [Metrics.StartHTTPServer] serves it on a port of its own; [Metrics.Handler]
// is the bare handler. [WithMetricsMiddleware] puts authentication in front
// of every one of them. The metrics are registered in
// prometheus.DefaultRegisterer unless [WithRegistry] names another registry;
// building the same app twice on one registry reuses the metrics.
//
// # Several processes
//
// One process counts every request it serves, exactly. Replicas of a
// service are each scraped as a target of their own, and Prometheus sums
// them. A process that cannot be scraped, such as a batch job, pushes to a
// Pushgateway with [Metrics.Push], or periodically with
// [Metrics.StartPushing], grouped by job and an instance label
// ([WithPushInstance]; the host name by default). [WithPusher] configures
// the pushes (authentication, client, more grouping labels).
//
// # Sessions and messages
//
// A request whose handler upgrades it to a WebSocket, or that streams
// Server-Sent Events, is a session, not a request: the default middleware
// leaves it out of the request metrics, so that sessions of minutes do not
// drag the request percentiles, and counts it in
// <prefix>_http_sessions_open{kind, path} and
// <prefix>_http_session_duration_seconds{kind, path}.
// [Metrics.ObserveMessage] records the messages of a session by event.
// [WithEnabled](false) turns an instance into one that does nothing and
// costs nothing.
//
// # What panics, and what never fails
//
// Configuration errors panic at setup, with a message that begins with
// "ginprom:" and says what to fix: in New, [Metrics.Instrument], the
// decorator constructors, [Metrics.RegisterDefault], [GroupByFunc],
// [LimitValues], [Metrics.Info], [Metrics.WatchDependency],
// [Metrics.InstrumentClient], [HTTPCheck], [Metrics.Push] and
// [Metrics.StartPushing]; [WithNativeHistograms] panics when it is called.
// On the request path nothing fails because of ginprom: unknown methods
// become OTHER, status codes are clamped, label values that are not valid
// UTF-8 are repaired, and unmatched URLs share one series. A panic in a
// handler is recorded as a 500 and an exception, and goes on unchanged to
// the application's recovery.
package ginprom
