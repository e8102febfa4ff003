package e2e

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSyntheticRules: the example's rule file is valid, its alerts follow
// the conventions, and its promtool unit tests pass.
func TestSyntheticRules(t *testing.T) { eachVersion(t, testSyntheticRules) }

func testSyntheticRules(t *testing.T, v *PromVersion) {
	rules := repoPath("_examples", "synthetic", "rules.yml")
	promtool(t, v, "check", "rules", rules)
	if out := promtool(t, v, "test", "rules", repoPath("_examples", "synthetic", "rules_test.yml")); !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool test rules:\n%s", out)
	}
	checkAlertConventions(t, loadRules(t, rules))
	promtool(t, v, "check", "config", repoPath("_examples", "synthetic", "prometheus.yml"))
}

// testSizedRules returns the example's rules.yml, sized for a probe, scrape
// and evaluation interval of 1s instead of 5s: every window, "for" and
// threshold divided by 5, so that each still counts the same probes.
func testSizedRules(t *testing.T) string {
	t.Helper()
	rules := read(t, repoPath("_examples", "synthetic", "rules.yml"))
	for _, r := range []struct{ from, to string }{
		{"[1m]", "[12s]"},       // 12 probes
		{"for: 30s", "for: 6s"}, // 6 more probes
		{"> 60\n", "> 12\n"},    // 12 probes without a success
	} {
		if !strings.Contains(rules, r.from) {
			t.Fatalf("rules.yml has no %q any more; update testSizedRules", r.from)
		}
		rules = strings.ReplaceAll(rules, r.from, r.to)
	}
	return rules
}

// TestSyntheticExample runs the reservations service, the prober and a real
// Prometheus with the example's rules (test-sized), and checks the
// article's story: the probes stay out of the service's metrics, the
// failure ratios have data, a failing service fires the synthetic alert,
// and a stopped service fires the staleness alert while the service's own
// alert, which has nothing left to look at, stays silent.
func TestSyntheticExample(t *testing.T) { eachVersion(t, testSyntheticExample) }

func testSyntheticExample(t *testing.T, v *PromVersion) {
	bin := buildExample(t, "synthetic")
	svcAddr, adminAddr, proberAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	env := []string{"PROBE_SECRET=e2e-secret"}
	svc := startApp(t, "service", bin, svcAddr, "/up", env,
		"service", "-addr", svcAddr, "-admin-addr", adminAddr, "-mix", "ok")
	startApp(t, "prober", bin, proberAddr, "/metrics", env,
		"prober", "-target", "http://"+svcAddr, "-interval", "1s", "-timeout", "500ms", "-addr", proberAddr)
	prom := startPrometheus(t, v, PromOptions{
		Config: "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [rules.yml]\nscrape_configs:\n" +
			scrapeConfig("reservations", []string{svcAddr}) +
			scrapeConfig("synthetic-prober", []string{proberAddr}),
		Rules: map[string]string{"rules.yml": testSizedRules(t)},
	})
	prom.WaitTargetsUp(t)
	url := "http://" + svcAddr + "/reservations"

	// Probes succeed, and the service has counted none of them.
	prom.WaitQuery(t, `synthetic_request_duration_count{result="success",method="POST",url="`+url+`"} >= 3`, NonEmpty)
	before := time.Now()
	prom.WaitScrapedSince(t, before)
	if got := prom.Query(t, `gin_http_request_total`); len(got) != 0 {
		t.Fatalf("the service counted probe requests: %v", got)
	}
	if got := prom.Query(t, `synthetic_probe_success`); len(got) != 1 || got[0].Value != 1 {
		t.Fatalf("synthetic_probe_success = %v, want one series at 1", got)
	}

	// Users, from now on: a request every 100ms until the test ends.
	stopUsers := make(chan struct{})
	var users sync.WaitGroup
	users.Add(1)
	go func() {
		defer users.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopUsers:
				return
			case <-tick.C:
				_, _, _ = do(http.MethodPost, url, strings.NewReader(`{"username": "user"}`), "application/json")
			}
		}
	}()
	t.Cleanup(func() {
		close(stopUsers)
		users.Wait()
	})

	// Both failure ratios have data, at 0.
	zero := func(s []Sample) bool { return len(s) == 1 && s[0].Value == 0 }
	prom.WaitQuery(t, `job_method_url:synthetic_request_failures:ratio_rate1m{job="synthetic-prober",method="POST",url="`+url+`"}`, zero)
	prom.WaitQuery(t, `job:gin_http_request_5xx:ratio_rate1m{job="reservations"}`, zero)
	for _, name := range []string{"SyntheticProbesFailing", "SyntheticProbesStale", "SyntheticProberDown", "ReservationsServerErrors"} {
		if s := prom.AlertState(t, name); s != "inactive" {
			t.Fatalf("%s is %s on a healthy service", name, s)
		}
	}

	// The service fails: the probes see it.
	if got := mustDo(t, http.MethodPost, "http://"+adminAddr+"/admin/fail"); got != http.StatusOK {
		t.Fatalf("POST /admin/fail: status %d", got)
	}
	a := prom.WaitAlert(t, "SyntheticProbesFailing", "firing")
	if a.Labels["method"] != "POST" || a.Labels["url"] != url || a.Labels["severity"] != "critical" {
		t.Errorf("SyntheticProbesFailing labels: %v", a.Labels)
	}
	if !strings.Contains(a.Annotations["summary"], url) {
		t.Errorf("SyntheticProbesFailing summary: %q", a.Annotations["summary"])
	}
	prom.WaitAlert(t, "ReservationsServerErrors", "firing") // users get the 503s too

	// It recovers; every alert resolves.
	if got := mustDo(t, http.MethodPost, "http://"+adminAddr+"/admin/recover"); got != http.StatusOK {
		t.Fatalf("POST /admin/recover: status %d", got)
	}
	prom.WaitQuery(t, `ALERTS{alertstate="firing"} or ALERTS{alertstate="pending"}`, func(s []Sample) bool { return len(s) == 0 })

	// It stops: it has no traffic and no metrics any more, so its own
	// alert cannot see it; the staleness of the probes' last success does.
	svc.Stop()
	prom.WaitAlert(t, "SyntheticProbesStale", "firing")
	if s := prom.AlertState(t, "ReservationsServerErrors"); s != "inactive" {
		t.Errorf("ReservationsServerErrors is %s for a stopped service, want inactive", s)
	}
	if got := prom.Query(t, `job:gin_http_request_5xx:ratio_rate1m`); len(got) != 0 {
		t.Errorf("the service's error ratio still has data after it stopped: %v", got)
	}
	if got := prom.Query(t, `up{job="reservations"}`); len(got) != 1 || got[0].Value != 0 {
		t.Errorf(`up{job="reservations"} = %v, want 0`, got)
	}
}
