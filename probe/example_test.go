package probe_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-contrib/ginprom/probe"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// A prober runs one round against a service and reads its own metrics.
func ExampleNew() {
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/reservations" {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer svc.Close()

	reg := prometheus.NewRegistry()
	p := probe.New(reg, 30*time.Second,
		probe.Target{Method: http.MethodPost, URL: svc.URL + "/reservations", Body: []byte(`{"username": "synthetic"}`)},
		probe.Target{URL: svc.URL + "/search", Timeout: 2 * time.Second},
	)
	p.ProbeOnce(context.Background())

	// The last result of each target, its URL shortened for the output.
	families, _ := reg.Gather()
	for _, f := range families {
		if f.GetName() != "synthetic_probe_success" {
			continue
		}
		for _, m := range f.GetMetric() {
			var method, url string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "method":
					method = l.GetValue()
				case "url":
					url = strings.TrimPrefix(l.GetValue(), svc.URL)
				}
			}
			fmt.Println(f.GetName(), method, url, m.GetGauge().GetValue())
		}
	}
	// Output:
	// synthetic_probe_success GET /search 0
	// synthetic_probe_success POST /reservations 1
}

// A prober that replaces another monitor keeps its names, so that the
// dashboards and alerts written for it keep working: here the duration
// without its unit, as the reservations service's monitor named it. The
// fields left empty keep their defaults.
func ExampleNewNamed() {
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	defer svc.Close()

	reg := prometheus.NewRegistry()
	p := probe.NewNamed(reg, probe.Names{Duration: "synthetic_request_duration"}, 5*time.Second,
		probe.Target{Method: http.MethodPost, URL: svc.URL + "/reservations"})
	p.ProbeOnce(context.Background())

	families, _ := reg.Gather()
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				value := strings.TrimPrefix(l.GetValue(), svc.URL) // shortened for the output
				labels = append(labels, l.GetName()+"="+value)
			}
			if h := m.GetHistogram(); h != nil {
				fmt.Println(f.GetName(), f.GetType(), labels, "count", h.GetSampleCount())
			} else if f.GetName() == "synthetic_probe_success" {
				fmt.Println(f.GetName(), f.GetType(), labels, m.GetGauge().GetValue())
			}
		}
	}
	// Output:
	// synthetic_probe_success GAUGE [method=POST url=/reservations] 1
	// synthetic_request_duration HISTOGRAM [method=POST result=failure url=/reservations] count 0
	// synthetic_request_duration HISTOGRAM [method=POST result=success url=/reservations] count 1
}

// Run probes every interval until its context ends, and then returns the
// context's error.
func ExampleProber_Run() {
	probed := make(chan struct{}, 10)
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		probed <- struct{}{}
	}))
	defer svc.Close()

	p := probe.New(prometheus.NewRegistry(), 10*time.Millisecond, probe.Target{URL: svc.URL})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()

	<-probed // at once
	<-probed // at the first tick
	cancel() // as a signal handler would, at shutdown
	fmt.Println(<-done)
	// Output:
	// context canceled
}

// The probed service leaves the prober's requests, and only them, out of
// its metrics, by a secret that both sides share.
func ExampleSkip() {
	const secret = "from the environment, not from the code"
	reg := prometheus.NewRegistry()
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithSkipper(probe.Skip(secret)))
	r.POST("/reservations", func(c *gin.Context) { c.Status(http.StatusOK) })
	svc := httptest.NewServer(r)
	defer svc.Close()

	p := probe.New(prometheus.NewRegistry(), time.Minute,
		probe.Target{Method: http.MethodPost, URL: svc.URL + "/reservations", Secret: secret})
	p.ProbeOnce(context.Background()) // skipped

	// A client that sends the header with anything but the secret is counted.
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, svc.URL+"/reservations", nil)
	req.Header.Set(probe.SecretHeader, "1")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_ = resp.Body.Close()
	}
	http.DefaultClient.CloseIdleConnections()

	const want = `
# HELP gin_http_request_total Total number of HTTP requests served by Gin.
# TYPE gin_http_request_total counter
gin_http_request_total{method="POST",status="200"} 1
`
	fmt.Println(testutil.GatherAndCompare(reg, strings.NewReader(want), "gin_http_request_total"))
	// Output:
	// <nil>
}
