package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gin-contrib/ginprom/probe"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// runProber probes the service until SIGINT or SIGTERM.
func runProber(args []string) error {
	fs := flag.NewFlagSet("prober", flag.ExitOnError)
	target := fs.String("target", envOr("TARGET_URL", "http://localhost:8080"), "base URL of the reservations service (TARGET_URL)")
	interval := fs.Duration("interval", envDuration("INTERVAL", 5*time.Second), "time between probes; rules.yml sizes its windows for 5s (INTERVAL)")
	timeout := fs.Duration("timeout", envDuration("TIMEOUT", 2*time.Second), "timeout of one probe (TIMEOUT)")
	addr := fs.String("addr", envOr("ADDR", ":9101"), "address of the prober's /metrics (ADDR)")
	_ = fs.Parse(args)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	secret := os.Getenv("PROBE_SECRET")
	if secret == "" {
		log.Print("PROBE_SECRET is not set: the service will count the probes as users' requests")
	}
	// What a user does: book a table. The secret keeps the probe out of
	// the service's own metrics. The duration keeps the name that the
	// reservations service's monitor gave it, without its unit, so that
	// the dashboards and alerts written for that monitor keep working.
	names := probe.Names{Duration: "synthetic_request_duration"}
	p := probe.NewNamed(reg, names, *interval, probe.Target{
		Method:  http.MethodPost,
		URL:     strings.TrimSuffix(*target, "/") + "/reservations",
		Body:    []byte(`{"username": "synthetic"}`),
		Header:  http.Header{"Content-Type": {"application/json"}},
		Timeout: *timeout,
		Secret:  secret,
	})

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	probing := make(chan error, 1)
	go func() { probing <- p.Run(ctx) }()

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	log.Printf("probing %s every %v; metrics on %s/metrics", *target, *interval, *addr)
	err := serve(ctx, &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second})
	stop()
	// Run returns ctx.Err() once its last probe has ended.
	if perr := <-probing; err == nil && !errors.Is(perr, context.Canceled) {
		err = perr
	}
	return err
}
