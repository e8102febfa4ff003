package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Deadlines of the waits below. They bound how long a broken setup takes to
// fail; none of them is a pause that a test relies on.
const (
	readyTimeout = 60 * time.Second
	queryTimeout = 90 * time.Second
	pollEvery    = 100 * time.Millisecond
	stopTimeout  = 10 * time.Second
)

// binDir holds the example binaries built by buildExample, one build per
// example and test run.
var (
	binDir string
	builds sync.Map // example name -> *build
)

type build struct {
	once sync.Once
	path string
	err  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ginprom-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// repoPath returns a path under the repository root, of which this module
// is the e2e folder.
func repoPath(parts ...string) string {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(file))
	return filepath.Join(append([]string{root}, parts...)...)
}

// tool returns the path of one of the Debian binaries the tests run, and
// fails the test, saying how to install it, when it is missing. Prometheus
// and promtool come from a PromVersion instead.
func tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("e2e: %s is not installed; run `make tools` (as root), which runs apt-get install prometheus prometheus-pushgateway", name)
	}
	return p
}

// freeAddr returns a loopback address whose port is free now.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("e2e: no free port: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("e2e: closing the port probe: %v", err)
	}
	return addr
}

// buildExample builds the program in _examples/<name> once per test run
// and returns the path of its binary. name may name a package below the
// example's module, such as "synthetic/prober".
func buildExample(t testing.TB, name string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(name, &build{})
	b := v.(*build)
	b.once.Do(func() {
		b.path = filepath.Join(binDir, strings.ReplaceAll(name, "/", "-"))
		cmd := exec.CommandContext(context.Background(), "go", "build", "-o", b.path, ".")
		cmd.Dir = repoPath("_examples", name)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build in %s: %w\n%s", cmd.Dir, err, out)
		}
	})
	if b.err != nil {
		t.Fatalf("e2e: %v", b.err)
	}
	return b.path
}

// Proc is a process a test started. It is stopped, by the process id the
// test started, when the test ends, and its output is shown if the test
// failed.
type Proc struct {
	Name string
	Cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error // of Wait, once done is closed
}

// start starts bin with args and, added to the test's environment, env.
func start(t testing.TB, name, bin string, env []string, args ...string) *Proc {
	t.Helper()
	p := &Proc{Name: name, out: &syncBuffer{}, done: make(chan struct{})}
	p.Cmd = exec.CommandContext(context.Background(), bin, args...)
	p.Cmd.Env = append(os.Environ(), env...)
	p.Cmd.Stdout = p.out
	p.Cmd.Stderr = p.out
	// A group of its own, so that a signal to the test does not reach it
	// first and the test stops it itself.
	p.Cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.Cmd.Start(); err != nil {
		t.Fatalf("e2e: starting %s: %v", name, err)
	}
	go func() {
		p.err = p.Cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("output of %s (pid %d):\n%s", name, p.Cmd.Process.Pid, p.Output())
		}
	})
	return p
}

// Stop ends the process now: SIGTERM to its pid, then SIGKILL if it has
// not exited within stopTimeout. It waits for the exit, and may be called
// more than once.
func (p *Proc) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	pid := p.Cmd.Process.Pid
	_ = syscall.Kill(pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		_ = syscall.Kill(pid, syscall.SIGKILL)
		<-p.done
	}
}

// Exited reports whether the process has ended, and how.
func (p *Proc) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Wait waits for the process to end by itself, and fails the test if it
// does not within readyTimeout or exits with an error.
func (p *Proc) Wait(t testing.TB) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(readyTimeout):
		t.Fatalf("e2e: %s did not exit within %s", p.Name, readyTimeout)
	}
	if p.err != nil {
		t.Fatalf("e2e: %s exited with %v:\n%s", p.Name, p.err, p.Output())
	}
}

