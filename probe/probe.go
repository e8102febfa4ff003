package probe

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// SecretHeader is the request header in which a [Prober] sends a
// [Target]'s Secret, and in which [Skip] looks for it.
const SecretHeader = "X-Synthetic-Probe" //nolint:gosec // G101: the name of a header, not a credential.

// DefaultTimeout is the Timeout of a [Target] that sets none.
const DefaultTimeout = 10 * time.Second

// Target is one request that a [Prober] sends every interval. Its Method and
// URL become the method and url labels of its series; two targets of one
// Prober may not share both.
type Target struct {
	// Method is the request method, such as http.MethodPost. Default: GET.
	// Methods are case-sensitive: New panics on a lower-case spelling of
	// a standard one ("post"), which a server would not route.
	Method string
	// URL is the absolute http or https URL to request. It is the url
	// label, as written (with its password masked, if it has one), so keep
	// secrets in Header or Secret rather than in the query.
	URL string
	// Body is sent with every request. nil sends none.
	Body []byte
	// Header is added to every request. nil adds none. A Host entry is
	// ignored, as net/http ignores it. New panics on a name that is not a
	// token or a value with a control character, which net/http would
	// refuse to send.
	Header http.Header
	// Timeout bounds a probe from the start of the request to the end of
	// its body; a probe that runs out of it is a failure. It may be
	// longer than the interval (see [Prober.Run]). Default:
	// [DefaultTimeout] (10s); New panics on a negative one.
	Timeout time.Duration
	// Success decides whether a response is a success. It is called
	// before the body is read, and may read it; the Prober reads the rest
	// and closes it. A panic in Success counts as a failure. Default:
	// status 200 exactly (redirects are not followed, so a 3xx is a
	// failure); a target that answers 201 or 204 when it works, such as a
	// POST that creates something, says so here.
	Success func(*http.Response) bool
	// Secret, when not empty, is sent in the [SecretHeader] header, so that
	// the probed service can leave the probe out of its own metrics with
	// [Skip]. Default: none. New panics on a secret with a control
	// character (such as the line break at the end of a secret read from a
	// file) or with white space at either end, which a header does not
	// carry as it is.
	Secret string
}

// Prober probes its targets and records the results. Make one with [New]
// or [NewNamed]; run it with [Prober.Run] or [Prober.ProbeOnce]. Its
// methods are safe to call from several goroutines.
type Prober struct {
	interval time.Duration
	targets  []*target
	client   *http.Client
	running  atomic.Bool // a Run is in progress
}

// target is a Target with its defaults filled in and its series resolved.
type target struct {
	method, url string
	label       string // url with its password masked: the url label
	body        []byte
	header      http.Header
	timeout     time.Duration
	success     func(*http.Response) bool

	// busy holds a token while a probe of this target runs, so that Run
	// and ProbeOnce never probe one target twice at once.
	busy chan struct{}

	succeeded, failed prometheus.Observer
	up, last          prometheus.Gauge
}

// New returns a Prober that probes each target every interval once it runs,
// with its metrics registered in reg. Building a second Prober on the same
// registry reuses the metrics (as promhttp does on
// [prometheus.AlreadyRegisteredError]); the targets of both then share the
// series, and should differ.
//
// New panics, with a message that begins with "probe:" and says what to fix,
// if reg is nil, interval is not positive, there are no targets, or a target
// is invalid: a URL that is not an absolute http or https URL, a Method that
// is not an HTTP token or is a standard method in lower case, a Header or
// Secret that a header cannot carry, a negative Timeout, or the same Method
// and URL as another target. It also panics if
// a metric of the same name and other labels is already registered in reg.
//
// The metrics have the names of the package documentation; [NewNamed]
// gives them others.
func New(reg prometheus.Registerer, interval time.Duration, targets ...Target) *Prober {
	return newProber("New", reg, Names{}, interval, targets)
}

// NewNamed is [New] with the metrics and labels named by names instead of
// the defaults: its empty fields keep theirs, so NewNamed with the zero
// [Names] is New. A second Prober on the same registry reuses the metrics
// only if it names them alike; under other names it exposes metrics of
// its own.
//
// NewNamed panics as New does, and also on names that cannot be exposed
// together: an invalid metric or label name, two metrics or two labels of
// one name (see [Names]).
func NewNamed(reg prometheus.Registerer, names Names, interval time.Duration, targets ...Target) *Prober {
	return newProber("NewNamed", reg, names, interval, targets)
}

