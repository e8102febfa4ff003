package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
)

// gatewayGroup is one group of the Pushgateway's /api/v1/metrics.
type gatewayGroup struct {
	Labels map[string]string
	// Values holds, by metric name, the value of each of its series,
	// keyed by the series' labels other than the group's, as
	// `name="value",...` sorted by name ("" for none).
	Values map[string]map[string]float64
}

// gatewayGroups returns the groups the Pushgateway holds, read from its
// /api/v1/metrics, sorted by their labels.
func gatewayGroups(t testing.TB, g *Pushgateway) []gatewayGroup {
	t.Helper()
	status, body, err := get(g.URL + "/api/v1/metrics")
	if err != nil || status != 200 {
		t.Fatalf("e2e: pushgateway /api/v1/metrics: status %d, %v: %.300s", status, err, body)
	}
	var r struct {
		Status string                       `json:"status"`
		Data   []map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.Status != "success" {
		t.Fatalf("e2e: pushgateway /api/v1/metrics: %v: %.300s", err, body)
	}
	var out []gatewayGroup
	for _, raw := range r.Data {
		grp := gatewayGroup{Values: map[string]map[string]float64{}}
		if err := json.Unmarshal(raw["labels"], &grp.Labels); err != nil {
			t.Fatalf("e2e: group labels: %v", err)
		}
		for key, v := range raw {
			switch key {
			case "labels", "last_push_successful":
			default:
				var fam struct {
					Metrics []struct {
						Labels map[string]string `json:"labels"`
						Value  string            `json:"value"`
					} `json:"metrics"`
				}
				if err := json.Unmarshal(v, &fam); err != nil {
					t.Fatalf("e2e: family %s: %v", key, err)
				}
				series := map[string]float64{}
				for _, m := range fam.Metrics {
					if m.Value == "" { // histograms and summaries have no value; none is pushed here
						continue
					}
					f, err := strconv.ParseFloat(m.Value, 64)
					if err != nil {
						t.Fatalf("e2e: %s value %q: %v", key, m.Value, err)
					}
					series[labelKey(m.Labels, grp.Labels)] = f
				}
				grp.Values[key] = series
			}
		}
		out = append(out, grp)
	}
	sort.Slice(out, func(i, j int) bool { return labelKey(out[i].Labels, nil) < labelKey(out[j].Labels, nil) })
	return out
}

// labelKey returns labels without those of except, as `a="x",b="y"`.
func labelKey(labels, except map[string]string) string {
	var pairs []string
	for k, v := range labels {
		if _, ok := except[k]; !ok {
			pairs = append(pairs, fmt.Sprintf("%s=%q", k, v))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}

// groupLabels returns the label sets of the groups.
func groupLabels(groups []gatewayGroup) []string {
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = labelKey(g.Labels, nil)
	}
	return out
}

// findGroup returns the group with exactly the labels job and instance
// (no instance label when instance is ""), or nil.
func findGroup(groups []gatewayGroup, job, instance string) *gatewayGroup {
	want := map[string]string{"job": job}
	if instance != "" {
		want["instance"] = instance
	}
	for i := range groups {
		if labelKey(groups[i].Labels, nil) == labelKey(want, nil) {
			return &groups[i]
		}
	}
	return nil
}

// exampleFile returns the content of _examples/<name>/<file>, with each
// pair of replacements applied; a replacement whose old text is missing
// fails the test, so that a change of the shipped file cannot make the
// test check something else.
func exampleFile(t testing.TB, name, file string, oldNew ...string) string {
	t.Helper()
	s := read(t, repoPath("_examples", name, file))
	for i := 0; i+1 < len(oldNew); i += 2 {
		if !strings.Contains(s, oldNew[i]) {
			t.Fatalf("e2e: _examples/%s/%s no longer contains %q", name, file, oldNew[i])
		}
		s = strings.ReplaceAll(s, oldNew[i], oldNew[i+1])
	}
	return s
}

// waitExit waits for p to end by itself and returns how it ended.
func waitExit(t testing.TB, p *Proc) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(readyTimeout):
		t.Fatalf("e2e: %s did not exit within %s", p.Name, readyTimeout)
		return nil
	}
}

// TestBatchExamplePushes runs the batch example as two instances against a
// real Pushgateway, scraped by a real Prometheus with the example's
// prometheus.yml (honor_labels) and rules.yml.
func TestBatchExamplePushes(t *testing.T) { eachVersion(t, testBatchExamplePushes) }

