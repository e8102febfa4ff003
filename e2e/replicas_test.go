package e2e

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestReplicasAggregate runs the replicas example as three processes, each
// scraped by a real Prometheus as its own target with the example's
// prometheus.yml and rules.yml, sends a known number of requests spread over
// them, and checks the recording rules; then it kills one replica.
func TestReplicasAggregate(t *testing.T) { eachVersion(t, testReplicasAggregate) }

func testReplicasAggregate(t *testing.T, v *PromVersion) {
	bin := buildExample(t, "replicas")
	addrs := []string{freeAddr(t), freeAddr(t), freeAddr(t)}
	procs := make([]*Proc, len(addrs))
	for i, addr := range addrs {
		procs[i] = startApp(t, fmt.Sprintf("replica %d", i+1), bin, addr, "/health", nil, "-addr", addr)
	}
	prom := startPrometheus(t, v, PromOptions{
		Config: exampleFile(t, "replicas", "prometheus.yml",
			`["127.0.0.1:8081", "127.0.0.1:8082", "127.0.0.1:8083"]`, "["+strings.Join(quoteAll(addrs), ", ")+"]",
			"scrape_interval: 15s", "scrape_interval: 1s",
			"evaluation_interval: 15s", "evaluation_interval: 1s"),
		Rules: map[string]string{"rules.yml": exampleFile(t, "replicas", "rules.yml")},
	})
	prom.WaitTargetsUp(t)

	// Requests per replica, sent in two rounds, so that the second round
	// moves series Prometheus has already seen and the rates are not 0.
	oks := []int{5, 8, 11}
	fails := []int{1, 0, 2}
	send := func() {
		for i, addr := range addrs {
			for j := range oks[i] {
				if got := mustDo(t, http.MethodGet, fmt.Sprintf("http://%s/users/%d", addr, j)); got != http.StatusOK {
					t.Fatalf("GET /users/%d on %s: status %d", j, addr, got)
				}
			}
			for range fails[i] {
				if got := mustDo(t, http.MethodGet, "http://"+addr+"/fail"); got != http.StatusInternalServerError {
					t.Fatalf("GET /fail on %s: status %d", addr, got)
				}
			}
		}
	}
	send()
	prom.WaitScrapedSince(t, time.Now())
	send()
	prom.WaitScrapedSince(t, time.Now())

	totalOK, totalFail := 2*(oks[0]+oks[1]+oks[2]), 2*(fails[0]+fails[1]+fails[2])
	prom.WaitValue(t, `job:gin_http_request_total:sum{job="replicas", method="GET", status="200"}`, float64(totalOK))
	prom.WaitValue(t, `job:gin_http_request_total:sum{job="replicas", method="GET", status="500"}`, float64(totalFail))
	prom.WaitValue(t, `job:up:sum{job="replicas"}`, 3)
	// Each replica counted exactly its own share.
	for i, addr := range addrs {
		got := prom.Query(t, fmt.Sprintf(`sum(gin_http_request_total{job="replicas", instance=%q})`, addr))
		if len(got) != 1 || got[0].Value != float64(2*(oks[i]+fails[i])) {
			t.Errorf("replica %s counted %v, want %d", addr, got, 2*(oks[i]+fails[i]))
		}
	}

	// The other rules evaluate on ginprom's real labels: a rate, an error
	// ratio strictly between 0 and 1, a finite latency quantile per route.
	inRange := func(lo, hi float64) func([]Sample) bool {
		return func(s []Sample) bool { return len(s) == 1 && s[0].Value > lo && s[0].Value < hi }
	}
	prom.WaitQuery(t, `job:gin_http_requests:rate5m{job="replicas", status="200"}`, inRange(0, math.Inf(1)))
	prom.WaitQuery(t, `job:gin_http_request_errors:ratio_rate5m{job="replicas"}`, inRange(0, 1))
	for _, q := range []string{"p50", "p90", "p99"} {
		prom.WaitQuery(t, `job_path:gin_http_request_duration_seconds:`+q+`_rate5m{job="replicas", path="/users/:id"}`, inRange(0, 10))
	}
	if got := prom.Query(t, `job_path:gin_http_request_duration_seconds_bucket:rate5m{job="replicas", path="/users/:id", instance!=""}`); len(got) != 0 {
		t.Errorf("the summed buckets keep an instance label: %v", got)
	}

	// Kill the second replica by its pid: its target is down, and the sums
	// hold the two others' counts exactly.
	procs[1].Stop()
	prom.WaitValue(t, fmt.Sprintf(`up{job="replicas", instance=%q}`, addrs[1]), 0)
	prom.WaitValue(t, `job:up:sum{job="replicas"}`, 2)
	prom.WaitValue(t, `job:gin_http_request_total:sum{job="replicas", method="GET", status="200"}`, float64(2*(oks[0]+oks[2])))
	prom.WaitValue(t, `job:gin_http_request_total:sum{job="replicas", method="GET", status="500"}`, float64(2*(fails[0]+fails[2])))
	for _, i := range []int{0, 2} {
		prom.WaitValue(t, fmt.Sprintf(`up{job="replicas", instance=%q}`, addrs[i]), 1)
	}
}