// Output returns what the process has printed so far.
func (p *Proc) Output() string { return p.out.String() }

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitHTTP waits until GET url answers 200. Any of procs that exits
// meanwhile fails the test at once, with its output.
func waitHTTP(t testing.TB, rawURL string, procs ...*Proc) {
	t.Helper()
	var last string
	ok := poll(readyTimeout, func() bool {
		for _, p := range procs {
			if done, err := p.Exited(); done {
				t.Fatalf("e2e: %s exited (%v) before %s was ready:\n%s", p.Name, err, rawURL, p.Output())
			}
		}
		status, body, err := get(rawURL)
		switch {
		case err != nil:
			last = err.Error()
		case status != http.StatusOK:
			last = fmt.Sprintf("status %d: %.200s", status, body)
		default:
			return true
		}
		return false
	})
	if !ok {
		t.Fatalf("e2e: %s not ready within %s; last answer: %s", rawURL, readyTimeout, last)
	}
}

// poll calls cond every pollEvery until it returns true, for at most d. It
// reports whether cond held.
func poll(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
}

var client = &http.Client{Timeout: 10 * time.Second}

// get returns the status and body of GET rawURL.
func get(rawURL string) (int, string, error) {
	return do(http.MethodGet, rawURL, nil, "")
}

// do sends one request and returns the status and the body.
func do(method, rawURL string, body io.Reader, contentType string) (int, string, error) {
	req, err := http.NewRequestWithContext(context.Background(), method, rawURL, body)
	if err != nil {
		return 0, "", err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), errors.Join(err, resp.Body.Close())
}

// mustDo sends one request and fails the test unless it gets an answer;
// it returns the status.
func mustDo(t testing.TB, method, rawURL string) int {
	t.Helper()
	status, _, err := do(method, rawURL, nil, "")
	if err != nil {
		t.Fatalf("e2e: %s %s: %v", method, rawURL, err)
	}
	return status
}

// promtool runs v's promtool with args and returns its output; a non-zero
// exit fails the test with that output and the version.
func promtool(t testing.TB, v *PromVersion, args ...string) string {
	t.Helper()
	_, bin := v.binaries(t)
	out, err := exec.CommandContext(t.Context(), bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("e2e: %v: promtool %s: %v\n%s", v, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// PromOptions configure startPrometheus.
type PromOptions struct {
	// Config is prometheus.yml. It may name the files of Rules by their
	// bare names under rule_files.
	Config string
	// Rules are rule files by name, written beside the config.
	Rules map[string]string
	// Flags are added to Prometheus's command line, for example
	// "--enable-feature=exemplar-storage".
	Flags []string
	// Agent starts Prometheus 3 in agent mode (--agent): it scrapes and
	// remote-writes, and keeps no database and no rules.
	Agent bool
}

// Prometheus is a real Prometheus server started by a test.
type Prometheus struct {
	URL     string
	Dir     string
	Proc    *Proc
	Version *PromVersion
}

// startPrometheus starts Prometheus of version v on a free loopback port
// with the config and rules of o, in a temporary directory, and waits until
// it is ready.
func startPrometheus(t testing.TB, v *PromVersion, o PromOptions) *Prometheus {
	t.Helper()
	bin, _ := v.binaries(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "prometheus.yml"), o.Config)
	for name, content := range o.Rules {
		write(t, filepath.Join(dir, name), content)
	}
	addr := freeAddr(t)
	args := []string{"--storage.tsdb.path=" + filepath.Join(dir, "data")}
	if o.Agent {
		args = []string{"--agent", "--storage.agent.path=" + filepath.Join(dir, "data")}
	}
	args = append(args,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--web.listen-address="+addr,
		"--web.enable-lifecycle",
		"--log.level=warn",
	)
	args = append(args, o.Flags...)
	p := &Prometheus{URL: "http://" + addr, Dir: dir, Version: v}
	p.Proc = start(t, v.String(), bin, nil, args...)
	waitHTTP(t, p.URL+"/-/ready", p.Proc)
	return p
}

// write writes content to path, failing the test on error.
func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("e2e: %v", err)
	}
}

// read returns the content of path, failing the test on error.
func read(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	return string(b)
}

// API returns the data of GET /api/v1/<path>?<params>, and fails the test
// on an error answer.
func (p *Prometheus) API(t testing.TB, path string, params url.Values) json.RawMessage {
	t.Helper()
	data, err := p.api(path, params)
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	return data
}

