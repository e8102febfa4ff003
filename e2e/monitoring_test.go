package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// testSized rewrites the `for:` durations of a rule file and the scrape and
// evaluation intervals of a configuration to the test's one-second scale,
// so that an alert fires within seconds; the expressions stay as shipped.
func testSized(file string) string {
	file = regexp.MustCompile(`(?m)^(\s*for:\s*)\S+`).ReplaceAllString(file, "${1}3s")
	return regexp.MustCompile(`(?m)^(\s*(?:scrape|evaluation)_interval:\s*)\S+`).ReplaceAllString(file, "${1}1s")
}

// TestMonitoringStack runs the monitoring example as shipped: the app under
// traffic from its load generator, scraped by a real Prometheus with the
// shipped prometheus.yml and rules.yml. Every recording rule must produce
// series, every dashboard query must return data, and the alerts must fire
// when the app fails and when it is gone.
func TestMonitoringStack(t *testing.T) { eachVersion(t, testMonitoringStack) }

func testMonitoringStack(t *testing.T, v *PromVersion) {
	dir := repoPath("_examples", "monitoring")
	addr := freeAddr(t)
	app := startApp(t, "monitoring", buildExample(t, "monitoring"), addr, "/health", []string{"GIN_MODE=release"}, "-addr", addr)

	config := read(t, dir+"/"+v.ConfigFile(dir, "prometheus.yml"))
	if !strings.Contains(config, `"app:8080"`) {
		t.Fatal(`prometheus.yml no longer scrapes "app:8080"; update this test`)
	}
	prom := startPrometheus(t, v, PromOptions{
		Config: testSized(strings.ReplaceAll(config, `"app:8080"`, `"`+addr+`"`)),
		Rules:  map[string]string{"rules.yml": testSized(read(t, dir+"/rules.yml"))},
	})
	start(t, "load", buildExample(t, "monitoring/load"), nil, "-target", "http://"+addr, "-rate", "50")
	prom.WaitTargetsUp(t)

	t.Run("every recording rule produces series", func(t *testing.T) {
		for _, r := range loadRules(t, dir+"/rules.yml") {
			if r.Record != "" {
				prom.WaitQuery(t, r.Record, NonEmpty)
			}
		}
	})
	t.Run("every dashboard query returns data", func(t *testing.T) {
		for _, q := range dashboardQueries(t, dir+"/dashboard.json") {
			prom.WaitQuery(t, expandGrafana(t, q.Expr, map[string]string{"job": "gin"}), NonEmpty)
		}
	})
	if v.Major >= 3 {
		// One scrape job, both kinds of histogram: the classic buckets
		// that the rules and dashboard read (above), and the native
		// series.
		t.Run("histogram_quantile over the native series", func(t *testing.T) {
			for _, q := range []string{
				`histogram_quantile(0.9, sum(rate(gin_http_request_duration_seconds{job="gin"}[30s])))`,
				`histogram_quantile(0.5, sum(rate(gin_http_response_size_bytes{job="gin"}[30s])))`,
				`histogram_count(sum(rate(gin_http_request_size_bytes{job="gin"}[30s])))`,
			} {
				prom.WaitQuery(t, q, func(s []Sample) bool { return len(s) == 1 && s[0].Value > 0 })
			}
		})
	}
	t.Run("scans of unmatched URLs make one series", func(t *testing.T) {
		prom.WaitValue(t, `count(gin_http_request_duration_seconds_count{job="gin", path="<unmatched>"})`, 1)
	})

	t.Run("GinHighErrorRatio fires when the app fails", func(t *testing.T) {
		if got := mustDo(t, http.MethodPost, "http://"+addr+"/admin/errors?ratio=0.5"); got != http.StatusOK {
			t.Fatalf("the error switch answered %d", got)
		}
		if state := prom.AlertState(t, "GinTargetDown"); state != "inactive" {
			t.Errorf("GinTargetDown is %s while the app is up", state)
		}
		a := prom.WaitAlert(t, "GinHighErrorRatio", "firing")
		if a.Labels["job"] != "gin" || a.Annotations["runbook_url"] == "" {
			t.Errorf("firing alert %+v: want job gin and a runbook", a)
		}
	})

	t.Run("GinTargetDown fires when the app is gone", func(t *testing.T) {
		app.Stop()
		prom.WaitValue(t, `up{job="gin"}`, 0)
		prom.WaitAlert(t, "GinTargetDown", "firing")
	})
}
