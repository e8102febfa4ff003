package e2e

import (
	"fmt"
	"net/http"
	"testing"
)

// TestDependencyExample runs the dependencies example against a real
// upstream (a Pushgateway, whose health route is /-/healthy) under a real
// Prometheus: dependency_up is 1 while the upstream runs and drops to 0
// once it is stopped; the requests forwarded to it are counted by method
// and status, with no URL in their labels, and those that find it gone are
// counted with status "error".
func TestDependencyExample(t *testing.T) { eachVersion(t, testDependencyExample) }

func testDependencyExample(t *testing.T, v *PromVersion) {
	upstream := startPushgateway(t)
	addr := freeAddr(t)
	startApp(t, "dependencies", buildExample(t, "dependencies"), addr, "/health",
		[]string{"GIN_MODE=release"}, "-addr", addr, "-upstream", upstream.URL, "-check-interval", "1s")
	prom := startPrometheus(t, v, PromOptions{Config: "global:\n  scrape_interval: 1s\nscrape_configs:\n" + scrapeConfig("dependencies", []string{addr})})

	const found, missing = 3, 2
	for i := range found {
		if got := mustDo(t, http.MethodGet, fmt.Sprintf("http://%s/upstream/-/healthy?try=%d", addr, i)); got != http.StatusOK {
			t.Fatalf("GET /upstream/-/healthy: status %d, want 200", got)
		}
	}
	for i := range missing {
		if got := mustDo(t, http.MethodGet, fmt.Sprintf("http://%s/upstream/no/such/page/%d", addr, i)); got != http.StatusNotFound {
			t.Fatalf("GET /upstream/no/such/page: status %d, want 404", got)
		}
	}
	prom.WaitValue(t, `gin_dependency_up{name="upstream"}`, 1)
	prom.WaitValue(t, `gin_dependency_request_duration_seconds_count{name="upstream",method="GET",status="200"}`, found)
	prom.WaitValue(t, `gin_dependency_request_duration_seconds_count{name="upstream",method="GET",status="404"}`, missing)
	prom.WaitValue(t, `count(gin_dependency_request_duration_seconds_count)`, 2)

	upstream.Proc.Stop()
	prom.WaitValue(t, `gin_dependency_up{name="upstream"}`, 0)
	if got := mustDo(t, http.MethodGet, "http://"+addr+"/upstream/-/healthy"); got != http.StatusBadGateway {
		t.Fatalf("GET /upstream/-/healthy with the upstream stopped: status %d, want 502", got)
	}
	prom.WaitValue(t, `gin_dependency_request_duration_seconds_count{name="upstream",method="GET",status="error"}`, 1)
	prom.WaitValue(t, `count(gin_dependency_up)`, 1)
}