func (p *Prometheus) api(path string, params url.Values) (json.RawMessage, error) {
	u := p.URL + "/api/v1/" + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	_, body, err := get(u)
	if err != nil {
		return nil, err
	}
	var r struct {
		Status    string          `json:"status"`
		Data      json.RawMessage `json:"data"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return nil, fmt.Errorf("%s %s: %w: %.300s", p.Version.Name, path, err, body)
	}
	if r.Status != "success" {
		return nil, &apiError{fmt.Sprintf("%s %s %v: %s: %s", p.Version.Name, path, params, r.ErrorType, r.Error), r.ErrorType}
	}
	return r.Data, nil
}

// apiError is an error answer of Prometheus's API.
type apiError struct {
	msg  string
	kind string // errorType, such as "bad_data" for a query that does not parse
}

func (e *apiError) Error() string { return e.msg }

// permanent reports whether err will not go away by asking again: a query
// Prometheus cannot parse or evaluate.
func permanent(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && (ae.kind == "bad_data" || ae.kind == "execution")
}

// Sample is one element of an instant vector.
type Sample struct {
	Metric map[string]string
	Value  float64
}

// Query evaluates q now. A scalar result is one Sample without labels;
// another non-vector result fails the test.
func (p *Prometheus) Query(t testing.TB, q string) []Sample {
	t.Helper()
	s, err := p.query(q)
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	return s
}

func (p *Prometheus) query(q string) ([]Sample, error) {
	data, err := p.api("query", url.Values{"query": {q}})
	if err != nil {
		return nil, err
	}
	var r struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	switch r.ResultType {
	case "vector":
		var v []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(r.Result, &v); err != nil {
			return nil, err
		}
		out := make([]Sample, len(v))
		for i, e := range v {
			f, err := sampleValue(e.Value[1])
			if err != nil {
				return nil, fmt.Errorf("query %q: %w", q, err)
			}
			out[i] = Sample{Metric: e.Metric, Value: f}
		}
		return out, nil
	case "scalar":
		var v [2]any
		if err := json.Unmarshal(r.Result, &v); err != nil {
			return nil, err
		}
		f, err := sampleValue(v[1])
		return []Sample{{Value: f}}, err
	}
	return nil, fmt.Errorf("query %q: result type %s, want a vector", q, r.ResultType)
}

func sampleValue(v any) (float64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("sample value %v is not a string", v)
	}
	return strconv.ParseFloat(s, 64)
}

// WaitQuery evaluates q until cond holds for its result, for at most
// queryTimeout, and returns that result. A query that fails to evaluate
// fails the test at once.
func (p *Prometheus) WaitQuery(t testing.TB, q string, cond func([]Sample) bool) []Sample {
	t.Helper()
	var last []Sample
	var qerr error
	ok := poll(queryTimeout, func() bool {
		last, qerr = p.query(q)
		return permanent(qerr) || qerr == nil && cond(last)
	})
	if qerr != nil {
		t.Fatalf("e2e: %v", qerr)
	}
	if !ok {
		t.Fatalf("e2e: %s: query %q did not reach the expected result within %s; last result: %v", p.Version.Name, q, queryTimeout, last)
	}
	return last
}

// WaitValue waits until q returns exactly one sample of value want.
func (p *Prometheus) WaitValue(t testing.TB, q string, want float64) {
	t.Helper()
	p.WaitQuery(t, q, func(s []Sample) bool { return len(s) == 1 && s[0].Value == want })
}

// NonEmpty is a WaitQuery condition: the result has data.
func NonEmpty(s []Sample) bool { return len(s) > 0 }

// Target is one active scrape target.
type Target struct {
	Labels     map[string]string `json:"labels"`
	ScrapeURL  string            `json:"scrapeUrl"`
	Health     string            `json:"health"`
	LastError  string            `json:"lastError"`
	LastScrape time.Time         `json:"lastScrape"`
}

// Targets returns the active targets.
func (p *Prometheus) Targets(t testing.TB) []Target {
	t.Helper()
	var r struct {
		Active []Target `json:"activeTargets"`
	}
	if err := json.Unmarshal(p.API(t, "targets", url.Values{"state": {"active"}}), &r); err != nil {
		t.Fatalf("e2e: targets: %v", err)
	}
	return r.Active
}

// WaitScrapedSince waits until every active target has been scraped, and
// found up, after since; there must be at least one target.
func (p *Prometheus) WaitScrapedSince(t testing.TB, since time.Time) {
	t.Helper()
	var last []Target
	ok := poll(queryTimeout, func() bool {
		last = p.Targets(t)
		if len(last) == 0 {
			return false
		}
		for _, tg := range last {
			if tg.Health != "up" || !tg.LastScrape.After(since) {
				return false
			}
		}
		return true
	})
	if !ok {
		t.Fatalf("e2e: %s: not every target was scraped and up within %s: %+v", p.Version.Name, queryTimeout, last)
	}
}

// WaitTargetsUp waits until every active target is up.
func (p *Prometheus) WaitTargetsUp(t testing.TB) {
	t.Helper()
	p.WaitScrapedSince(t, time.Time{})
}

// Alert is one alert of /api/v1/alerts.
type Alert struct {
	Name        string
	State       string
	Labels      map[string]string
	Annotations map[string]string
}

// Alerts returns the pending and firing alerts.
func (p *Prometheus) Alerts(t testing.TB) []Alert {
	t.Helper()
	var r struct {
		Alerts []struct {
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
			State       string            `json:"state"`
		} `json:"alerts"`
	}
	if err := json.Unmarshal(p.API(t, "alerts", nil), &r); err != nil {
		t.Fatalf("e2e: alerts: %v", err)
	}
	out := make([]Alert, len(r.Alerts))
	for i, a := range r.Alerts {
		out[i] = Alert{Name: a.Labels["alertname"], State: a.State, Labels: a.Labels, Annotations: a.Annotations}
	}
	return out
}

// WaitAlert waits until the alert called name is in state ("pending" or
// "firing") and returns it.
func (p *Prometheus) WaitAlert(t testing.TB, name, state string) Alert {
	t.Helper()
	var found Alert
	var last []Alert
	ok := poll(queryTimeout, func() bool {
		last = p.Alerts(t)
		for _, a := range last {
			if a.Name == name && a.State == state {
				found = a
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("e2e: %s: alert %s not %s within %s; alerts: %+v", p.Version.Name, name, state, queryTimeout, last)
	}
	return found
}

// AlertState returns the state of the alert called name, or "inactive".
func (p *Prometheus) AlertState(t testing.TB, name string) string {
	t.Helper()
	for _, a := range p.Alerts(t) {
		if a.Name == name {
			return a.State
		}
	}
	return "inactive"
}

// Pushgateway is a real Pushgateway started by a test.
type Pushgateway struct {
	URL  string
	Proc *Proc
}

// startPushgateway starts a Pushgateway on a free loopback port and waits
// until it is ready.
func startPushgateway(t testing.TB) *Pushgateway {
	t.Helper()
	bin := tool(t, "prometheus-pushgateway")
	addr := freeAddr(t)
	g := &Pushgateway{URL: "http://" + addr}
	// Debian's build persists to /var/lib/prometheus/pushgateway.data by
	// default, which every gateway would then load and rewrite: keep each
	// test's groups in memory, its own.
	g.Proc = start(t, "pushgateway", bin, nil, "--web.listen-address="+addr, "--persistence.file=", "--log.level=warn")
	waitHTTP(t, g.URL+"/-/ready", g.Proc)
	return g
}

// startApp starts an example binary that listens on addr and waits until
// readyPath answers 200 there.
func startApp(t testing.TB, name, bin, addr, readyPath string, env []string, args ...string) *Proc {
	t.Helper()
	p := start(t, name, bin, env, args...)
	waitHTTP(t, "http://"+addr+readyPath, p)
	return p
}

// scrapeConfig returns a scrape_configs entry for job over targets,
// scraped every second.
func scrapeConfig(job string, targets []string) string {
	return fmt.Sprintf("  - job_name: %s\n    scrape_interval: 1s\n    static_configs:\n      - targets: [%s]\n", job, strings.Join(quoteAll(targets), ", "))
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strconv.Quote(v)
	}
	return out
}

// isConnRefused reports whether err is a refused connection.
func isConnRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}