func testBatchExamplePushes(t *testing.T, v *PromVersion) {
	gw := startPushgateway(t)
	bin := buildExample(t, "batch")
	gwAddr := strings.TrimPrefix(gw.URL, "http://")
	prom := startPrometheus(t, v, PromOptions{
		Config: exampleFile(t, "batch", "prometheus.yml",
			`"localhost:9091"`, strconv.Quote(gwAddr),
			"scrape_interval: 15s", "scrape_interval: 1s",
			"evaluation_interval: 15s", "evaluation_interval: 1s"),
		Rules: map[string]string{"rules.yml": exampleFile(t, "batch", "rules.yml")},
	})

	run := func(instance string, items, failures int) error {
		p := start(t, "batch "+instance, bin, []string{"PUSHGATEWAY_URL=" + gw.URL},
			"-instance", instance, "-items", strconv.Itoa(items), "-failures", strconv.Itoa(failures))
		return waitExit(t, p)
	}
	if err := run("shard-1", 7, 0); err != nil {
		t.Fatalf("batch shard-1: %v", err)
	}
	if err := run("shard-2", 5, 0); err != nil {
		t.Fatalf("batch shard-2: %v", err)
	}

	// Both groups are in the gateway, each with its own run's counts.
	groups := gatewayGroups(t, gw)
	if got, want := groupLabels(groups), []string{`instance="shard-1",job="ginprom_batch"`, `instance="shard-2",job="ginprom_batch"`}; !equal(got, want) {
		t.Fatalf("pushgateway groups %v, want %v", got, want)
	}
	for instance, ok := range map[string]float64{"shard-1": 7, "shard-2": 5} {
		v := findGroup(groups, "ginprom_batch", instance).Values["batch_items_processed_total"]
		if v[`result="ok"`] != ok || v[`result="error"`] != 0 || len(v) != 2 {
			t.Errorf("group %s: batch_items_processed_total %v, want ok %v and error 0", instance, v, ok)
		}
		if _, has := findGroup(groups, "ginprom_batch", instance).Values["push_time_seconds"]; !has {
			t.Errorf("group %s has no push_time_seconds", instance)
		}
	}

	// Prometheus scrapes the gateway with honor_labels: the pushed job and
	// instance are the series' own, and the totals add up exactly.
	prom.WaitValue(t, `sum by (job) (batch_items_processed_total{job="ginprom_batch"})`, 12)
	got := prom.Query(t, `batch_items_processed_total{result="ok"}`)
	var instances []string
	for _, s := range got {
		if s.Metric["job"] != "ginprom_batch" || s.Metric["exported_job"] != "" || s.Metric["exported_instance"] != "" {
			t.Errorf("series %v: the pushed labels were not honoured", s.Metric)
		}
		instances = append(instances, s.Metric["instance"])
	}
	sort.Strings(instances)
	if !equal(instances, []string{"shard-1", "shard-2"}) {
		t.Errorf("instances %v, want shard-1 and shard-2", instances)
	}
	if n := len(prom.Query(t, `push_time_seconds{job="ginprom_batch"}`)); n != 2 {
		t.Errorf("%d push_time_seconds series, want 2", n)
	}

	// A new run of shard-2 replaces its group: 7 + 4, not 7 + 5 + 4. It
	// fails on one item, pushes anyway and exits 1; BatchJobFailed fires
	// for it alone.
	if err := run("shard-2", 4, 1); err == nil {
		t.Fatal("batch shard-2 with a failure exited 0, want 1")
	}
	prom.WaitValue(t, `sum by (job) (batch_items_processed_total{job="ginprom_batch"})`, 11)
	prom.WaitValue(t, `batch_items_processed_total{job="ginprom_batch", instance="shard-2", result="error"}`, 1)
	alert := prom.WaitAlert(t, "BatchJobFailed", "firing")
	if alert.Labels["instance"] != "shard-2" {
		t.Errorf("BatchJobFailed fired for %v, want instance shard-2", alert.Labels)
	}
	for _, name := range []string{"BatchJobPushStale", "BatchJobPushRefused"} {
		if s := prom.AlertState(t, name); s != "inactive" {
			t.Errorf("%s is %s after fresh pushes", name, s)
		}
	}
}

func equal(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}

