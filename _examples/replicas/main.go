// Command replicas runs one small Gin application as several processes on
// several ports, the way replicas of a service run behind a load balancer,
// each instrumented by ginprom and each scraped by Prometheus as a target of
// its own. Prometheus, not the application, adds them up: rules.yml records
// request rate, error ratio and latency quantiles summed over the
// instances.
//
//	go run . -n 3 -base-port 8081      # replicas on :8081, :8082 and :8083
//	go run . -addr 127.0.0.1:8084      # one replica, started by hand
//	prometheus --config.file=prometheus.yml --storage.tsdb.path="$(mktemp -d)"
//
// Each process counts only the requests it served. That is exact: in Go
// one process has one registry, so unlike a pre-forking Python server no
// scrape ever sees one worker's share only. Across processes, never add
// counters in the application or push them to a Pushgateway: scrape every
// replica, and let Prometheus sum them (see the README, "Several
// processes").
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
)

func main() {
	addr := flag.String("addr", os.Getenv("ADDR"), "run one replica on this address (such as 127.0.0.1:8081)")
	n := flag.Int("n", 3, "without -addr: how many replicas to start, as processes of their own")
	basePort := flag.Int("base-port", 8081, "without -addr: the first replica's port; the others follow")
	host := flag.String("host", "127.0.0.1", "without -addr: the host the replicas listen on")
	flag.Parse()

	if *addr != "" {
		serve(*addr)
		return
	}
	if *n < 1 {
		log.Fatalf("-n %d: start at least one replica", *n)
	}
	os.Exit(supervise(*n, *host, *basePort))
}

// serve runs one replica on addr until it is killed.
func serve(addr string) {
	gin.SetMode(gin.ReleaseMode)
	srv := &http.Server{Addr: addr, Handler: newRouter(addr), ReadHeaderTimeout: 10 * time.Second}
	log.Printf("replica %d listening on %s; metrics at http://%s/metrics", os.Getpid(), addr, addr) //nolint:gosec // G706: the address is the one its own user gave on the command line.
	log.Fatal(srv.ListenAndServe())
}

// newRouter builds the application of one replica.
func newRouter(addr string) *gin.Engine {
	r := gin.New()
	r.Use(gin.Recovery())
	ginprom.New(r, ginprom.WithExcludedPaths("/health$")) // before the routes

	r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "hello from %s\n", addr) })
	r.GET("/health", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.GET("/users/:id", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "replica": addr}) })
	// /work?ms=120 takes that long (at most a second), to move the
	// latency quantiles.
	r.GET("/work", func(c *gin.Context) {
		ms, _ := strconv.Atoi(c.Query("ms"))
		time.Sleep(time.Duration(min(max(ms, 0), 1000)) * time.Millisecond)
		c.String(http.StatusOK, "worked %d ms\n", ms)
	})
	// /fail answers 500, for the error ratio.
	r.GET("/fail", func(c *gin.Context) { c.String(http.StatusInternalServerError, "failed\n") })
	return r
}

// supervise starts n replicas of this program, on host and the ports from
// basePort on, and waits for them. An interrupt or a termination signal
// ends every replica with SIGTERM. A replica that ends is not restarted:
// the others keep serving, and Prometheus shows it down. supervise returns
// 0 when the replicas ended because of a signal, 1 otherwise.
func supervise(n int, host string, basePort int) int {
	self, err := os.Executable()
	if err != nil {
		log.Printf("cannot find this program to start its replicas: %v", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var wg sync.WaitGroup
	failed := false
	for i := range n {
		addr := fmt.Sprintf("%s:%d", host, basePort+i)
		cmd := exec.CommandContext(ctx, self, "-addr", addr) //nolint:gosec // G204: this program starting copies of itself.
		cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Start(); err != nil {
			log.Printf("replica on %s: %v", addr, err)
			failed = true
			stop() // ends the replicas started so far
			break
		}
		log.Printf("started replica %d of %d, pid %d, on %s", i+1, n, cmd.Process.Pid, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := cmd.Wait()
			log.Printf("replica pid %d ended: %v", cmd.Process.Pid, err)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil && !failed {
		return 0
	}
	return 1
}
