// Package probe is a synthetic monitor: it sends requests to a service on a
// schedule, as its users would, and exposes what it saw as Prometheus
// metrics, so that alerts can fire on what users get rather than on what the
// service says about itself.
//
// # Getting started
//
// Describe each request with a [Target], make a [Prober] with [New] and run
// it until the program ends:
//
//	reg := prometheus.NewRegistry()
//	p := probe.New(reg, 5*time.Second, probe.Target{
//		Method: http.MethodPost,
//		URL:    "http://reservations:8080/reservations",
//		Body:   []byte(`{"username": "synthetic"}`),
//		Secret: os.Getenv("PROBE_SECRET"),
//	})
//	go p.Run(ctx)
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// [Prober.ProbeOnce] runs a single round, for a cron job or a test.
//
// # Metrics
//
// For every target, labelled with its method and URL:
//
//	synthetic_request_duration_seconds{method, url, result}  histogram, buckets 0.01 0.1 0.5 2
//	synthetic_probe_success{method, url}                      gauge, 1 or 0: the last result
//	synthetic_last_success_timestamp_seconds{method, url}     gauge, Unix time of the last success
//
// result is "success" or "failure". A probe succeeds when its Success
// function accepts the response (by default: status 200 exactly) and
// the body was read to its end within the
// timeout; a transport error, a timeout, a redirect (redirects are not
// followed) or a body cut short is a failure.
// Every series exists from [New] on, at 0, so failure ratios have data before
// the first failure and a target that never succeeds looks infinitely stale.
// The url label is the Target's URL as configured (its password, if any,
// masked): it comes from the operator, never from a client, so the series
// are bounded by the number of targets.
//
// # Naming the metrics
//
// [NewNamed] exposes the same metrics under the names of a [Names], so that
// the dashboards and alerts written for the monitor a Prober replaces keep
// working. Its empty fields keep their defaults; this one keeps the
// duration of a monitor that named it without its unit:
//
//	p := probe.NewNamed(reg, probe.Names{Duration: "synthetic_request_duration"}, 5*time.Second, targets...)
//
// exposes synthetic_request_duration{method, url, result} beside the two
// gauges of their default names.
//
// # Keeping probes out of the service's metrics
//
// A probed service instrumented with ginprom would count the probes as user
// traffic. Give the [Target] a Secret, which the Prober sends in the
// [SecretHeader] header, and give the service the same secret:
//
//	ginprom.New(r, ginprom.WithSkipper(probe.Skip(secret)))
//
// [Skip] leaves out of every ginprom metric only the requests that carry
// that exact secret, compared in constant time, so that no other client
// can hide its requests from the service's metrics by sending the header.
//
// # What panics
//
// [New], [NewNamed] and [Skip] panic on a configuration that cannot work
// (no registry, no targets, a URL that is not absolute http or https, an
// invalid or lower-case method, a non-positive interval or a negative
// timeout, an empty secret, a secret or header value that a header cannot
// carry as it is, such as one with a line break, an invalid metric or
// label name, two metrics or two labels of one name), with a message that
// begins with "probe:" and says what to fix; so do a second [Prober.Run] of
// a Prober that is running, and Run or [Prober.ProbeOnce] of a Prober not
// made by New or NewNamed. Nothing else panics once the probes run: a
// failing target, or a Success function that panics, is a failed probe.
package probe