// TestPushToPushgateway pushes with Metrics.Push and Metrics.StartPushing
// to a real Pushgateway, and reads what it holds.
func TestPushToPushgateway(t *testing.T) {
	t.Parallel()
	gw := startPushgateway(t)
	ctx := context.Background()

	reg := prometheus.NewRegistry()
	m := ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithPushInstance("worker-1"))
	rows := prometheus.NewCounter(prometheus.CounterOpts{Name: "rows_total", Help: "Rows."})
	extra := prometheus.NewGauge(prometheus.GaugeOpts{Name: "extra", Help: "Pushed once."})
	reg.MustRegister(rows, extra)

	value := func(job, instance, name string) (float64, bool) {
		g := findGroup(gatewayGroups(t, gw), job, instance)
		if g == nil {
			return 0, false
		}
		v, ok := g.Values[name][""]
		return v, ok
	}

	// Push: the group appears with the registry's values, including the
	// default metrics.
	rows.Add(3)
	extra.Set(1)
	if err := m.Push(ctx, gw.URL, "e2e_push"); err != nil {
		t.Fatalf("Push: %v", err)
	}
	if v, ok := value("e2e_push", "worker-1", "rows_total"); !ok || v != 3 {
		t.Fatalf("rows_total = %v (present %v), want 3", v, ok)
	}
	g := findGroup(gatewayGroups(t, gw), "e2e_push", "worker-1")
	if v := g.Values["gin_exporter_info"][`version="`+ginprom.Version+`"`]; v != 1 {
		t.Errorf("gin_exporter_info = %v in %v, want 1", v, g.Values["gin_exporter_info"])
	}

	// Push replaces the group: a metric the registry no longer has is gone.
	rows.Add(2)
	reg.Unregister(extra)
	if err := m.Push(ctx, gw.URL, "e2e_push"); err != nil {
		t.Fatalf("Push: %v", err)
	}
	if v, _ := value("e2e_push", "worker-1", "rows_total"); v != 5 {
		t.Errorf("rows_total = %v after the second push, want 5", v)
	}
	if _, ok := value("e2e_push", "worker-1", "extra"); ok {
		t.Error("extra is still in the group after a push without it")
	}

	// Another instance is another group; an empty instance is one group
	// for the job.
	other := ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithPushInstance("worker-2"))
	if err := other.Push(ctx, gw.URL, "e2e_push"); err != nil {
		t.Fatalf("Push worker-2: %v", err)
	}
	jobOnly := ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithPushInstance(""))
	if err := jobOnly.Push(ctx, gw.URL, "e2e_job_only"); err != nil {
		t.Fatalf("Push without instance: %v", err)
	}
	if got, want := groupLabels(gatewayGroups(t, gw)), []string{
		`instance="worker-1",job="e2e_push"`, `instance="worker-2",job="e2e_push"`, `job="e2e_job_only"`,
	}; !equal(got, want) {
		t.Fatalf("groups %v, want %v", got, want)
	}

	// Deleting a group, as the README says.
	if err := push.New(gw.URL, "e2e_push").Grouping("instance", "worker-2").Delete(); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if got, want := groupLabels(gatewayGroups(t, gw)), []string{`instance="worker-1",job="e2e_push"`, `job="e2e_job_only"`}; !equal(got, want) {
		t.Fatalf("groups after Delete %v, want %v", got, want)
	}

	// StartPushing pushes at once and every interval, and a last time on
	// stop.
	periodic := prometheus.NewRegistry()
	pm := ginprom.New(nil, ginprom.WithRegistry(periodic), ginprom.WithoutDefaults(), ginprom.WithPushInstance("worker-3"))
	step := prometheus.NewGauge(prometheus.GaugeOpts{Name: "step", Help: "Step of the worker."})
	periodic.MustRegister(step)
	step.Set(1)
	stop := pm.StartPushing(gw.URL, "e2e_periodic", 50*time.Millisecond)
	for _, want := range []float64{1, 2} {
		step.Set(want)
		if !poll(queryTimeout, func() bool { v, ok := value("e2e_periodic", "worker-3", "step"); return ok && v == want }) {
			t.Fatalf("the periodic push of step=%v never reached the gateway", want)
		}
	}
	step.Set(3)
	if err := stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	// No waiting: stop has made the last push.
	if v, _ := value("e2e_periodic", "worker-3", "step"); v != 3 {
		t.Errorf("step = %v right after stop, want 3 from the last push", v)
	}

	// With the gateway gone, Push fails and the periodic pushes log and
	// carry on.
	var mu sync.Mutex
	var logged bytes.Buffer
	failures := make(chan struct{}, 100)
	oldErrorWriter := gin.DefaultErrorWriter
	t.Cleanup(func() { gin.DefaultErrorWriter = oldErrorWriter })
	gin.DefaultErrorWriter = writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		logged.Write(p)
		mu.Unlock()
		select {
		case failures <- struct{}{}:
		default:
		}
		return len(p), nil
	})
	gw.Proc.Stop()
	if err := m.Push(ctx, gw.URL, "e2e_push"); err == nil || !isConnRefused(err) {
		t.Errorf("Push to a stopped gateway: %v, want a refused connection", err)
	}
	stop = pm.StartPushing(gw.URL, "e2e_periodic", 10*time.Millisecond)
	for i := range 3 {
		select {
		case <-failures:
		case <-time.After(queryTimeout):
			t.Fatalf("%d failed periodic pushes logged, want 3", i)
		}
	}
	if err := stop(ctx); !isConnRefused(err) {
		t.Errorf("stop with the gateway gone: %v, want a refused connection", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logged.String(), `ginprom: push to `+gw.URL+` (job "e2e_periodic", instance "worker-3"): `) {
		t.Errorf("log: %q", logged.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestPushAndReplicasExampleRules checks the Prometheus configurations of
// the batch and replicas examples, and runs their rule tests with promtool.
func TestPushAndReplicasExampleRules(t *testing.T) { eachVersion(t, testPushAndReplicasExampleRules) }

func testPushAndReplicasExampleRules(t *testing.T, v *PromVersion) {
	for _, name := range []string{"batch", "replicas"} {
		dir := repoPath("_examples", name)
		out := promtool(t, v, "check", "config", filepath.Join(dir, "prometheus.yml"))
		if !strings.Contains(out, "SUCCESS") {
			t.Errorf("promtool check config %s: %s", name, out)
		}
		promtool(t, v, "check", "rules", filepath.Join(dir, "rules.yml"))
		promtool(t, v, "test", "rules", filepath.Join(dir, "rules_test.yml"))
	}
}
