package ginprom_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// safetyClient is the request header the label functions of these tests
// read: a value the client controls.
const safetyClient = "X-Client"

// safetyRandomToken returns a random string of n characters that are valid
// in an HTTP method token, beginning with "X" so that it is never a
// standard method.
func safetyRandomToken(rng *rand.Rand, n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
	b := make([]byte, n)
	b[0] = 'X'
	for i := 1; i < n; i++ {
		b[i] = chars[rng.IntN(len(chars))]
	}
	return string(b)
}

// safetyServe sends one request with the given method, target and
// X-Client header through h. httptest.NewRequest accepts any method token.
func safetyServe(h http.Handler, method, target, client string) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(context.Background(), method, target, nil)
	req.Header.Set(safetyClient, client)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// TestSafetyCardinalityIsBounded: whatever URLs, methods, query values and
// header values clients send, the number of series is fixed by the
// application: unmatched requests share one group-by value, unknown methods
// are OTHER, and LimitValues folds the values after the first n into one.
// TestManyRandomURLsMakeOneSeries covers random GET URLs; this adds random
// methods, 405s, matched requests with client-chosen values, LimitValues in
// GroupByFunc and in a decorator label, and the request counter.
func TestSafetyCardinalityIsBounded(t *testing.T) {
	t.Parallel()
	const (
		requests = 5000
		limit    = 5 // LimitValues bound of the decorator and of GroupByFunc
	)
	tenant := func(c *gin.Context) string { return c.Query("t") }
	groupBys := []struct {
		name string
		g    ginprom.GroupBy
		// groups is the number of group-by values the matched route
		// /known can get.
		groups int
	}{
		{"route", ginprom.GroupByRoute, 1},
		{"path", ginprom.GroupByPath, 1},
		{"handler", ginprom.GroupByHandler, 1},
		{"func", ginprom.GroupByFunc("tenant", ginprom.LimitValues(limit, tenant)), limit + 1},
	}
	for _, gb := range groupBys {
		t.Run(gb.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, ginprom.WithGroupBy(gb.g))
			a.r.HandleMethodNotAllowed = true
			client := ginprom.LimitValues(limit, func(c *gin.Context) string { return c.GetHeader(safetyClient) })
			a.r.GET("/known", a.m.Counter("safety_clients", "Requests by client.", ginprom.Labels{"client": client}), ok)

			rng := rand.New(rand.NewPCG(1, uint64(len(gb.name)))) //nolint:gosec // G404: a seeded generator makes the requests reproducible; nothing here is secret.
			var want struct{ get404, other404, other405, get200 uint64 }
			for i := 0; i < requests; i++ {
				random := strconv.FormatUint(rng.Uint64(), 16)
				var w *httptest.ResponseRecorder
				switch i % 4 {
				case 0: // a scanner: random unmatched URLs
					w = safetyServe(a.r, http.MethodGet, "/scan/"+random+"?t="+random, random)
					want.get404++
				case 1: // an invented method on an unmatched URL
					w = safetyServe(a.r, safetyRandomToken(rng, 1+rng.IntN(12)), "/"+random+"/x", random)
					want.other404++
				case 2: // an invented method on a route: 405
					w = safetyServe(a.r, safetyRandomToken(rng, 1+rng.IntN(12)), "/known?t="+random, random)
					want.other405++
				case 3: // the route, with a client-chosen query and header
					w = safetyServe(a.r, http.MethodGet, "/known?t="+random+"&x="+random, random)
					want.get200++
				}
				require.NotEqual(t, http.StatusInternalServerError, w.Code)
			}

			// The duration: GET 404, OTHER 404, OTHER 405 unmatched, and
			// the route's GET 200 series.
			durations := samples(t, a.reg, coreDuration)
			assert.Len(t, durations, 3+gb.groups)
			label := "path"
			switch gb.name {
			case "handler":
				label = "handler"
			case "func":
				label = "tenant"
			}
			unmatched := fmt.Sprintf("%s=%q", label, ginprom.Unmatched)
			assert.Equal(t, want.get404, durations[coreKey(`method="GET"`, `status="404"`, unmatched)])
			assert.Equal(t, want.other404, durations[coreKey(`method="OTHER"`, `status="404"`, unmatched)])
			assert.Equal(t, want.other405, durations[coreKey(`method="OTHER"`, `status="405"`, unmatched)])
			var all uint64
			for _, n := range durations {
				all += n
			}
			assert.Equal(t, uint64(requests), all)
			if gb.name == "func" {
				overflow := coreKey(`method="GET"`, `status="200"`, fmt.Sprintf("tenant=%q", ginprom.Overflow))
				assert.Equal(t, want.get200-limit, durations[overflow])
			}

			n, err := testutil.GatherAndCount(a.reg, coreTotal)
			require.NoError(t, err)
			assert.Equal(t, 4, n, "request counter series")
			requireExposition(t, a.reg, coreTotalHead+fmt.Sprintf(`
gin_http_request_total{method="GET",status="200"} %d
gin_http_request_total{method="GET",status="404"} %d
gin_http_request_total{method="OTHER",status="404"} %d
gin_http_request_total{method="OTHER",status="405"} %d
`, want.get200, want.get404, want.other404, want.other405), coreTotal)

			// The decorator: limit distinct clients, then one overflow.
			n, err = testutil.GatherAndCount(a.reg, "safety_clients_total")
			require.NoError(t, err)
			assert.Equal(t, limit+1, n, "decorator series")
			v, found := decoValue(t, a.reg, "safety_clients_total", fmt.Sprintf("client=%q", ginprom.Overflow))
			assert.True(t, found)
			assert.InDelta(t, float64(want.get200-limit), v, 0)

			n, err = testutil.GatherAndCount(a.reg, coreExceptions)
			require.NoError(t, err)
			assert.Zero(t, n)
			requireLint(t, a.reg)
		})
	}
}

