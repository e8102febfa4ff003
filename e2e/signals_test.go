package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// TestSignalsExample runs the otel example, which records OpenTelemetry
// trace ids as exemplars and exposes native histograms, under a real
// Prometheus with exemplar storage and native histograms on (a flag on
// Prometheus 2, a scrape setting on 3). Prometheus then scrapes the
// protobuf format: the exemplars come back from
// /api/v1/query_exemplars with the trace id each request carried, and
// histogram_quantile over the native series returns a value.
func TestSignalsExample(t *testing.T) { eachVersion(t, testSignalsExample) }

func testSignalsExample(t *testing.T, v *PromVersion) {
	addr := freeAddr(t)
	startApp(t, "otel", buildExample(t, "otel"), addr, "/health", []string{"GIN_MODE=release"}, "-addr", addr)
	// Prometheus 2 scrapes native histograms under a feature flag, which
	// Prometheus 3 ignores: it has a scrape setting instead.
	o := PromOptions{
		Config: "global:\n  scrape_interval: 1s\nscrape_configs:\n" + scrapeConfig("otel", []string{addr}),
		Flags:  []string{"--enable-feature=exemplar-storage,native-histograms"},
	}
	if v.Major >= 3 {
		o.Config += "    scrape_native_histograms: true\n"
		o.Flags = []string{"--enable-feature=exemplar-storage"}
	}
	prom := startPrometheus(t, v, o)
	prom.WaitTargetsUp(t)

	// Requests that continue traces of known ids, in two rounds with a
	// scrape between them, so that rate() sees the histogram grow.
	traceID := func(i int) string { return fmt.Sprintf("%032x", 0xabc000+i) }
	send := func(from, to int) {
		for i := from; i < to; i++ {
			req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, fmt.Sprintf("http://%s/users/%d", addr, i), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("traceparent", "00-"+traceID(i)+"-00f067aa0ba902b7-01")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if err := resp.Body.Close(); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /users/%d: status %d", i, resp.StatusCode)
			}
		}
	}
	start := time.Now().Add(-time.Minute)
	send(0, 10)
	prom.WaitScrapedSince(t, time.Now())
	send(10, 20)
	prom.WaitScrapedSince(t, time.Now())

	// Exemplars: every one Prometheus returns carries a trace id that a
	// request sent, and at least one comes back.
	sent := map[string]bool{}
	for i := range 20 {
		sent[traceID(i)] = true
	}
	var got []string
	ok := poll(60*time.Second, func() bool {
		got = exemplarTraceIDs(t, prom, `{__name__=~"gin_http_request_duration_seconds(_bucket)?",path="/users/:id"}`, start)
		return len(got) > 0
	})
	if !ok {
		t.Fatalf("no exemplars stored for gin_http_request_duration_seconds")
	}
	for _, id := range got {
		if !sent[id] {
			t.Errorf("exemplar trace_id %q was not sent by any request", id)
		}
	}

	// Native histograms: one series per histogram, with a quantile.
	for _, q := range []string{
		`histogram_quantile(0.5, sum(rate(gin_http_request_duration_seconds[1m])))`,
		`histogram_quantile(0.5, sum(rate(gin_http_response_size_bytes[1m])))`,
	} {
		res := prom.WaitQuery(t, q, func(s []Sample) bool {
			return len(s) == 1 && !math.IsNaN(s[0].Value) && s[0].Value > 0
		})
		t.Logf("%s = %g", q, res[0].Value)
	}
	// The handler sleeps under 20 ms, so the median duration is below 0.05 s.
	if v := prom.Query(t, `histogram_quantile(0.5, sum(rate(gin_http_request_duration_seconds[1m])))`)[0].Value; v > 0.05 {
		t.Errorf("median duration %g s, want under 0.05", v)
	}
	// A count from the native series equals the requests sent.
	if v := prom.Query(t, `histogram_count(sum(gin_http_request_duration_seconds{path="/users/:id"}))`); len(v) != 1 || v[0].Value != 20 {
		t.Errorf("histogram_count = %v, want 20", v)
	}
}

// exemplarTraceIDs returns the trace_id of every exemplar Prometheus
// stores for query since start.
func exemplarTraceIDs(t testing.TB, prom *Prometheus, query string, start time.Time) []string {
	t.Helper()
	data := prom.API(t, "query_exemplars", url.Values{
		"query": {query},
		"start": {strconv.FormatInt(start.Unix(), 10)},
		"end":   {strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10)},
	})
	var series []struct {
		Exemplars []struct {
			Labels map[string]string `json:"labels"`
		} `json:"exemplars"`
	}
	if err := json.Unmarshal(data, &series); err != nil {
		t.Fatalf("query_exemplars: %v: %s", err, data)
	}
	var ids []string
	for _, s := range series {
		for _, e := range s.Exemplars {
			ids = append(ids, e.Labels["trace_id"])
		}
	}
	return ids
}
