package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSemconvExample runs the semconv example under a real Prometheus: the
// OpenTelemetry names and label values are stored as written, unmatched
// requests have no http_route, a request in progress shows in
// http_server_active_requests, and every query of the example's dashboard,
// written for OpenTelemetry-instrumented services, returns data.
func TestSemconvExample(t *testing.T) { eachVersion(t, testSemconvExample) }

func testSemconvExample(t *testing.T, v *PromVersion) {
	addr := freeAddr(t)
	startApp(t, "semconv", buildExample(t, "semconv"), addr, "/health", []string{"GIN_MODE=release"}, "-addr", addr)
	prom := startPrometheus(t, v, PromOptions{Config: "global:\n  scrape_interval: 1s\nscrape_configs:\n" + scrapeConfig("semconv", []string{addr})})

	const users = 6
	for i := range users {
		if got := mustDo(t, http.MethodGet, fmt.Sprintf("http://%s/users/%d", addr, i)); got != http.StatusOK {
			t.Fatalf("GET /users/%d: %d", i, got)
		}
	}
	if code, _, err := do(http.MethodPost, "http://"+addr+"/users", strings.NewReader(`{"name":"ada"}`), "application/json"); err != nil || code != http.StatusCreated {
		t.Fatalf("POST /users: %d %v", code, err)
	}
	mustDo(t, http.MethodGet, "http://"+addr+"/orders/1")
	mustDo(t, http.MethodGet, "http://"+addr+"/orders/2")
	mustDo(t, http.MethodGet, "http://"+addr+"/no/such/page")
	mustDo(t, "PROPFIND", "http://"+addr+"/users/1")

	// A request held open shows in the active requests, and leaves them.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/slow?ms=10000", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
		}
	}()
	prom.WaitValue(t, `http_server_active_requests{job="semconv", http_request_method="GET", url_scheme="http"}`, 1)
	cancel()
	<-done
	prom.WaitValue(t, `http_server_active_requests{job="semconv", http_request_method="GET", url_scheme="http"}`, 0)
	prom.WaitScrapedSince(t, time.Now())

	d := `http_server_request_duration_seconds_count{job="semconv", url_scheme="http", `
	for q, want := range map[string]float64{
		d + `http_request_method="GET", http_route="/users/:id", http_response_status_code="200", error_type=""}`:     users,
		d + `http_request_method="POST", http_route="/users", http_response_status_code="201"}`:                       1,
		d + `http_request_method="GET", http_route="/orders/:id", http_response_status_code="503", error_type="503"}`: 1,
		d + `http_request_method="GET", http_route="/orders/:id", http_response_status_code="200", error_type=""}`:    1,
		d + `http_request_method="GET", http_route="", http_response_status_code="404", error_type=""}`:               1,
		d + `http_request_method="_OTHER", http_route="", http_response_status_code="404"}`:                           1,
		`count(http_server_request_duration_seconds_count{http_route=~".*(no|such|page).*"})`:                         0,
		`http_server_request_body_size_bytes_sum{job="semconv", http_route="/users", http_request_method="POST"}`:     float64(len(`{"name":"ada"}`)),
		`count(http_server_response_body_size_bytes_count{job="semconv"})`:                                            7,  // the six series above and /slow, cut short
		`count(http_server_request_duration_seconds_bucket{job="semconv", http_route="/users/:id"})`:                  15, // DefaultBuckets and +Inf
		`count({__name__=~"gin_http_request_duration_seconds.*|request_seconds.*"})`:                                  0,
		`sum(gin_http_request_total{job="semconv"})`:                                                                  users + 6,
	} {
		got := prom.Query(t, q)
		switch {
		case want == 0 && len(got) == 0:
		case len(got) != 1 || got[0].Value != want:
			t.Errorf("%s = %v, want %v", q, got, want)
		}
	}

	vars := map[string]string{"job": "semconv", "route": ".*"}
	for _, q := range dashboardQueries(t, repoPath("_examples", "semconv", "dashboard.json")) {
		expr := expandGrafana(t, q.Expr, vars)
		if got := prom.WaitQuery(t, expr, NonEmpty); len(got) == 0 {
			t.Errorf("panel %q: %s returned no data", q.Panel, expr)
		}
	}
}