// safetyBoom is the value the panicking handlers of these tests panic with.
var safetyBoom = corePanicValue{"safety"}

// safetyPanicHandler panics with safetyBoom without writing anything.
func safetyPanicHandler(*gin.Context) { panic(safetyBoom) }

// TestSafetyPanicRecoveryAtRouteLevelBeforeMiddleware: with the middleware
// placed by hand on a route after gin.Recovery, a handler's panic is
// recorded once as a 500 and an exception, and reaches Recovery unchanged.
// TestHandlerPanic covers Recovery on the engine before ginprom, Recovery at
// route level after it, and no Recovery through ServeHTTP.
func TestSafetyPanicRecoveryAtRouteLevelBeforeMiddleware(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := ginprom.New(nil, ginprom.WithRegistry(reg))
	r := gin.New()
	var recovered []any
	recovery := gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, err any) {
		recovered = append(recovered, err)
		c.AbortWithStatus(http.StatusInternalServerError)
	})
	busy := m.Gauge("safety_busy", "Requests in progress.", nil)
	r.GET("/p", recovery, m.Middleware(), busy, safetyPanicHandler)
	r.GET("/ok", recovery, m.Middleware(), busy, ok)

	assert.Equal(t, http.StatusInternalServerError, serve(r, http.MethodGet, "/p").Code)
	assert.Equal(t, []any{safetyBoom}, recovered, "the panic reached Recovery once, unchanged")
	assert.Equal(t, map[string]uint64{`method="GET",path="/p",status="500"`: 1}, samples(t, reg, coreDuration))
	requireExposition(t, reg, coreTotalHead+`gin_http_request_total{method="GET",status="500"} 1`+"\n", coreTotal)
	requireExposition(t, reg, coreExceptionsHead+`gin_http_request_exceptions_total{method="GET",status="500"} 1`+"\n", coreExceptions)
	requireExposition(t, reg, "# HELP safety_busy Requests in progress.\n# TYPE safety_busy gauge\nsafety_busy 0\n", "safety_busy")

	// The route's next request is an ordinary one.
	assert.Equal(t, http.StatusOK, serve(r, http.MethodGet, "/ok").Code)
	assert.Len(t, recovered, 1)
	requireExposition(t, reg, coreExceptionsHead+`gin_http_request_exceptions_total{method="GET",status="500"} 1`+"\n", coreExceptions)
}

