package ginprom_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	requestSizeName  = "gin_http_request_size_bytes"
	responseSizeName = "gin_http_response_size_bytes"
)

// TestResponseSize: the response size is the body the client got: what the
// handler wrote, 0 for no body and for HEAD (never Gin's -1), and the 18 and
// 22 bytes Gin writes itself for 404 and 405 after the middleware returns.
func TestResponseSize(t *testing.T) {
	a := newApp(t, ginprom.WithResponseSize())
	a.r.HandleMethodNotAllowed = true
	a.r.GET("/hello", func(c *gin.Context) { c.String(http.StatusOK, "hello") })
	a.r.GET("/empty", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	a.r.GET("/nothing", func(c *gin.Context) {})
	a.r.HEAD("/head", func(c *gin.Context) { c.String(http.StatusOK, "not sent") })

	cases := []struct {
		method, target string
		wantBody       int
		labels         string
	}{
		{http.MethodGet, "/hello", 5, `method="GET",path="/hello",status="200"`},
		{http.MethodGet, "/empty", 0, `method="GET",path="/empty",status="204"`},
		{http.MethodGet, "/nothing", 0, `method="GET",path="/nothing",status="200"`},
		{http.MethodHead, "/head", 0, `method="HEAD",path="/head",status="200"`},
		{http.MethodGet, "/no/such/page", 18, `method="GET",path="<unmatched>",status="404"`},
		{http.MethodPost, "/hello", 22, `method="POST",path="<unmatched>",status="405"`},
	}
	for _, tc := range cases {
		// What a real client receives, through a real server.
		srv := httptest.NewServer(a.r)
		req, err := http.NewRequestWithContext(t.Context(), tc.method, srv.URL+tc.target, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		got := body(t, resp.Body)
		require.NoError(t, resp.Body.Close())
		srv.Close()
		assert.Len(t, got, tc.wantBody, "%s %s: body the client got", tc.method, tc.target)
	}
	obs := observations(t, a.reg, responseSizeName)
	for _, tc := range cases {
		assert.Equal(t, observation{1, float64(tc.wantBody)}, obs[tc.labels], "%s %s", tc.method, tc.target)
	}
	assert.Len(t, obs, len(cases))
	requireLint(t, a.reg)
}

// TestResponseSizeBuckets: sizes fall in the buckets of WithSizeBuckets,
// DefaultSizeBuckets by default, labelled like the duration.
func TestResponseSizeBuckets(t *testing.T) {
	t.Run("default", func(t *testing.T) {
		a := newApp(t, ginprom.WithResponseSize())
		a.r.GET("/n/:n", func(c *gin.Context) { c.String(http.StatusOK, strings.Repeat("x", len(c.Param("n"))*500)) })
		a.do(http.MethodGet, "/n/1")   // 500 bytes
		a.do(http.MethodGet, "/n/111") // 1500 bytes
		assert.Equal(t, map[float64]uint64{100: 0, 1e3: 1, 1e4: 2, 1e5: 2, 1e6: 2, 1e7: 2, 1e8: 2},
			buckets(t, a.reg, responseSizeName, `method="GET",path="/n/:n",status="200"`))
	})
	t.Run("WithSizeBuckets", func(t *testing.T) {
		a := newApp(t, ginprom.WithResponseSize(), ginprom.WithSizeBuckets(2, 4))
		a.r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "abc") })
		a.do(http.MethodGet, "/")
		assert.Equal(t, map[float64]uint64{2: 0, 4: 1},
			buckets(t, a.reg, responseSizeName, `method="GET",path="/",status="200"`))
	})
	t.Run("bad buckets panic", func(t *testing.T) {
		assert.PanicsWithValue(t, "ginprom: WithSizeBuckets: buckets must be strictly increasing, but 1 follows 2; give each upper bound once, in increasing order", func() {
			newApp(t, ginprom.WithResponseSize(), ginprom.WithSizeBuckets(2, 1))
		})
	})
}

// chunked is a body of unknown length: the client sends it chunked.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

// TestRequestSize: the request size is the Content-Length when the client
// sent one, whatever the handler reads; without one, the bytes the
// handlers read. Through a real server, so that the body is really chunked.
func TestRequestSize(t *testing.T) {
	a := newApp(t, ginprom.WithRequestSize())
	a.r.POST("/ignore", func(c *gin.Context) { c.Status(http.StatusOK) })
	a.r.POST("/all", func(c *gin.Context) {
		n, err := io.Copy(io.Discard, c.Request.Body)
		if err != nil {
			c.Status(http.StatusBadRequest)
			return
		}
		c.String(http.StatusOK, "%d", n)
	})
	a.r.POST("/part", func(c *gin.Context) {
		buf := make([]byte, 100)
		_, _ = io.ReadFull(c.Request.Body, buf)
		c.Status(http.StatusOK)
	})
	a.r.GET("/get", ok)
	srv := httptest.NewServer(a.r)
	defer srv.Close()

	post := func(path string, b io.Reader) string {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+path, b)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		got := body(t, resp.Body)
		require.NoError(t, resp.Body.Close())
		return got
	}
	payload := bytes.Repeat([]byte("x"), 10000)
	post("/ignore", bytes.NewReader(payload)) // Content-Length 10000, not read
	assert.Equal(t, "10000", post("/all", chunked{bytes.NewReader(payload)}))
	post("/part", chunked{bytes.NewReader(payload)}) // 100 read of 10000 sent
	resp, err := http.DefaultClient.Do(getRequest(t, srv.URL+"/get"))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())

	assert.Equal(t, map[string]observation{
		`method="POST",path="/ignore",status="200"`: {1, 10000},
		`method="POST",path="/all",status="200"`:    {1, 10000},
		`method="POST",path="/part",status="200"`:   {1, 100},
		`method="GET",path="/get",status="200"`:     {1, 0},
	}, observations(t, a.reg, requestSizeName))
}

