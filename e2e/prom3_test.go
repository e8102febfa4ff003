package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// What Prometheus 3 changed for its scrapes, tested on Prometheus 3 alone:
// created timestamps and the negotiation of names. Native histograms are in
// TestMonitoringStack and TestSignalsExample, agent mode in
// TestReplicasThroughAgent.

// onVersion runs f as a subtest named by v, so that its failures name the
// version as eachVersion's do.
func onVersion(t *testing.T, v *PromVersion, f func(t *testing.T, v *PromVersion)) {
	t.Helper()
	t.Parallel()
	t.Run(v.Name, func(t *testing.T) { f(t, v) })
}

// TestCreatedTimestampIngestion: ginprom's counters and histograms carry a
// created timestamp in the protobuf exposition, so a Prometheus 3 started
// with created-timestamp-zero-ingestion stores a 0 at the time each series
// was made, and increase() counts the requests of a series' first scrape.
// Without the feature the same query misses them: the first sample of a
// series already holds them.
func TestCreatedTimestampIngestion(t *testing.T) {
	onVersion(t, prom3, testCreatedTimestampIngestion)
}

func testCreatedTimestampIngestion(t *testing.T, v *PromVersion) {
	addr := freeAddr(t)
	startApp(t, "basic", buildExample(t, "basic"), addr, "/health", []string{"GIN_MODE=release"}, "-addr", addr)
	config := "global:\n  scrape_interval: 1s\nscrape_configs:\n" + scrapeConfig("basic", []string{addr})
	withCT := startPrometheus(t, v, PromOptions{Config: config, Flags: []string{"--enable-feature=created-timestamp-zero-ingestion"}})
	without := startPrometheus(t, v, PromOptions{Config: config})
	withCT.WaitTargetsUp(t)
	without.WaitTargetsUp(t)

	// The route's series are made by its first request, after both servers
	// have scraped the app once, and counted within one scrape.
	begin := time.Now()
	const users = 5
	for i := range users {
		if got := mustDo(t, http.MethodGet, fmt.Sprintf("http://%s/users/%d", addr, i)); got != http.StatusOK {
			t.Fatalf("GET /users/%d: status %d", i, got)
		}
	}
	sent := time.Now()
	withCT.WaitScrapedSince(t, sent)
	without.WaitScrapedSince(t, sent)
	withCT.WaitScrapedSince(t, time.Now()) // a second sample of the total
	without.WaitScrapedSince(t, time.Now())

	for _, series := range []string{
		`gin_http_request_total{job="basic", method="GET", status="200"}`,
		`gin_http_request_duration_seconds_count{job="basic", path="/users/:id"}`,
	} {
		// increase() extrapolates a little past the samples; the requests
		// themselves are the floor.
		q := `increase(` + series + `[1m])`
		withCT.WaitQuery(t, q, func(s []Sample) bool { return len(s) == 1 && s[0].Value >= users })
		// Without, the first sample holds the first request at least.
		if got := without.Query(t, q); len(got) != 1 || got[0].Value >= users {
			t.Errorf("without created timestamps, %s = %v; want fewer than the %d requests, which shows what the feature adds", q, got, users)
		}
		// The first stored sample is the 0 at the created timestamp: when
		// the first request made the series, before the scrape after it.
		raw := rawSamples(t, withCT, series+`[1m]`)
		if len(raw) < 2 || raw[0].Value != 0 || raw[0].At.Before(begin.Truncate(time.Millisecond)) || raw[0].At.After(sent) {
			t.Errorf("samples of %s: %v; want a 0 between %v and %v first", series, raw, begin, sent)
		}
	}
}

// rawSample is one stored sample.
type rawSample struct {
	At    time.Time
	Value float64
}

// rawSamples returns the samples of the one series that the range
// selector q selects now.
func rawSamples(t testing.TB, prom *Prometheus, q string) []rawSample {
	t.Helper()
	var r struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Values [][2]any `json:"values"`
		} `json:"result"`
	}
	data := prom.API(t, "query", url.Values{"query": {q}})
	if err := json.Unmarshal(data, &r); err != nil || r.ResultType != "matrix" || len(r.Result) != 1 {
		t.Fatalf("e2e: %s: %v: want one series, got %s", q, err, data)
	}
	var out []rawSample
	for _, v := range r.Result[0].Values {
		ts, _ := v[0].(float64)
		f, err := sampleValue(v[1])
		if err != nil {
			t.Fatalf("e2e: %s: %v", q, err)
		}
		out = append(out, rawSample{time.UnixMilli(int64(ts * 1000)), f})
	}
	return out
}

// legacyName is a metric name that needs no escaping.
var legacyName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