// safetyLog is a log writer that several goroutines may use.
type safetyLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *safetyLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *safetyLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// safetyServer starts h on a real HTTP server whose error log is returned,
// and closes it when the test ends.
func safetyServer(t *testing.T, h http.Handler) (*httptest.Server, *safetyLog) {
	t.Helper()
	errs := &safetyLog{}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(errs, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, errs
}

// safetyFreshClient returns a client that opens a new connection for every
// request, so that the transport never retries a request on another
// connection.
func safetyFreshClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// TestSafetyPanicWithoutRecoveryServerSurvives: with no Recovery at all, a
// handler's panic goes on to net/http, which drops the connection; the
// server keeps serving, and the request is recorded once as a 500 and an
// exception, with the gauge back at 0.
func TestSafetyPanicWithoutRecoveryServerSurvives(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	busy := a.m.Gauge("safety_busy", "Requests in progress.", nil)
	a.r.GET("/p", busy, safetyPanicHandler)
	a.r.GET("/ok", busy, ok)
	srv, errs := safetyServer(t, a.r)
	client := safetyFreshClient(t)

	resp, err := client.Do(getRequest(t, srv.URL+"/p"))
	if err == nil {
		require.NoError(t, resp.Body.Close())
	}
	require.Error(t, err, "the panicking request got a response")
	assert.Contains(t, errs.String(), "http: panic serving", "net/http saw the panic")
	assert.Contains(t, errs.String(), "safety", "net/http saw the handler's panic value")

	resp, err = client.Do(getRequest(t, srv.URL+"/ok"))
	require.NoError(t, err, "the server did not survive")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "ok", body(t, resp.Body))
	require.NoError(t, resp.Body.Close())

	assert.Equal(t, map[string]uint64{
		`method="GET",path="/p",status="500"`:  1,
		`method="GET",path="/ok",status="200"`: 1,
	}, samples(t, a.reg, coreDuration))
	requireExposition(t, a.reg, coreTotalHead+`
gin_http_request_total{method="GET",status="200"} 1
gin_http_request_total{method="GET",status="500"} 1
`, coreTotal)
	requireExposition(t, a.reg, coreExceptionsHead+`gin_http_request_exceptions_total{method="GET",status="500"} 1`+"\n", coreExceptions)
	requireExposition(t, a.reg, "# HELP safety_busy Requests in progress.\n# TYPE safety_busy gauge\nsafety_busy 0\n", "safety_busy")
}

// TestSafetyErrAbortHandlerThroughServer: http.ErrAbortHandler goes on
// untouched to net/http, which aborts the response silently (it logs any
// other panic value), and the server keeps serving. Through ServeHTTP,
// TestPanicValueUnchanged checks the value itself.
func TestSafetyErrAbortHandlerThroughServer(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	busy := a.m.Gauge("safety_busy", "Requests in progress.", nil)
	a.r.GET("/abort", busy, func(c *gin.Context) {
		// Start a response, so that the client sees it cut short.
		c.Header("Content-Type", "text/plain")
		c.Writer.WriteHeader(http.StatusOK)
		_, _ = c.Writer.WriteString("partial")
		c.Writer.Flush()
		panic(http.ErrAbortHandler)
	})
	a.r.GET("/ok", ok)
	srv, errs := safetyServer(t, a.r)
	client := safetyFreshClient(t)

	resp, err := client.Do(getRequest(t, srv.URL+"/abort"))
	require.NoError(t, err, "the response had begun")
	_, err = io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.ErrorIs(t, err, io.ErrUnexpectedEOF, "the client did not see the response aborted")
	assert.Empty(t, errs.String(), "net/http logs every panic value but http.ErrAbortHandler itself")

	resp, err = client.Do(getRequest(t, srv.URL+"/ok"))
	require.NoError(t, err, "the server did not survive")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, resp.Body.Close())

	// The aborted request counts once, as a 500 and an exception.
	assert.Equal(t, map[string]uint64{
		`method="GET",path="/abort",status="500"`: 1,
		`method="GET",path="/ok",status="200"`:    1,
	}, samples(t, a.reg, coreDuration))
	requireExposition(t, a.reg, coreExceptionsHead+`gin_http_request_exceptions_total{method="GET",status="500"} 1`+"\n", coreExceptions)
	requireExposition(t, a.reg, "# HELP safety_busy Requests in progress.\n# TYPE safety_busy gauge\nsafety_busy 0\n", "safety_busy")
}

