// Command migrate is a Gin application whose metrics carry the names of the
// system it replaces, from ginprom's migration schemas, so that that system's
// dashboards, alert rules and SLOs read it unchanged:
//
//	go run . -schema go-http-metrics   # slok/go-http-metrics
//	go run . -schema gin-prometheus    # zsais/go-gin-prometheus
//	go run . -schema gin-metrics       # penglongli/gin-metrics
//	go run . -schema flask             # the multi-worker Flask setup
//
// It listens on -addr (:8080) and serves /metrics. Synse Server's names are
// shown by _examples/synse, which has its WebSocket API too.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
)

// options are the ginprom options of each schema.
var options = map[string]func() []ginprom.Option{
	"go-http-metrics": func() []ginprom.Option {
		return []ginprom.Option{
			ginprom.WithSchema(ginprom.GoHTTPMetricsSchema("orders")),
			ginprom.WithResponseSize(), ginprom.WithSizeBuckets(ginprom.GoHTTPMetricsSizeBuckets...),
			ginprom.WithInFlight(),
		}
	},
	"gin-prometheus": func() []ginprom.Option { return []ginprom.Option{ginprom.WithSchema(ginprom.GinPrometheusSchema())} },
	"gin-metrics":    func() []ginprom.Option { return []ginprom.Option{ginprom.WithSchema(ginprom.GinMetricsSchema())} },
	"flask": func() []ginprom.Option {
		return []ginprom.Option{ginprom.WithSchema(ginprom.FlaskWorkersSchema("orders"))}
	},
}

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	schema := flag.String("schema", "go-http-metrics", "the names to expose: go-http-metrics, gin-prometheus, gin-metrics or flask")
	flag.Parse()
	r, err := newRouter(*schema)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *addr, Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	log.Printf("listening on %s with the names of %s, metrics at /metrics", *addr, *schema)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	<-ctx.Done()
	stop()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		log.Print(err)
	}
}

// newRouter builds the application under the named schema.
func newRouter(schema string) (*gin.Engine, error) {
	opts, ok := options[schema]
	if !ok {
		names := make([]string, 0, len(options))
		for n := range options {
			names = append(names, n)
		}
		slices.Sort(names)
		return nil, fmt.Errorf("-schema %q: want one of %v", schema, names)
	}
	r := gin.New()
	r.Use(gin.Recovery())
	ginprom.New(r, opts()...)
	r.GET("/health", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/orders/:id", func(c *gin.Context) {
		if c.Param("id") == "0" {
			c.JSON(http.StatusNotFound, gin.H{"error": "no such order"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"id": c.Param("id")})
	})
	r.POST("/orders", func(c *gin.Context) { c.JSON(http.StatusCreated, gin.H{"id": "42"}) })
	r.GET("/fail", func(c *gin.Context) { c.Status(http.StatusInternalServerError) })
	return r, nil
}
