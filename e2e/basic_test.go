package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestBasicExample runs the example app that `make run` starts under a real
// Prometheus, and checks that what Prometheus stores is exactly what the
// app served.
func TestBasicExample(t *testing.T) { eachVersion(t, testBasicExample) }

func testBasicExample(t *testing.T, v *PromVersion) {
	addr := freeAddr(t)
	startApp(t, "basic", buildExample(t, "basic"), addr, "/health", []string{"GIN_MODE=release"}, "-addr", addr)
	prom := startPrometheus(t, v, PromOptions{Config: "global:\n  scrape_interval: 1s\nscrape_configs:\n" + scrapeConfig("basic", []string{addr})})

	const users, missing = 7, 3
	for i := range users {
		if got := mustDo(t, http.MethodGet, fmt.Sprintf("http://%s/users/%d", addr, i)); got != http.StatusOK {
			t.Fatalf("GET /users/%d: status %d", i, got)
		}
	}
	for i := range missing {
		mustDo(t, http.MethodGet, fmt.Sprintf("http://%s/nowhere/%d", addr, i))
	}
	if got := mustDo(t, http.MethodGet, "http://"+addr+"/panic"); got != http.StatusInternalServerError {
		t.Fatalf("GET /panic: status %d, want 500", got)
	}
	sent := time.Now()
	prom.WaitScrapedSince(t, sent)

	checks := []struct {
		query string
		want  float64
	}{
		{`gin_http_request_duration_seconds_count{path="/users/:id",status="200"}`, users},
		{`gin_http_request_duration_seconds_count{path="<unmatched>",status="404"}`, missing},
		{`sum(gin_http_request_total{status="200"})`, users},
		{`gin_http_request_exceptions_total{status="500"}`, 1},
		{`count(gin_http_request_duration_seconds_count{path=~"/nowhere.*"})`, 0},
		{`up{job="basic"}`, 1},
		{`gin_exporter_info`, 1},
	}
	for _, c := range checks {
		got := prom.Query(t, c.query)
		var v float64
		switch {
		case len(got) == 1:
			v = got[0].Value
		case len(got) > 1:
			t.Errorf("%s: %d series, want one: %v", c.query, len(got), got)
			continue
		}
		if v != c.want {
			t.Errorf("%s = %v, want %v", c.query, v, c.want)
		}
	}
}