// TestReplicasSupervisor runs the replicas example as `-n 3 -base-port P`:
// three processes on three ports, which end with it.
func TestReplicasSupervisor(t *testing.T) {
	t.Parallel()
	bin := buildExample(t, "replicas")
	base := freePorts(t, 3)
	sup := start(t, "replicas -n 3", bin, nil, "-n", "3", "-base-port", strconv.Itoa(base), "-host", "127.0.0.1")
	for i := range 3 {
		addr := fmt.Sprintf("127.0.0.1:%d", base+i)
		waitHTTP(t, "http://"+addr+"/health", sup)
		status, body, err := get("http://" + addr + "/")
		if err != nil || status != http.StatusOK || body != "hello from "+addr+"\n" {
			t.Errorf("GET / on %s: %d %q %v", addr, status, body, err)
		}
	}

	sup.Stop() // SIGTERM by pid; it passes it on and waits for its replicas
	if done, err := sup.Exited(); !done || err != nil {
		t.Errorf("supervisor: exited %v, %v; want a clean exit after SIGTERM", done, err)
	}
	for i := range 3 {
		addr := fmt.Sprintf("127.0.0.1:%d", base+i)
		if _, _, err := get("http://" + addr + "/health"); !isConnRefused(err) {
			t.Errorf("replica on %s still answers after the supervisor ended: %v", addr, err)
		}
	}
}

// freePorts returns the first of n consecutive loopback ports that are
// free now.
func freePorts(t testing.TB, n int) int {
	t.Helper()
	for range 50 {
		_, p, _ := net.SplitHostPort(freeAddr(t))
		base, _ := strconv.Atoi(p)
		if base+n > 65535 {
			continue
		}
		free := true
		for i := 1; i < n && free; i++ {
			ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", fmt.Sprintf("127.0.0.1:%d", base+i))
			if err != nil {
				free = false
				continue
			}
			_ = ln.Close()
		}
		if free {
			return base
		}
	}
	t.Fatalf("e2e: no %d consecutive free ports", n)
	return 0
}

// TestReplicasThroughAgent runs the replicas example past one Prometheus:
// a Prometheus 3 in agent mode scrapes the three replicas with the
// example's prometheus-agent.yml and remote-writes to a central Prometheus 3
// with prometheus-central.yml and rules.yml, while a Prometheus with
// prometheus.yml scrapes the same replicas directly. The recording rules
// give the same totals on both, and the exact counts sent.
func TestReplicasThroughAgent(t *testing.T) {
	onVersion(t, prom3, testReplicasThroughAgent)
}

func testReplicasThroughAgent(t *testing.T, v *PromVersion) {
	bin := buildExample(t, "replicas")
	addrs := []string{freeAddr(t), freeAddr(t), freeAddr(t)}
	for i, addr := range addrs {
		startApp(t, fmt.Sprintf("replica %d", i+1), bin, addr, "/health", nil, "-addr", addr)
	}
	targets := "[" + strings.Join(quoteAll(addrs), ", ") + "]"
	rules := map[string]string{"rules.yml": exampleFile(t, "replicas", "rules.yml")}
	central := startPrometheus(t, v, PromOptions{
		Config: exampleFile(t, "replicas", "prometheus-central.yml",
			"evaluation_interval: 15s", "evaluation_interval: 1s"),
		Rules: rules,
		Flags: []string{"--web.enable-remote-write-receiver"},
	})
	agent := startPrometheus(t, v, PromOptions{
		Config: exampleFile(t, "replicas", "prometheus-agent.yml",
			`["127.0.0.1:8081", "127.0.0.1:8082", "127.0.0.1:8083"]`, targets,
			"scrape_interval: 15s", "scrape_interval: 1s",
			"http://127.0.0.1:9090/api/v1/write", central.URL+"/api/v1/write"),
		Agent: true,
	})
	direct := startPrometheus(t, v, PromOptions{
		Config: exampleFile(t, "replicas", "prometheus.yml",
			`["127.0.0.1:8081", "127.0.0.1:8082", "127.0.0.1:8083"]`, targets,
			"scrape_interval: 15s", "scrape_interval: 1s",
			"evaluation_interval: 15s", "evaluation_interval: 1s"),
		Rules: rules,
	})
	agent.WaitTargetsUp(t)
	direct.WaitTargetsUp(t)

	oks, fails := []int{4, 7, 9}, []int{2, 0, 1}
	for i, addr := range addrs {
		for j := range oks[i] {
			mustDo(t, http.MethodGet, fmt.Sprintf("http://%s/users/%d", addr, j))
		}
		for range fails[i] {
			mustDo(t, http.MethodGet, "http://"+addr+"/fail")
		}
	}
	totalOK, totalFail := oks[0]+oks[1]+oks[2], fails[0]+fails[1]+fails[2]
	for _, prom := range []*Prometheus{central, direct} {
		prom.WaitValue(t, `job:up:sum{job="replicas"}`, 3)
		prom.WaitValue(t, `job:gin_http_request_total:sum{job="replicas", method="GET", status="200"}`, float64(totalOK))
		prom.WaitValue(t, `job:gin_http_request_total:sum{job="replicas", method="GET", status="500"}`, float64(totalFail))
	}
	// Every total the direct scrape records, the central server records
	// alike, label for label.
	totals := func(prom *Prometheus) map[string]float64 {
		out := map[string]float64{}
		for _, s := range prom.Query(t, `job:gin_http_request_total:sum{job="replicas"}`) {
			out[fmt.Sprint(s.Metric)] = s.Value
		}
		return out
	}
	if c, d := totals(central), totals(direct); fmt.Sprint(c) != fmt.Sprint(d) {
		t.Errorf("central totals %v, direct %v", c, d)
	}
	// The agent keeps no database and answers no queries.
	if _, err := agent.query("up"); err == nil {
		t.Errorf("the agent answered a query")
	}
}