// TestSizesOffByDefault: without the options there are no size metrics.
func TestSizesOffByDefault(t *testing.T) {
	a := newApp(t)
	a.r.GET("/", ok)
	a.do(http.MethodGet, "/")
	assert.NotContains(t, families(t, a.reg), requestSizeName)
	assert.NotContains(t, families(t, a.reg), responseSizeName)
}

// TestBothSizes: with both sizes on, each histogram counts its own size,
// whether the two share one count per request (few buckets) or not (many).
func TestBothSizes(t *testing.T) {
	many := make([]float64, 12)
	for i := range many {
		many[i] = float64(int(1) << (2 * i))
	}
	for _, bounds := range [][]float64{nil, many} {
		a := newApp(t, ginprom.WithRequestSize(), ginprom.WithResponseSize(), ginprom.WithSizeBuckets(bounds...))
		a.r.POST("/echo", func(c *gin.Context) {
			b, _ := io.ReadAll(c.Request.Body)
			c.String(http.StatusOK, "%s%s", b, b)
		})
		for _, n := range []int{0, 3, 500, 5000} {
			req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/echo", strings.NewReader(strings.Repeat("x", n)))
			a.r.ServeHTTP(httptest.NewRecorder(), req)
		}
		key := `method="POST",path="/echo",status="200"`
		assert.Equal(t, observation{4, 5503}, observations(t, a.reg, requestSizeName)[key])
		assert.Equal(t, observation{4, 11006}, observations(t, a.reg, responseSizeName)[key])
		// The requests of two empty bodies count their duration apart.
		assert.Equal(t, uint64(4), samples(t, a.reg, coreDuration)[key])
		assert.Equal(t, uint64(4), buckets(t, a.reg, coreDuration, key)[10])
		if bounds == nil {
			assert.Equal(t, map[float64]uint64{100: 2, 1e3: 3, 1e4: 4, 1e5: 4, 1e6: 4, 1e7: 4, 1e8: 4},
				buckets(t, a.reg, requestSizeName, key))
			assert.Equal(t, map[float64]uint64{100: 2, 1e3: 3, 1e4: 4, 1e5: 4, 1e6: 4, 1e7: 4, 1e8: 4},
				buckets(t, a.reg, responseSizeName, key))
		} else {
			assert.Equal(t, uint64(1), buckets(t, a.reg, requestSizeName, key)[1], "0 bytes")
			assert.Equal(t, uint64(2), buckets(t, a.reg, responseSizeName, key)[16], "0 and 6 bytes")
		}
	}
}

// TestBothSizesNative: with native histograms, the joint size histogram
// does not count the pair of empty bodies per request but derives it at
// scrape time from the requests completed; the buckets stay exact over
// scrapes, which fold each scraped half into the other.
func TestBothSizesNative(t *testing.T) {
	a := newApp(t, ginprom.WithRequestSize(), ginprom.WithResponseSize(), ginprom.WithNativeHistograms(1.1))
	a.r.POST("/echo", func(c *gin.Context) {
		b, _ := io.ReadAll(c.Request.Body)
		c.String(http.StatusOK, "%s%s", b, b)
	})
	key := `method="POST",path="/echo",status="200"`
	for round := uint64(1); round <= 3; round++ {
		for _, n := range []int{0, 0, 3, 500, 5000} {
			req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/echo", strings.NewReader(strings.Repeat("x", n)))
			a.r.ServeHTTP(httptest.NewRecorder(), req)
		}
		assert.Equal(t, observation{5 * round, float64(5503 * round)}, observations(t, a.reg, requestSizeName)[key])
		assert.Equal(t, observation{5 * round, float64(11006 * round)}, observations(t, a.reg, responseSizeName)[key])
		want := map[float64]uint64{100: 3 * round, 1e3: 4 * round, 1e4: 5 * round, 1e5: 5 * round, 1e6: 5 * round, 1e7: 5 * round, 1e8: 5 * round}
		assert.Equal(t, want, buckets(t, a.reg, requestSizeName, key), "round %d", round)
		assert.Equal(t, want, buckets(t, a.reg, responseSizeName, key), "round %d", round)
		assert.Equal(t, 5*round, samples(t, a.reg, coreDuration)[key])
		assert.Equal(t, 5*round, buckets(t, a.reg, coreDuration, key)[10])
	}
}
