package ginprom

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/push"
)

// instanceLabel is the grouping label that tells apart, in a Pushgateway,
// the processes that push under one job: see [WithPushInstance].
const instanceLabel = "instance"

// PushTimeout is the least time a push of [Metrics.StartPushing], periodic
// or the last one of stop, is given before it is cancelled; a push may take
// up to its interval when that is longer.
const PushTimeout = 10 * time.Second

// pushTimeout is PushTimeout; tests shorten it.
var pushTimeout = PushTimeout

// pushConfig is what the push options set.
type pushConfig struct {
	instance    string
	instanceSet bool                 // WithPushInstance was given, "" included
	configure   []func(*push.Pusher) // from WithPusher, in order
}

// WithPushInstance sets the value of the instance grouping label under
// which [Metrics.Push] and [Metrics.StartPushing] push. Each process that
// pushes under one job needs its own value, or the last push of one replaces
// the other's; a job that runs again should keep its value, so that its new
// run replaces its last one instead of adding a group to the Pushgateway.
// The empty string pushes without an instance label: one group per job, for
// a job that only ever runs once at a time.
//
// Default: the host name (os.Hostname), which tells apart processes on
// different hosts or containers and stays the same across runs on one. Two
// processes of one job that push at the same time from one host must each
// be given a value, such as the host name and the process id
// (fmt.Sprintf("%s-%d", host, os.Getpid())) or a worker number. The last
// WithPushInstance wins.
func WithPushInstance(instance string) Option {
	return optionFunc(func(c *config) {
		c.push.instance, c.push.instanceSet = instance, true
	})
}

// WithPusher gives fn every push.Pusher that [Metrics.Push] and
// [Metrics.StartPushing] make, after ginprom has set its gatherer, its job
// and its instance grouping label, and before it pushes: fn may add basic
// auth (p.BasicAuth), headers, an HTTP client with timeouts or TLS
// (p.Client), or more grouping labels (p.Grouping, which may also replace
// the instance label).
//
// Default: none; pushes go through an http.Client with the settings of
// http.DefaultTransport. A nil fn is ignored; repeated use appends, and the
// functions run in order.
func WithPusher(fn func(p *push.Pusher)) Option {
	return optionFunc(func(c *config) {
		if fn != nil {
			c.push.configure = append(c.push.configure, fn)
		}
	})
}

// Push pushes everything the instance's registry gathers (see
// [WithRegistry]) to the Pushgateway at url, with client_golang's push
// package, under the grouping key job=job and instance=the value of
// [WithPushInstance] (the host name by default). It is for processes that
// Prometheus cannot scrape, above all batch jobs: do the work, record it,
// Push, exit. url is the gateway's base address, such as
// "http://pushgateway:9091", with its scheme, without /metrics or the
// /metrics/job/... part.
//
// Push replaces the whole group (an HTTP PUT, push.Pusher.Push): after it,
// the group holds exactly what this process gathered, and a metric that the
// registry no longer has is gone from it. The Pushgateway keeps a group until
// it is deleted, and Prometheus scrapes its last values for ever: delete the
// group of a process that is gone for good (see the README, "Several
// processes"), for example with
// push.New(url, job).Grouping("instance", instance).Delete().
//
// Push returns an error, and pushes nothing, if the registry fails to
// gather, if a gathered metric has a label named job or named like a
// grouping label (instance), if the host name cannot be read for the
// default instance, or if the gateway cannot be reached or refuses the push;
// ctx bounds the request. It panics if url or job is empty, or url
// is not an http(s) address of a gateway (a URL without http:// or
// https://, such as "pushgateway:9091", included) or ends in /metrics. With
// WithEnabled(false) it pushes nothing and returns [ErrDisabled].
func (m *Metrics) Push(ctx context.Context, url, job string) error {
	checkPushTarget("Push", url, job)
	if m.disabled() {
		return ErrDisabled
	}
	return m.push(ctx, nil, url, job)
}

