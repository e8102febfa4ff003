package ginprom

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Timeouts of the server that [Metrics.StartHTTPServer] starts.
const (
	// ServerReadHeaderTimeout bounds how long a scraper may take to send
	// its request headers.
	ServerReadHeaderTimeout = 10 * time.Second
	// ServerIdleTimeout bounds how long a kept-alive connection may wait
	// for the next scrape.
	ServerIdleTimeout = 2 * time.Minute
)

// Handler returns the exposition alone, without the handlers of
// [WithMetricsMiddleware]: client_golang's promhttp over the instance's
// registry. It answers in the text format, or in OpenMetrics when the
// scraper's Accept header asks for it; compresses with gzip when the scraper
// accepts it; and serves only the families named by name[] query parameters
// when there are any. A query of more than 10,000 parameters, which Go's
// net/url does not parse, has no name[] parameters: the whole exposition is
// served. If gathering fails, it answers 500 and logs the error
// to gin.DefaultErrorWriter as it was when New ran.
//
// A route whose last handler is Handler's, whatever its path, is a metrics
// route: the default middleware and the decorators of
// [Metrics.RegisterDefault] leave its requests alone.
//
// With WithEnabled(false), Handler answers 404.
func (m *Metrics) Handler() gin.HandlerFunc {
	if m.disabled() {
		return notFound
	}
	return m.serveMetrics
}

func (m *Metrics) serveMetrics(c *gin.Context) {
	m.exposition.ServeHTTP(c.Writer, c.Request)
}

// RegisterEndpoint serves the metrics at GET path on router, behind the
// handlers of [WithMetricsMiddleware]. Requests to it are never counted in
// the default metrics, nor by decorators given to [Metrics.RegisterDefault],
// even when its middleware rejects them. router is usually an engine or a
// group; the path is relative to it.
//
// RegisterEndpoint panics if router is nil or path does not begin with "/".
// With WithEnabled(false) it adds no route.
func (m *Metrics) RegisterEndpoint(path string, router gin.IRoutes) {
	if isNil(router) {
		panic("ginprom: RegisterEndpoint: the router is nil")
	}
	if path == "" || path[0] != '/' {
		panic(fmt.Sprintf("ginprom: RegisterEndpoint(%q): the path must begin with \"/\"", path))
	}
	if m.disabled() {
		return
	}
	router.GET(path, m.metricsChain()...)
}

// StartHTTPServer serves the metrics on a listener of their own, for example
// ":9090" next to the application's ":8080". It binds addr before it returns,
// so a busy port is an error, then serves in a goroutine until the caller
// shuts the returned server down. addr may have port 0; the server's Addr is
// the address actually bound.
//
// The server answers GET on the instance's path ([DefaultPath] when
// [WithPath] gave ""), behind the handlers of [WithMetricsMiddleware], and
// 404 on any other path. It has a read-header timeout of
// [ServerReadHeaderTimeout] and an idle timeout of [ServerIdleTimeout]; for
// other settings, serve [Metrics.Handler] from a server of your own. Errors
// after the start are logged to gin.DefaultErrorWriter.
//
// With WithEnabled(false), StartHTTPServer binds nothing and returns a nil
// server and [ErrDisabled].
func (m *Metrics) StartHTTPServer(addr string) (*http.Server, error) {
	if m.disabled() {
		return nil, ErrDisabled
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ginprom: metrics server: %w", err)
	}
	p := m.path
	if p == "" {
		p = DefaultPath
	}
	engine := gin.New()
	engine.GET(p, m.metricsChain()...)
	srv := &http.Server{
		Addr:              ln.Addr().String(),
		Handler:           engine,
		ReadHeaderTimeout: ServerReadHeaderTimeout,
		IdleTimeout:       ServerIdleTimeout,
	}
	errorLog := gin.DefaultErrorWriter
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_, _ = fmt.Fprintf(errorLog, "ginprom: metrics server on %s: %v\n", srv.Addr, err)
		}
	}()
	return srv, nil
}

// metricsChain returns the handlers of a metrics route.
func (m *Metrics) metricsChain() []gin.HandlerFunc {
	chain := make([]gin.HandlerFunc, 0, len(m.metricsMW)+1)
	return append(append(chain, m.metricsMW...), m.Handler())
}
