package ginprom_test

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gzipWriter is the writer of gin-contrib/gzip's middleware: the body goes
// to a gzip.Writer on the writer it replaces, and the middleware closes the
// gzip.Writer, writing the rest of the stream, once the chain has returned.
type gzipWriter struct {
	gin.ResponseWriter
	gz *gzip.Writer
}

func (g *gzipWriter) Write(b []byte) (int, error)       { return g.gz.Write(b) }
func (g *gzipWriter) WriteString(s string) (int, error) { return g.gz.Write([]byte(s)) }

func gzipMiddleware(c *gin.Context) {
	gz := gzip.NewWriter(c.Writer)
	c.Header("Content-Encoding", "gzip")
	c.Writer = &gzipWriter{ResponseWriter: c.Writer, gz: gz}
	defer func() { _ = gz.Close() }()
	c.Next()
}

// TestResponseSizeWithGzip: a compressing writer placed before ginprom
// finishes after ginprom has returned, so the size is the body the
// handlers wrote, never the gzip header alone; placed after ginprom, it has
// finished, and the size is the compressed body the client got. The Big
// Brother bytes counter does the same.
func TestResponseSizeWithGzip(t *testing.T) {
	body := strings.Repeat("a", 10000)
	handler := func(c *gin.Context) { c.String(http.StatusOK, body) }
	for _, tc := range []struct {
		name   string
		before bool
		schema []ginprom.Option
	}{
		{"gzip before ginprom", true, nil},
		{"gzip after ginprom", false, nil},
		{"gzip before ginprom, Big Brother", true, []ginprom.Option{ginprom.WithBigBrother("1")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			r := gin.New()
			if tc.before {
				r.Use(gzipMiddleware)
			}
			opts := []ginprom.Option{ginprom.WithRegistry(reg), ginprom.WithResponseSize()}
			if tc.schema != nil {
				// Big Brother's own bytes counter; the protocol has no
				// size histogram.
				opts = append(opts[:1], tc.schema...)
			}
			ginprom.New(r, opts...)
			if !tc.before {
				r.Use(gzipMiddleware)
			}
			r.GET("/", handler)
			w := serve(r, http.MethodGet, "/")
			got := w.Body.Len() // what the client got
			gz, err := gzip.NewReader(w.Body)
			require.NoError(t, err)
			plain, err := io.ReadAll(gz)
			require.NoError(t, err)
			require.Equal(t, body, string(plain), "the client got the whole body")

			want := float64(len(body))
			if !tc.before {
				want = float64(got) // gzip's whole stream
			}
			if tc.schema != nil {
				assert.Equal(t, map[string]float64{"/": want}, samplesOrValues(t, reg, "response_size_bytes", "addr"), "response_size_bytes")
				return
			}
			assert.Equal(t, map[string]observation{`method="GET",path="/",status="200"`: {1, want}}, observations(t, reg, responseSizeName))
		})
	}
}

// endedApp is an app whose requests send their route on ended once the
// ginprom middleware has recorded them: the middleware that sends it runs
// before ginprom's.
func endedApp(t *testing.T, opts ...ginprom.Option) (*app, chan string) {
	t.Helper()
	reg := prometheus.NewRegistry()
	r := gin.New()
	ended := make(chan string, 1)
	r.Use(func(c *gin.Context) {
		defer func() { ended <- c.FullPath() }()
		c.Next()
	})
	m := ginprom.New(r, append([]ginprom.Option{ginprom.WithRegistry(reg)}, opts...)...)
	return &app{r: r, m: m, reg: reg}, ended
}

// TestTimeoutHandlerStatus: under http.TimeoutHandler, a handler that
// answers after the deadline is recorded with the 503 the client got, not
// with the 200 it wrote into the timeout handler's buffer, and a size of 0:
// the client got none of it, and the timeout handler's message is not
// visible to ginprom.
func TestTimeoutHandlerStatus(t *testing.T) {
	a, ended := endedApp(t, ginprom.WithResponseSize())
	a.r.GET("/slow", func(c *gin.Context) {
		<-c.Request.Context().Done() // past the deadline
		c.String(http.StatusOK, "late")
	})
	a.r.GET("/fast", func(c *gin.Context) { c.String(http.StatusOK, "fast") })
	h := http.TimeoutHandler(a.r, time.Millisecond, "timed out")

	w := serve(h, http.MethodGet, "/slow")
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	require.Equal(t, "/slow", <-ended)
	h = http.TimeoutHandler(a.r, time.Hour, "timed out")
	require.Equal(t, http.StatusOK, serve(h, http.MethodGet, "/fast").Code)
	require.Equal(t, "/fast", <-ended)

	assert.Equal(t, map[string]observation{
		`method="GET",path="/slow",status="503"`: {1, 0},
		`method="GET",path="/fast",status="200"`: {1, float64(len("fast"))},
	}, observations(t, a.reg, responseSizeName))
}

// TestOwnDeadlineKeepsTheStatus: a deadline that is not http.TimeoutHandler's
// (the application's own, set by a middleware) tells ginprom nothing of what
// the client got: the handler's status is recorded.
func TestOwnDeadlineKeepsTheStatus(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := gin.New()
	r.Use(func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), time.Millisecond)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	})
	ginprom.New(r, ginprom.WithRegistry(reg))
	r.GET("/db", func(c *gin.Context) {
		<-c.Request.Context().Done()
		c.String(http.StatusGatewayTimeout, "the database took too long")
	})
	require.Equal(t, http.StatusGatewayTimeout, serve(r, http.MethodGet, "/db").Code)
	assert.Equal(t, map[string]uint64{`method="GET",path="/db",status="504"`: 1}, samples(t, reg, coreDuration))
}

// TestClientHungUp: a client that hangs up before the handler answers is
// recorded with status 499 and a response size of 0: it got nothing.
func TestClientHungUp(t *testing.T) {
	a, ended := endedApp(t, ginprom.WithResponseSize())
	started := make(chan struct{})
	a.r.GET("/slow", func(c *gin.Context) {
		close(started)
		<-c.Request.Context().Done() // the client has gone
		c.String(http.StatusOK, "nobody reads this")
	})
	srv := httptest.NewServer(a.r)
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/slow", http.NoBody)
	require.NoError(t, err)
	go func() {
		<-started
		cancel() // the client hangs up
	}()
	resp, err := srv.Client().Do(req)
	if err == nil {
		_ = resp.Body.Close()
	}
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, "/slow", <-ended)
	assert.Equal(t, map[string]observation{`method="GET",path="/slow",status="499"`: {1, 0}}, observations(t, a.reg, responseSizeName))
}