// StartPushing pushes as [Metrics.Push] does, at once and then every
// interval, from a goroutine, until stop is called; it is for a process
// that runs for a while but cannot be scraped, such as a worker behind a
// firewall. A push that fails is written to gin.DefaultErrorWriter (as it is
// when StartPushing is called) and tried again at the next tick; a failure
// never stops the pushing or the application. One push is in flight at a
// time; one that takes longer than every, or than [PushTimeout] when every
// is shorter, is cancelled and counts as failed, so that a gateway that
// hangs cannot stop the pushes for good.
//
// stop ends the periodic pushes (cancelling one in flight), waits for the
// goroutine to end, then pushes a last time, so that the gateway holds the
// process's final values, and returns that push's error. That push is
// bounded by ctx and, like every push of StartPushing, by every or
// [PushTimeout], whichever is longer, so that stop(context.Background())
// cannot hang on a gateway that never answers.
// No goroutine of StartPushing outlives stop. Calling stop again does
// nothing more and returns the same error.
//
// Do not push the request metrics of a service that Prometheus can scrape:
// scrape each replica instead (see the README, "Several processes").
//
// StartPushing panics if url or job is empty, url is not an http(s)
// address of a gateway (as for Push), or every is not positive. With WithEnabled(false)
// it starts nothing, and stop returns [ErrDisabled].
func (m *Metrics) StartPushing(url, job string, every time.Duration) (stop func(ctx context.Context) error) {
	checkPushTarget("StartPushing", url, job)
	if every <= 0 {
		panic(fmt.Sprintf("ginprom: StartPushing(%q, %q, %v): the interval must be positive, such as 15*time.Second", url, job, every))
	}
	if m.disabled() {
		// No goroutine starts; stop reports what Push would.
		return func(context.Context) error { return ErrDisabled }
	}
	errorLog := gin.DefaultErrorWriter
	transport := newPushTransport()
	client := &http.Client{Transport: transport}

	timeout := max(every, pushTimeout)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for {
			pushCtx, cancelPush := context.WithTimeout(ctx, timeout)
			err := m.push(pushCtx, client, url, job)
			cancelPush()
			if err != nil && ctx.Err() == nil {
				_, _ = fmt.Fprintf(errorLog, "%v; trying again in %v\n", err, every)
			}
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
		}
	}()

	var once sync.Once
	var lastErr error
	return func(ctx context.Context) error {
		once.Do(func() {
			cancel()
			<-done
			lastCtx, cancelLast := context.WithTimeout(ctx, timeout)
			defer cancelLast()
			lastErr = m.push(lastCtx, client, url, job)
			transport.CloseIdleConnections()
		})
		return lastErr
	}
}

// push makes a pusher for url and job, configured as the options say, and
// pushes with it. A nil client keeps the push package's own.
func (m *Metrics) push(ctx context.Context, client *http.Client, url, job string) error {
	p := push.New(url, job).Gatherer(m.reg)
	if client != nil {
		p.Client(client)
	}
	instance := m.pushCfg.instance
	if !m.pushCfg.instanceSet {
		host, err := os.Hostname()
		if err == nil && host == "" {
			err = errors.New("the host name is empty")
		}
		if err != nil {
			return fmt.Errorf("ginprom: push to %s (job %q): no host name for the instance label (%w); set one with WithPushInstance", url, job, err)
		}
		instance = host
	}
	if instance != "" {
		p.Grouping(instanceLabel, instance)
	}
	for _, fn := range m.pushCfg.configure {
		fn(p)
	}
	if err := p.PushContext(ctx); err != nil {
		return fmt.Errorf("ginprom: push to %s (job %q, instance %q): %w", url, job, instance, err)
	}
	return nil
}

// newPushTransport returns a transport of its own for StartPushing, whose
// idle connections stop can close, with the settings of
// http.DefaultTransport when that is an *http.Transport.
func newPushTransport() *http.Transport {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return &http.Transport{Proxy: http.ProxyFromEnvironment}
}

// checkPushTarget panics, saying what to fix, unless rawURL is the address
// of a gateway and job is not empty.
func checkPushTarget(method, rawURL, job string) {
	if rawURL == "" {
		panic(fmt.Sprintf("ginprom: %s: the Pushgateway URL is empty; pass its address, such as \"http://pushgateway:9091\"", method))
	}
	if job == "" {
		panic(fmt.Sprintf("ginprom: %s(%q, \"\"): the job is empty; name the job, such as \"nightly_import\"", method, rawURL))
	}
	// Without a scheme, "pushgateway:9091" would parse as the scheme
	// pushgateway; the push package would add http://, but a URL that
	// cannot be read one way only is refused here, at setup.
	if !strings.Contains(rawURL, "://") {
		panic(fmt.Sprintf("ginprom: %s(%q, %q): the Pushgateway URL has no scheme; write it with http:// or https://, such as %q", method, rawURL, job, "http://"+rawURL))
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" {
		panic(fmt.Sprintf("ginprom: %s(%q, %q): the Pushgateway URL must be an http or https address, such as \"http://pushgateway:9091\"", method, rawURL, job))
	}
	// The gateway's own page of metrics is at /metrics, so that is the
	// address a user has seen; the push package would push under
	// /metrics/metrics/job/..., and the gateway answer 404.
	if strings.Contains(u.Path, "/metrics/job") || strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/metrics") {
		panic(fmt.Sprintf("ginprom: %s(%q, %q): give the Pushgateway's base address, without /metrics or /metrics/job/...; the job and instance are added by ginprom", method, rawURL, job))
	}
}
