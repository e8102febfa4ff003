package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-contrib/ginprom/probe"
	"github.com/gin-gonic/gin"
)

// The article's status mix: 12 in 15 reservations succeed; a 400, a 401
// and a 500 share the rest.
var articleMix = []int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 400, 401, 500}

// runService runs the reservations service until SIGINT or SIGTERM.
func runService(args []string) error {
	fs := flag.NewFlagSet("service", flag.ExitOnError)
	addr := fs.String("addr", envOr("ADDR", ":8080"), "address of the service and its /metrics (ADDR)")
	adminAddr := fs.String("admin-addr", envOr("ADMIN_ADDR", "127.0.0.1:8081"), "address of the admin endpoints that switch failure on and off (ADMIN_ADDR)")
	mix := fs.String("mix", envOr("MIX", "article"), `status mix of reservations: "article" (4 in 5 succeed) or "ok" (all succeed) (MIX)`)
	fail := fs.Bool("fail", envBool("FAIL"), "start failing every reservation with 503 (FAIL)")
	_ = fs.Parse(args)

	statuses := articleMix
	switch *mix {
	case "article":
	case "ok":
		statuses = []int{http.StatusOK}
	default:
		return errors.New(`-mix must be "article" or "ok"`)
	}
	var failing atomic.Bool
	failing.Store(*fail)

	// PROBE_SECRET is what the prober sends. During a rotation, the old
	// one stays accepted in PROBE_SECRET_PREVIOUS until every prober
	// sends the new one.
	skip := skipper(os.Getenv("PROBE_SECRET"), os.Getenv("PROBE_SECRET_PREVIOUS"))
	if skip == nil {
		log.Print("PROBE_SECRET is not set: probe requests are counted as users' requests")
	}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	ginprom.New(r,
		ginprom.WithSkipper(skip),
		ginprom.WithExcludedPaths("/up$"),
	)
	r.GET("/up", func(c *gin.Context) { c.String(http.StatusOK, "I am running\n") })
	r.POST("/reservations", func(c *gin.Context) {
		if failing.Load() {
			c.String(http.StatusServiceUnavailable, "failing on purpose\n")
			return
		}
		// The article's latency: 1 to 100 ms, times 2 or 3 now and then.
		factor := []int{1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3}[rand.IntN(11)]         //nolint:gosec // G404: a made-up latency, not a secret.
		time.Sleep(time.Duration(factor*(1+rand.IntN(100))) * time.Millisecond) //nolint:gosec // G404: as above.
		code := statuses[rand.IntN(len(statuses))]                              //nolint:gosec // G404: a made-up status, not a secret.
		c.String(code, "%d\n", code)
	})

	// The switch is on a listener of its own, on localhost by default, so
	// that only an operator (or a test) can make the service fail.
	admin := http.NewServeMux()
	admin.HandleFunc("POST /admin/fail", func(w http.ResponseWriter, _ *http.Request) {
		failing.Store(true)
		_, _ = w.Write([]byte("failing\n"))
	})
	admin.HandleFunc("POST /admin/recover", func(w http.ResponseWriter, _ *http.Request) {
		failing.Store(false)
		_, _ = w.Write([]byte("recovered\n"))
	})

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Printf("reservations on %s (metrics at /metrics), admin on %s", *addr, *adminAddr)
	return serve(ctx,
		&http.Server{Addr: *addr, Handler: r, ReadHeaderTimeout: 10 * time.Second},
		&http.Server{Addr: *adminAddr, Handler: admin, ReadHeaderTimeout: 10 * time.Second},
	)
}

// skipper returns the skipper that leaves out the requests carrying one of
// the non-empty secrets, or nil when both are empty.
func skipper(secret, previous string) func(*gin.Context) bool {
	switch {
	case secret != "" && previous != "":
		current, old := probe.Skip(secret), probe.Skip(previous)
		return func(c *gin.Context) bool { return current(c) || old(c) }
	case secret != "":
		return probe.Skip(secret)
	case previous != "":
		return probe.Skip(previous)
	}
	return nil
}

// serve binds every server, serves them until ctx ends or one fails, and
// then shuts them all down.
func serve(ctx context.Context, servers ...*http.Server) error {
	errs := make(chan error, len(servers))
	for _, s := range servers {
		ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", s.Addr)
		if err != nil {
			return err
		}
		go func() { errs <- s.Serve(ln) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errs:
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(shutdown)
	}
	return err
}