// safetyScrape is one scrape, parsed: the value of every counter and gauge
// series and the sample count of every histogram series, keyed by family
// name and then by labels as samples keys them.
type safetyScrape map[string]map[string]float64

// safetyParse gathers g into a safetyScrape, checking on the way that the
// buckets of every histogram are cumulative and never above its count. It
// reports failures with assert, so that goroutines other than the test's
// may call it.
func safetyParse(t *testing.T, g prometheus.Gatherer) safetyScrape {
	t.Helper()
	out := safetyScrape{}
	mfs, err := g.Gather()
	if !assert.NoError(t, err) {
		return out
	}
	for _, mf := range mfs {
		series := map[string]float64{}
		out[mf.GetName()] = series
		for _, m := range mf.GetMetric() {
			key := seriesKey(m.GetLabel())
			switch {
			case m.GetCounter() != nil:
				series[key] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				series[key] = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				h := m.GetHistogram()
				series[key] = float64(h.GetSampleCount())
				var last uint64
				for _, b := range h.GetBucket() {
					assert.GreaterOrEqual(t, b.GetCumulativeCount(), last, "%s{%s}: buckets not cumulative", mf.GetName(), key)
					last = b.GetCumulativeCount()
				}
				assert.LessOrEqual(t, last, h.GetSampleCount(), "%s{%s}: buckets above the count", mf.GetName(), key)
			}
		}
	}
	return out
}

