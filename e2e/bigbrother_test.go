package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// bbFiles are the rule files the bigbrother example ships, loaded together.
var bbFiles = []string{"rules-l1.yml", "alert-rules.yml", "canary-rules.yml"}

// TestBigBrotherExample runs two instances of the bigbrother example, a
// production one (1.0.0) and a pilot (1.1.0), watching one upstream (a
// Pushgateway), under a real Prometheus loaded with the example's rules,
// and checks what Prometheus stores: the protocol's metrics under their
// exact names, response_size_bytes included (Prometheus negotiates
// OpenMetrics first); every recording rule's series; every query of the
// example's dashboard; promtool's tests of the rules; and dependency_up
// dropping to 0 once the upstream stops.
func TestBigBrotherExample(t *testing.T) { eachVersion(t, testBigBrotherExample) }

func testBigBrotherExample(t *testing.T, v *PromVersion) {
	dir := repoPath("_examples", "bigbrother")
	promtool(t, v, append([]string{"check", "rules"}, bbPaths(dir)...)...)
	promtool(t, v, "test", "rules", dir+"/rules_test.yml")
	var rules []Rule
	for _, f := range bbFiles {
		rules = append(rules, loadRules(t, dir+"/"+f)...)
	}
	checkAlertConventions(t, rules)

	upstream := startPushgateway(t)
	bin := buildExample(t, "bigbrother")
	prod, pilot := freeAddr(t), freeAddr(t)
	for addr, version := range map[string]string{prod: "1.0.0", pilot: "1.1.0"} {
		startApp(t, "bigbrother-"+version, bin, addr, "/health", []string{"GIN_MODE=release"},
			"-addr", addr, "-version", version, "-upstream", upstream.URL, "-check-interval", "1s")
	}
	ruleFiles := map[string]string{}
	for _, f := range bbFiles {
		ruleFiles[f] = read(t, dir+"/"+f)
	}
	prom := startPrometheus(t, v, PromOptions{
		Config: "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [" + strings.Join(bbFiles, ", ") + "]\n" +
			"scrape_configs:\n" + scrapeConfig("bigbrother", []string{prod, pilot}),
		Rules: ruleFiles,
	})

	// Traffic on both instances: found users, a rejected body, failing and
	// working orders, a forwarded call, a page that does not exist.
	var usersBytes int
	for _, addr := range []string{prod, pilot} {
		for i := range 5 {
			code, body, err := get(fmt.Sprintf("http://%s/users/%d", addr, i))
			if err != nil || code != http.StatusOK {
				t.Fatalf("GET /users/%d: %d %v", i, code, err)
			}
			if addr == prod {
				usersBytes += len(body)
			}
		}
		if code, _, err := do(http.MethodPost, "http://"+addr+"/users", strings.NewReader("not json"), "application/json"); err != nil || code != http.StatusBadRequest {
			t.Fatalf("POST /users: %d %v", code, err)
		}
		mustDo(t, http.MethodGet, "http://"+addr+"/orders/1")
		mustDo(t, http.MethodGet, "http://"+addr+"/orders/2")
		if got := mustDo(t, http.MethodGet, "http://"+addr+"/upstream/-/healthy"); got != http.StatusOK {
			t.Fatalf("GET /upstream/-/healthy: %d", got)
		}
		mustDo(t, http.MethodGet, "http://"+addr+"/no/such/page")
	}
	prom.WaitScrapedSince(t, time.Now())

	// The protocol's names, labels and spellings, as Prometheus stored them.
	inst := `job="bigbrother", instance="` + prod + `"`
	for q, want := range map[string]float64{
		`request_seconds_count{` + inst + `, type="http", method="GET", addr="/users/:id", status="200", isError="false", errorMessage=""}`:                        5,
		`request_seconds_count{` + inst + `, type="http", method="POST", addr="/users", status="400", isError="true", errorMessage="invalid user"}`:                1,
		`request_seconds_count{` + inst + `, type="http", method="GET", addr="/orders/:id", status="503", isError="true", errorMessage="order store unavailable"}`: 1,
		`request_seconds_count{` + inst + `, addr="<unmatched>", status="404", isError="true"}`:                                                                    1,
		`response_size_bytes{` + inst + `, method="GET", addr="/users/:id", status="200"}`:                                                                         float64(usersBytes),
		`count({__name__=~"response_size_bytes_.+"})`:                    0,
		`count(request_seconds_bucket{` + inst + `, addr="/users/:id"})`: 5, // 0.1 0.3 1.5 10.5 +Inf
		`application_info{` + inst + `, version="1.0.0"}`:                1,
		`dependency_up{` + inst + `, name="upstream"}`:                   1,
		`dependency_request_seconds_count{` + inst + `, name="upstream", type="http", method="GET", addr="upstream", status="200", isError="false"}`: 1,
	} {
		got := prom.Query(t, q)
		switch {
		case want == 0 && len(got) == 0:
		case len(got) != 1 || got[0].Value != want:
			t.Errorf("%s = %v, want %v", q, got, want)
		}
	}
	// Prometheus negotiated OpenMetrics, where the counter is of unknown
	// type: its name is kept all the same.
	if got := metadataType(t, prom, "response_size_bytes"); got != "unknown" {
		t.Errorf("metadata type of response_size_bytes = %q, want unknown (an OpenMetrics scrape)", got)
	}

	// A Prometheus with native histograms negotiates the protobuf format,
	// where it is a counter, under the same name. Prometheus 2 turns them
	// on by a flag, 3 by a scrape setting.
	protoOpts := PromOptions{
		Config: "global:\n  scrape_interval: 1s\nscrape_configs:\n" + scrapeConfig("bigbrother", []string{prod}),
		Flags:  []string{"--enable-feature=native-histograms"},
	}
	if v.Major >= 3 {
		protoOpts.Config += "    scrape_native_histograms: true\n"
		protoOpts.Flags = nil
	}
	protoProm := startPrometheus(t, v, protoOpts)
	protoProm.WaitValue(t, `response_size_bytes{`+inst+`, method="GET", addr="/users/:id", status="200"}`, float64(usersBytes))
	if got := metadataType(t, protoProm, "response_size_bytes"); got != "counter" {
		t.Errorf("metadata type of response_size_bytes over protobuf = %q, want counter", got)
	}
	if got := protoProm.Query(t, `{__name__=~"response_size_bytes_.+"}`); len(got) != 0 {
		t.Errorf("series named response_size_bytes_*: %v", got)
	}

	// Every recording rule produces series.
	for _, r := range rules {
		if r.Record != "" {
			prom.WaitQuery(t, r.Record, NonEmpty)
		}
	}

	// Every query of the dashboard returns data.
	// $addr and $dependency as Grafana sends "All": their allValue.
	vars := map[string]string{"job": "bigbrother", "type": "http", "addr": ".*", "dependency": ".*"}
	for _, q := range dashboardQueries(t, dir+"/dashboard.json") {
		expr := expandGrafana(t, q.Expr, vars)
		if got := prom.WaitQuery(t, expr, NonEmpty); len(got) == 0 {
			t.Errorf("panel %q: %s returned no data", q.Panel, expr)
		}
	}

	// The dependency goes away: dependency_up drops to 0 on both instances
	// and the alert starts.
	upstream.Proc.Stop()
	prom.WaitValue(t, `max(dependency_up{name="upstream"})`, 0)
	prom.WaitValue(t, `count(dependency_up{name="upstream"} == 0)`, 2)
	prom.WaitAlert(t, "DependencyUnresponsive", "pending")
}

// metadataType returns the type Prometheus's metadata API gives metric,
// waiting until it has some.
func metadataType(t testing.TB, p *Prometheus, metric string) string {
	t.Helper()
	var typ string
	poll(queryTimeout, func() bool {
		var meta map[string][]struct{ Type string }
		jsonInto(t, p.API(t, "metadata", url.Values{"metric": {metric}}), &meta)
		if len(meta[metric]) > 0 {
			typ = meta[metric][0].Type
		}
		return typ != ""
	})
	if typ == "" {
		t.Fatalf("e2e: Prometheus has no metadata for %s", metric)
	}
	return typ
}

// jsonInto decodes raw into v, failing the test on error.
func jsonInto(t testing.TB, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("e2e: decoding %s: %v", raw, err)
	}
}

func bbPaths(dir string) []string {
	out := make([]string, len(bbFiles))
	for i, f := range bbFiles {
		out[i] = dir + "/" + f
	}
	return out
}
