// Command batch is a job that Prometheus cannot scrape, because it is gone
// before the next scrape: it does its work, records it on a ginprom
// registry, pushes the metrics to a Pushgateway and exits.
//
//	prometheus-pushgateway &                      # listens on :9091
//	go run . -items 100                           # instance: the host name
//	go run . -items 50 -instance shard-2          # a second group
//	curl -s localhost:9091/metrics | grep batch_  # both groups
//
// The flags have environment variables as defaults: PUSHGATEWAY_URL, JOB,
// INSTANCE. prometheus.yml scrapes the gateway with honor_labels: true, so
// the pushed job and instance labels are kept; rules.yml alerts when a job
// stops pushing (push_time_seconds) or its pushes are refused.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/prometheus/client_golang/prometheus"
)

// version would come from the build, for example with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run())
}

// run does the job and returns its exit code: 0 for a run without
// failures, 1 otherwise.
func run() int {
	gateway := flag.String("gateway", envOr("PUSHGATEWAY_URL", "http://localhost:9091"), "base URL of the Pushgateway")
	job := flag.String("job", envOr("JOB", "ginprom_batch"), "job label of the pushed group")
	instance := flag.String("instance", os.Getenv("INSTANCE"), "instance label of the pushed group (default: the host name)")
	items := flag.Int("items", 100, "number of items to process")
	failures := flag.Int("failures", 0, "number of items that fail, to see a failed run")
	flag.Parse()

	reg := prometheus.NewRegistry()
	opts := []ginprom.Option{
		ginprom.WithRegistry(reg),
		// The job serves no HTTP: no request metrics.
		ginprom.WithoutDefaults(),
	}
	if *instance != "" {
		// Without it, the instance is the host name: a run on the same host
		// replaces the last run's group, runs on other hosts add theirs.
		opts = append(opts, ginprom.WithPushInstance(*instance))
	}
	m := ginprom.New(nil, opts...)
	m.Info("batch_info", "Information about the batch job.", prometheus.Labels{"version": version})
	processed := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "batch_items_processed_total",
		Help: "Items processed by this run, by result.",
	}, []string{"result"})
	duration := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "batch_duration_seconds",
		Help: "How long this run took, in seconds.",
	})
	reg.MustRegister(processed, duration)
	// Both results exist from the start, so that a query sees 0 errors
	// rather than nothing.
	ok, failed := processed.WithLabelValues("ok"), processed.WithLabelValues("error")

	start := time.Now()
	errs := 0
	for i := range *items {
		if err := work(i, *items-i <= *failures); err != nil {
			log.Printf("item %d: %v", i, err)
			failed.Inc()
			errs++
			continue
		}
		ok.Inc()
	}
	duration.Set(time.Since(start).Seconds())

	// Push replaces this job's and instance's group with what reg holds,
	// so the group always describes the last run, and the gateway's
	// push_time_seconds says when it ended. A run that failed pushes too,
	// so that BatchJobFailed sees its failures.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.Push(ctx, *gateway, *job); err != nil {
		log.Print(err)
		return 1
	}
	log.Printf("pushed %d items (%d failed) to %s as job %q", *items, errs, *gateway, *job)
	if errs > 0 {
		return 1
	}
	return 0
}

// work processes item i; it fails when told to.
func work(i int, fail bool) error {
	if fail {
		return fmt.Errorf("cannot process item %d", i)
	}
	return nil
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