// TestSafetyExactUnderConcurrency: 16 clients send 250 requests each over
// real HTTP, to a mix of routes, while the metrics are scraped in between.
// Every count comes out exact, no scrape ever sees a counter go down or a
// gauge outside its range, every gauge ends at 0, and the excluded path
// never appears. TestConcurrentRequestsAreAllCounted covers two plain
// routes through ServeHTTP.
func TestSafetyExactUnderConcurrency(t *testing.T) {
	t.Parallel()
	const (
		clients    = 16
		each       = 250
		scrapeEach = 50 // a client asks for a scrape after every scrapeEach requests
	)
	reg := prometheus.NewRegistry()
	r := gin.New()
	r.Use(gin.RecoveryWithWriter(io.Discard)) // outside ginprom, as in gin.Default
	m := ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithExcludedPaths("/health$"))
	byKind := m.Counter("safety_items", "Items by kind.", ginprom.Labels{"kind": func(c *gin.Context) string { return c.Param("kind") }})
	busy := m.Gauge("safety_busy", "Requests in progress.", ginprom.Labels{"shard": func(c *gin.Context) string { return c.Param("shard") }})
	r.GET("/users/:id", busy, ok)
	r.POST("/items/:kind", byKind, func(c *gin.Context) { c.String(http.StatusCreated, c.Param("kind")) })
	r.GET("/work/:shard", busy, func(c *gin.Context) { c.String(http.StatusAccepted, "queued") })
	r.GET("/boom", busy, safetyPanicHandler)
	r.GET("/health", busy, ok)
	srv, _ := safetyServer(t, r)
	tr := &http.Transport{MaxIdleConnsPerHost: clients + 1}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}

	// Request n of the run goes to route n%6; kinds and shards cycle
	// through 3 values each.
	type route struct {
		method, path string
		code         int
	}
	request := func(n int) route {
		switch n % 6 {
		case 0:
			return route{http.MethodGet, fmt.Sprintf("/users/%d", n), http.StatusOK}
		case 1:
			return route{http.MethodPost, fmt.Sprintf("/items/k%d", n/6%3), http.StatusCreated}
		case 2:
			return route{http.MethodGet, fmt.Sprintf("/work/s%d", n/6%3), http.StatusAccepted}
		case 3:
			return route{http.MethodGet, fmt.Sprintf("/nowhere/%d", n), http.StatusNotFound}
		case 4:
			return route{http.MethodGet, "/boom", http.StatusInternalServerError}
		default:
			return route{http.MethodGet, "/health", http.StatusOK}
		}
	}
	send := func(method, path string) (int, error) {
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, nil)
		if err != nil {
			return 0, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, errors.Join(err, resp.Body.Close())
	}

	// The scraper scrapes whenever a client asks, over HTTP and through
	// the registry, until the clients are done.
	scrapeNow := make(chan struct{})
	scraped := make(chan int)
	go func() {
		n := 0
		prev := safetyScrape{}
		for range scrapeNow {
			code, err := send(http.MethodGet, "/metrics")
			if assert.NoError(t, err) {
				assert.Equal(t, http.StatusOK, code)
			}
			cur := safetyParse(t, reg)
			for name, series := range cur {
				for key, v := range series {
					assert.NotContains(t, key, "/health", "excluded path in %s", name)
					assert.NotContains(t, key, "/metrics", "metrics route in %s", name)
					if name == "safety_busy" {
						assert.True(t, v >= 0 && v <= clients, "gauge %s{%s} = %g", name, key, v)
					} else {
						assert.GreaterOrEqual(t, v, prev[name][key], "%s{%s} went down", name, key)
					}
				}
			}
			prev = cur
			n++
		}
		scraped <- n
	}()

	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < each; j++ {
				rt := request(i*each + j)
				code, err := send(rt.method, rt.path)
				if assert.NoError(t, err, "%s %s", rt.method, rt.path) {
					assert.Equal(t, rt.code, code, "%s %s", rt.method, rt.path)
				}
				if (j+1)%scrapeEach == 0 {
					scrapeNow <- struct{}{}
				}
			}
		}(i)
	}
	wg.Wait()
	close(scrapeNow)
	assert.Equal(t, clients*each/scrapeEach, <-scraped, "scrapes")

	// What the clients sent, tallied from the same plan.
	durations := map[string]uint64{}
	totals := map[[2]string]int{}
	kinds := map[string]float64{}
	for n := 0; n < clients*each; n++ {
		rt := request(n)
		if rt.path == "/health" {
			continue
		}
		path := rt.path
		switch n % 6 {
		case 0:
			path = "/users/:id"
		case 1:
			path = "/items/:kind"
			kinds[fmt.Sprintf("kind=%q", strings.TrimPrefix(rt.path, "/items/"))]++
		case 2:
			path = "/work/:shard"
		case 3:
			path = ginprom.Unmatched
		}
		durations[fmt.Sprintf(`method=%q,path=%q,status="%d"`, rt.method, path, rt.code)]++
		totals[[2]string{rt.method, strconv.Itoa(rt.code)}]++
	}
	assert.Equal(t, durations, samples(t, reg, coreDuration))
	exceptions := totals[[2]string{"GET", "500"}]
	var want strings.Builder
	for _, k := range [][2]string{{"GET", "200"}, {"GET", "202"}, {"GET", "404"}, {"GET", "500"}, {"POST", "201"}} {
		fmt.Fprintf(&want, "gin_http_request_total{method=%q,status=%q} %d\n", k[0], k[1], totals[k])
		delete(totals, k)
	}
	require.Empty(t, totals, "the plan has other totals")
	requireExposition(t, reg, coreTotalHead+want.String(), coreTotal)
	requireExposition(t, reg, coreExceptionsHead+
		fmt.Sprintf("gin_http_request_exceptions_total{method=\"GET\",status=\"500\"} %d\n", exceptions), coreExceptions)

	final := safetyParse(t, reg)
	assert.Equal(t, kinds, final["safety_items_total"])
	// The gauge went up on /users (shard ""), /work, /boom and /health.
	assert.Equal(t, map[string]float64{`shard=""`: 0, `shard="s0"`: 0, `shard="s1"`: 0, `shard="s2"`: 0}, final["safety_busy"])
	requireLint(t, reg)
}

// safetyGather returns the text exposition of everything in g.
func safetyGather(t *testing.T, g prometheus.Gatherer) string {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	var b strings.Builder
	for _, mf := range mfs {
		fmt.Fprintln(&b, mf.String())
	}
	return b.String()
}

// safetyBadCredentials are Authorization headers that gin.BasicAuth with
// coreAccounts rejects: none, a wrong password, a wrong user, and
// malformed ones.
var safetyBadCredentials = []string{"", coreAuth("u", "wrong"), coreAuth("x", "p"), coreAuth("u", "p") + "x", "Basic", "Bearer p", "Basic \xff"}

