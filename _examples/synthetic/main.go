// Command synthetic is synthetic monitoring of a Gin service, in two
// programs: a reservations service instrumented by ginprom, and a prober
// that sends it a reservation on a schedule, as a user would, and serves
// what it saw on a /metrics of its own.
//
//	PROBE_SECRET=s3cret go run . service   # the service on :8080, its metrics at /metrics, admin on 127.0.0.1:8081
//	PROBE_SECRET=s3cret go run . prober    # probes http://localhost:8080 every 5s; its metrics on :9101/metrics
//	curl -X POST localhost:8081/admin/fail     # the service now fails every reservation
//	curl -X POST localhost:8081/admin/recover  # and now it answers as before
//
// Both sides share PROBE_SECRET: the prober sends it, and the service
// leaves the requests that carry it out of its own metrics, so that its
// error rate and latency are its users' alone. rules.yml holds the alerts
// on both sides, prometheus.yml scrapes both programs.
//
// Run "go run . service -h" or "go run . prober -h" for the flags; each
// flag's default may also come from the environment variable it names.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "service":
		err = runService(os.Args[2:])
	case "prober":
		err = runProber(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "synthetic:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: synthetic service [flags] | synthetic prober [flags]")
	os.Exit(2)
}

// envOr returns the environment variable name, or def when it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// envDuration returns the environment variable name as a duration, or def
// when it is unset; a value that does not parse ends the program.
func envDuration(name string, def time.Duration) time.Duration {
	v, ok := os.LookupEnv(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "synthetic: %s=%q: %v\n", name, v, err)
		os.Exit(2)
	}
	return d
}

// envBool returns the environment variable name as a bool, or false when
// it is unset; a value that does not parse ends the program.
func envBool(name string) bool {
	v, ok := os.LookupEnv(name)
	if !ok {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "synthetic: %s=%q: %v\n", name, v, err)
		os.Exit(2)
	}
	return b
}