// newProber is New and NewNamed; fn is the one called, for the messages.
func newProber(fn string, reg prometheus.Registerer, names Names, interval time.Duration, targets []Target) *Prober {
	if reg == nil {
		panic("probe: " + fn + ": the registerer is nil; pass prometheus.DefaultRegisterer or a registry of your own")
	}
	if interval <= 0 {
		panic(fmt.Sprintf("probe: %s: the interval is %v; it must be positive, such as 30*time.Second", fn, interval))
	}
	if len(targets) == 0 {
		panic("probe: " + fn + ": no targets; pass at least one Target to probe")
	}
	m := newMetrics(fn, reg, names.resolve(fn))

	// A probe measures what a user's first request costs, connection
	// included, and leaves no idle connection (nor its goroutines) behind.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DisableKeepAlives = true
	p := &Prober{
		interval: interval,
		client: &http.Client{
			Transport: transport,
			// A redirect is the probe's answer: following it would send
			// the secret to wherever the Location points.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	seen := make(map[[2]string]bool, len(targets))
	for i, tg := range targets {
		t := newTarget(fn, i, tg)
		key := [2]string{t.method, t.label}
		if seen[key] {
			panic(fmt.Sprintf("probe: %s: targets[%d]: another target has method %s and URL %q; their series would mix, so give each target its own", fn, i, t.method, t.label))
		}
		seen[key] = true
		m.resolve(t)
		p.targets = append(p.targets, t)
	}
	return p
}

// newTarget checks tg and fills in its defaults; fn is the constructor and
// i the target's index, for the messages.
func newTarget(fn string, i int, tg Target) *target {
	method := tg.Method
	if method == "" {
		method = http.MethodGet
	}
	if !validMethod(method) {
		panic(fmt.Sprintf("probe: %s: targets[%d]: Method %q is not an HTTP method; use one such as \"GET\" or \"POST\"", fn, i, tg.Method))
	}
	// Methods are case-sensitive: net/http sends "post" as it is, and a
	// server routes it as an unknown method, so every probe would fail.
	if upper := strings.ToUpper(method); upper != method && standardMethod(upper) {
		panic(fmt.Sprintf("probe: %s: targets[%d]: Method %q: methods are case-sensitive, and a server does not route %q as %s; write %q (http.Method%s)", fn, i, method, method, upper, upper, upper[:1]+strings.ToLower(upper[1:])))
	}
	u, err := url.Parse(tg.URL)
	if err != nil {
		panic(fmt.Sprintf("probe: %s: targets[%d]: URL %q does not parse: %v", fn, i, tg.URL, err))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		panic(fmt.Sprintf("probe: %s: targets[%d]: URL %q is not an absolute http or https URL; write it as \"http://host:port/path\"", fn, i, tg.URL))
	}
	for name, values := range tg.Header {
		if !validToken(name) {
			panic(fmt.Sprintf("probe: %s: targets[%d]: Header name %q is not a valid header name; net/http would refuse to send it, and every probe would fail", fn, i, name))
		}
		for _, v := range values {
			if !validHeaderValue(v) {
				panic(fmt.Sprintf("probe: %s: targets[%d]: Header %q has a value with a control character, such as a line break; net/http would refuse to send it, and every probe would fail", fn, i, name))
			}
		}
	}
	if tg.Secret != "" && !validSecret(tg.Secret) {
		// The secret itself stays out of the message, which may be logged.
		panic(fmt.Sprintf("probe: %s: targets[%d]: the Secret has a control character (such as a line break at its end, as read from a file) or white space at either end, which a header cannot carry as it is; trim it, as strings.TrimSpace does, for the prober and the service alike", fn, i))
	}
	if tg.Timeout < 0 {
		panic(fmt.Sprintf("probe: %s: targets[%d]: Timeout is %v; it must be positive, or 0 for the default of %v", fn, i, tg.Timeout, DefaultTimeout))
	}
	t := &target{
		method:  method,
		url:     tg.URL,
		label:   u.Redacted(),
		body:    bytes.Clone(tg.Body),
		header:  tg.Header.Clone(),
		timeout: tg.Timeout,
		success: tg.Success,
		busy:    make(chan struct{}, 1),
	}
	if t.header == nil {
		t.header = make(http.Header)
	}
	if tg.Secret != "" {
		t.header.Set(SecretHeader, tg.Secret)
	}
	if t.timeout == 0 {
		t.timeout = DefaultTimeout
	}
	if t.success == nil {
		t.success = status200
	}
	return t
}

// status200 is the default Success: the status is 200, as the synthetic
// monitors that the Prober replaces check it.
func status200(r *http.Response) bool { return r.StatusCode == http.StatusOK }

// Run probes every target at once, then again every interval, until ctx
// ends, and returns ctx.Err() once every probe it started has returned. A
// probe that ctx cuts short is not recorded.
//
// Each target has a schedule of its own, so a slow target never delays the
// others, and its probes run one after another, never two at once. When a
// probe outlasts the interval (its Timeout may be longer), the next probe of
// that target starts as soon as it ends, the ticks it covered are dropped
// rather than made up, and the schedule goes on: a target is probed at most
// once per interval, and a hung one once per Timeout.
//
// Run panics if another Run of p is still running (run each Prober once),
// or if p is nil or was not made by [New].
func (p *Prober) Run(ctx context.Context) error {
	p.check("Run")
	if !p.running.CompareAndSwap(false, true) {
		panic("probe: Run: this Prober is already running; call Run once, and ProbeOnce for an extra round")
	}
	defer p.running.Store(false)
	if err := ctx.Err(); err != nil {
		return err
	}
	p.eachTarget(func(t *target) { p.loop(ctx, t) })
	return ctx.Err()
}

// check panics, saying what to fix, unless p was made by New: a nil or
// zero Prober has no targets, and would return at once instead of probing.
func (p *Prober) check(method string) {
	if p == nil || len(p.targets) == 0 {
		panic("probe: " + method + ": the Prober is nil or was not made by New; make it with probe.New(reg, interval, targets...)")
	}
}

// loop probes t now and at every tick until ctx ends.
func (p *Prober) loop(ctx context.Context, t *target) {
	tick := time.NewTicker(p.interval)
	defer tick.Stop()
	for {
		p.probe(ctx, t)
		// A tick that came during the probe is still pending, so a late
		// probe is followed at once by the next one; the ticker drops any
		// further ticks.
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// ProbeOnce probes every target once, all at the same time, records the
// results and returns when every probe has ended. It panics if p is nil or
// was not made by [New]. A target whose probe is
// still running (from Run or another ProbeOnce) is probed after that probe
// ends, never twice at once. ctx bounds the round: a probe it cuts short,
// or never starts, is not recorded; only a target's own Timeout makes a
// timeout a failure.
func (p *Prober) ProbeOnce(ctx context.Context) {
	p.check("ProbeOnce")
	if len(p.targets) == 1 {
		p.probe(ctx, p.targets[0])
		return
	}
	p.eachTarget(func(t *target) { p.probe(ctx, t) })
}

// eachTarget runs f for every target, each in a goroutine of its own, and
// waits for them all.
func (p *Prober) eachTarget(f func(t *target)) {
	var wg sync.WaitGroup
	for _, t := range p.targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(t)
		}()
	}
	wg.Wait()
}

// probe probes t once, after any probe of t still running, and records the
// result unless ctx ended first.
func (p *Prober) probe(ctx context.Context, t *target) {
	select {
	case t.busy <- struct{}{}:
	case <-ctx.Done():
		return
	}
	defer func() { <-t.busy }()
	if ctx.Err() != nil {
		return
	}

	start := time.Now()
	ok := p.do(ctx, t)
	end := time.Now()
	if !ok && ctx.Err() != nil {
		return // the caller gave up, not the target
	}
	elapsed := end.Sub(start).Seconds()
	if ok {
		t.succeeded.Observe(elapsed)
		t.up.Set(1)
		t.last.Set(float64(end.UnixNano()) / 1e9)
	} else {
		t.failed.Observe(elapsed)
		t.up.Set(0)
	}
}

// do sends t's request and reads its response to the end, within t's
// timeout, and reports whether it succeeded.
func (p *Prober) do(parent context.Context, t *target) bool {
	ctx, cancel := context.WithTimeout(parent, t.timeout)
	defer cancel()
	var body io.Reader
	if t.body != nil {
		body = bytes.NewReader(t.body)
	}
	req, err := http.NewRequestWithContext(ctx, t.method, t.url, body)
	if err != nil {
		return false
	}
	req.Header = t.header.Clone()
	resp, err := p.client.Do(req)
	if err != nil {
		return false // refused, reset, timed out...
	}
	defer func() { _ = resp.Body.Close() }()
	ok := accepts(t.success, resp)
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return false // a body cut short or too slow is what a user would see
	}
	return ok
}

// accepts calls success, counting a panic as a failure.
func accepts(success func(*http.Response) bool, resp *http.Response) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return success(resp)
}