// TestSafetyRejectedScrapesNeverCounted: on every serving form, scrapes
// rejected by WithMetricsMiddleware, with a missing, wrong or malformed
// credential, are answered 401 and change no metric, not even the
// decorators of RegisterDefault. TestMetricsMiddlewareGuardsEveryRoute
// covers the 401s for a missing or wrong credential and
// TestMetricsRouteNeverCounted the default metrics on the engine route and
// RegisterEndpoint.
func TestSafetyRejectedScrapesNeverCounted(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithMetricsMiddleware(gin.BasicAuth(coreAccounts)))
	a.m.RegisterDefault(
		a.m.Counter("safety_routed", "Requests by route.", ginprom.Labels{"route": decoFullPath}),
		a.m.Gauge("safety_busy", "Requests in progress.", nil))
	a.m.RegisterEndpoint("/metrics", a.r.Group("/admin"))
	srv := coreStart(t, a.m)

	forms := []struct {
		name string
		// get scrapes with the Authorization header auth, if any, and
		// returns the status.
		get func(auth string) int
	}{
		{"engine route", func(auth string) int {
			return serve(a.r, http.MethodGet, "/metrics", "Authorization", auth).Code
		}},
		{"RegisterEndpoint", func(auth string) int {
			return serve(a.r, http.MethodGet, "/admin/metrics", "Authorization", auth).Code
		}},
		{"StartHTTPServer", func(auth string) int {
			code, _ := coreGet(t, "http://"+srv.Addr+"/metrics", "Authorization", auth)
			return code
		}},
	}
	before := safetyGather(t, a.reg)
	for _, f := range forms {
		for _, auth := range safetyBadCredentials {
			assert.Equal(t, http.StatusUnauthorized, f.get(auth), "%s with %q", f.name, auth)
		}
		assert.Equal(t, http.StatusOK, f.get(coreAuth("u", "p")), f.name)
	}
	assert.Equal(t, before, safetyGather(t, a.reg), "scrapes changed the metrics")

	// The same decorators and middleware count an application route.
	a.r.GET("/a", ok)
	a.do(http.MethodGet, "/a")
	assert.Equal(t, map[string]uint64{`method="GET",path="/a",status="200"`: 1}, samples(t, a.reg, coreDuration))
	v, _ := decoValue(t, a.reg, "safety_routed_total", `route="/a"`)
	assert.InDelta(t, 1.0, v, 0)
}

// TestSafetyMetricsServerShutdownLeavesNoGoroutine: the server of
// StartHTTPServer, once shut down, leaves no goroutine behind, also after
// serving kept-alive connections. It does not run in parallel, so that only
// its own goroutines are checked.
func TestSafetyMetricsServerShutdownLeavesNoGoroutine(t *testing.T) {
	before := goleak.IgnoreCurrent()
	a := newApp(t, ginprom.WithMetricsMiddleware(gin.BasicAuth(coreAccounts)))
	srv, err := a.m.StartHTTPServer("127.0.0.1:0")
	require.NoError(t, err)

	tr := &http.Transport{}
	client := &http.Client{Transport: tr}
	scrape := func(auth string) int {
		req := getRequest(t, "http://"+srv.Addr+"/metrics")
		req.Header.Set("Authorization", auth)
		resp, err := client.Do(req)
		require.NoError(t, err)
		_, err = io.Copy(io.Discard, resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusOK, scrape(coreAuth("u", "p")))
	assert.Equal(t, http.StatusUnauthorized, scrape(coreAuth("u", "wrong")))
	assert.Equal(t, http.StatusOK, scrape(coreAuth("u", "p")))

	// A generous bound, not a synchronisation: Shutdown returns once the
	// idle connections are closed.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, srv.Shutdown(ctx))
	tr.CloseIdleConnections()
	resp, err := client.Do(getRequest(t, "http://"+srv.Addr+"/metrics"))
	if err == nil {
		require.NoError(t, resp.Body.Close())
	}
	require.Error(t, err, "the server answers after Shutdown")
	tr.CloseIdleConnections()

	goleak.VerifyNone(t, before)
	assert.Empty(t, samples(t, a.reg, coreDuration), "scrapes were counted")
}