// TestNamesUnderUTF8Negotiation runs an example of each schema (default,
// Big Brother, OpenTelemetry semconv) under Prometheus 3, which asks for
// names as they are (escaping=allow-utf-8), and under a job that asks for
// legacy names (escaping=underscores): both store exactly the names of the
// app's exposition. A scrape that asks for underscores itself gets valid
// legacy names, the same ones.
func TestNamesUnderUTF8Negotiation(t *testing.T) {
	onVersion(t, prom3, testNamesUnderUTF8Negotiation)
}

func testNamesUnderUTF8Negotiation(t *testing.T, v *PromVersion) {
	type app struct {
		name string
		args []string
		hit  []string // paths to request, so that the request series exist
		info string   // the info metric of its schema
	}
	apps := []app{
		{"basic", nil, []string{"/users/1", "/nowhere"}, "gin_exporter_info"},
		{"bigbrother", []string{"-upstream", "http://127.0.0.1:1", "-check-interval", "1s"}, []string{"/users/1", "/nowhere"}, "application_info"},
		{"semconv", nil, []string{"/users/1", "/nowhere"}, "gin_exporter_info"},
	}
	var config strings.Builder
	config.WriteString("global:\n  scrape_interval: 1s\nscrape_configs:\n")
	addrs := map[string]string{}
	for _, a := range apps {
		addr := freeAddr(t)
		addrs[a.name] = addr
		startApp(t, a.name, buildExample(t, a.name), addr, "/health", []string{"GIN_MODE=release"}, append([]string{"-addr", addr}, a.args...)...)
		for _, p := range a.hit {
			mustDo(t, http.MethodGet, "http://"+addr+p)
		}
		config.WriteString(scrapeConfig(a.name, []string{addr}))
		config.WriteString(scrapeConfig(a.name+"-underscores", []string{addr}))
		config.WriteString("    metric_name_validation_scheme: legacy\n    metric_name_escaping_scheme: underscores\n")
	}
	prom := startPrometheus(t, v, PromOptions{Config: config.String()})
	prom.WaitScrapedSince(t, time.Now())

	for _, a := range apps {
		t.Run(a.name, func(t *testing.T) {
			addr := addrs[a.name]
			utf8CT, utf8Names := exposedNames(t, addr, "text/plain;version=1.0.0;escaping=allow-utf-8")
			legacyCT, legacyNames := exposedNames(t, addr, "text/plain;version=1.0.0;escaping=underscores")
			if len(utf8Names) < 5 || !slices.Contains(utf8Names, a.info) {
				t.Fatalf("the app exposes only %q", utf8Names)
			}
			if !strings.Contains(legacyCT, "escaping=underscores") {
				t.Errorf("asked for underscores, the app answered %q", legacyCT)
			}
			t.Logf("allow-utf-8: %s; underscores: %s", utf8CT, legacyCT)
			for _, n := range legacyNames {
				if !legacyName.MatchString(n) {
					t.Errorf("asked for underscores, the app exposed %q", n)
				}
			}
			if !slices.Equal(utf8Names, legacyNames) {
				t.Errorf("names with escaping=underscores %q differ from those with allow-utf-8 %q", legacyNames, utf8Names)
			}
			for _, job := range []string{a.name, a.name + "-underscores"} {
				if got := storedNames(t, prom, job); !slices.Equal(got, utf8Names) {
					t.Errorf("job %s: Prometheus stored the names %q; the app exposes %q", job, got, utf8Names)
				}
			}
		})
	}
}

// exposedNames scrapes addr's /metrics with accept and returns the content
// type and the sorted names of its samples.
func exposedNames(t testing.TB, addr, accept string) (string, []string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("e2e: scraping %s: %v", addr, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err = errors.Join(err, resp.Body.Close()); err != nil {
		t.Fatalf("e2e: scraping %s: %v", addr, err)
	}
	seen := map[string]bool{}
	for line := range strings.Lines(string(body)) {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name := line[:strings.IndexAny(line, "{ ")]
		seen[strings.Trim(name, `"`)] = true
	}
	return resp.Header.Get("Content-Type"), sortedKeys(seen)
}

// storedNames returns the sorted metric names Prometheus holds for job,
// without the series of its own scrapes (up, scrape_*).
func storedNames(t testing.TB, prom *Prometheus, job string) []string {
	t.Helper()
	data := prom.API(t, "label/__name__/values", url.Values{"match[]": {`{job="` + job + `", __name__!~"up|scrape_.+"}`}})
	var names []string
	if err := json.Unmarshal(data, &names); err != nil {
		t.Fatalf("e2e: %v: %s", err, data)
	}
	sort.Strings(names)
	return names
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
