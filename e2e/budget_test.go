package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// TestSeriesBudgetAlert drives a family past a small series budget under a
// real Prometheus that loads the monitoring example's rules.yml as shipped
// (intervals at the test's scale): GinSeriesBudgetExhausted stays silent
// while the family only fills its budget, and fires, naming the family,
// once new values overflow.
func TestSeriesBudgetAlert(t *testing.T) { eachVersion(t, testSeriesBudgetAlert) }

func testSeriesBudgetAlert(t *testing.T, v *PromVersion) {
	const limit = 10
	reg := prometheus.NewRegistry()
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithSeriesLimit(limit))
	r.POST("/message/:event", func(c *gin.Context) {
		m.ObserveMessage(c.Param("event"), time.Millisecond, 1, 1, nil)
		c.Status(http.StatusNoContent)
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	send := func(from, to int) {
		for i := from; i < to; i++ {
			mustDo(t, http.MethodPost, srv.URL+"/message/e"+strings.Repeat("x", i))
		}
	}

	dir := repoPath("_examples", "monitoring")
	var expr string
	for _, rule := range loadRules(t, dir+"/rules.yml") {
		if rule.Alert == "GinSeriesBudgetExhausted" {
			expr = rule.Expr
		}
	}
	if expr == "" {
		t.Fatal("rules.yml has no GinSeriesBudgetExhausted")
	}
	prom := startPrometheus(t, v, PromOptions{
		Config: "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - rules.yml\nscrape_configs:\n" +
			scrapeConfig("gin", []string{strings.TrimPrefix(srv.URL, "http://")}),
		Rules: map[string]string{"rules.yml": testSized(read(t, dir+"/rules.yml"))},
	})
	prom.WaitTargetsUp(t)

	// Five events make the message counter's 10 series (ok and error
	// each): the budget is spent, and nothing has overflowed yet.
	send(0, limit/2)
	prom.WaitValue(t, `gin_series_overflow_total{job="gin", metric="gin_websocket_messages_total"}`, 0)
	prom.WaitScrapedSince(t, time.Now())
	if got := prom.Query(t, expr); len(got) != 0 {
		t.Fatalf("GinSeriesBudgetExhausted's expression holds before any overflow: %v", got)
	}
	if state := prom.AlertState(t, "GinSeriesBudgetExhausted"); state != "inactive" {
		t.Fatalf("GinSeriesBudgetExhausted is %s before any overflow", state)
	}

	// Twenty more overflow.
	send(limit/2, limit/2+20)
	prom.WaitValue(t, `gin_series_overflow_total{job="gin", metric="gin_websocket_messages_total"}`, 20)
	prom.WaitValue(t, `count(gin_websocket_messages_total{job="gin"})`, limit+1)
	prom.WaitValue(t, `sum(gin_websocket_messages_total{job="gin"})`, limit/2+20)
	var fired Alert
	if !poll(queryTimeout, func() bool {
		for _, a := range prom.Alerts(t) {
			if a.Name == "GinSeriesBudgetExhausted" && a.State == "firing" && a.Labels["metric"] == "gin_websocket_messages_total" {
				fired = a
				return true
			}
		}
		return false
	}) {
		t.Fatalf("GinSeriesBudgetExhausted did not fire for gin_websocket_messages_total; alerts: %+v", prom.Alerts(t))
	}
	if fired.Labels["job"] != "gin" || !strings.Contains(fired.Annotations["summary"], "gin_websocket_messages_total") ||
		!strings.HasSuffix(fired.Annotations["runbook_url"], "#ginseriesbudgetexhausted") {
		t.Errorf("firing alert %+v: want job gin, the metric in its summary and the runbook", fired)
	}
}
