package ginprom_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fuzz engines' configuration.
const (
	fuzzClient   = "X-Client" // the header the label functions read
	fuzzUser     = "fuzz"
	fuzzPassword = "s3cret"
)

var (
	fuzzAccounts = gin.Accounts{fuzzUser: fuzzPassword}
	// fuzzExcluded are the patterns of WithExcludedPaths; fuzzExcludedRe
	// is what they mean, for the test's own expectations.
	fuzzExcluded   = []string{"/health$", "/internal", `/v[0-9]+/private`}
	fuzzExcludedRe = regexp.MustCompile(`^(?:/health$|/internal|/v[0-9]+/private)`)
)

// Bits of the fuzzed option byte.
const (
	fuzzSummary          = 1 << iota // WithLatencySummary
	fuzzMethodNotAllowed             // engine.HandleMethodNotAllowed
	fuzzHeaderIsAuth                 // the header value is also the request's Authorization
	fuzzRawPath                      // engine.UseRawPath
	fuzzFixedPath                    // engine.RedirectFixedPath, RedirectTrailingSlash off
	fuzzRemoveSlash                  // engine.RemoveExtraSlash
	fuzzNoRoute                      // a NoRoute handler
	fuzzOpenMetrics                  // scrape in OpenMetrics, gzipped
)

// fuzzGroupBys are the group-bys of the fuzz engines, one engine each, with
// the name of their label.
var fuzzGroupBys = []struct {
	name, label string
	g           ginprom.GroupBy
}{
	{"route", "path", ginprom.GroupByRoute},
	{"path", "path", ginprom.GroupByPath},
	{"handler", "handler", ginprom.GroupByHandler},
	{"func", "tenant", ginprom.GroupByFunc("tenant", fuzzTenant)},
}

func fuzzHeader(c *gin.Context) string { return c.GetHeader(fuzzClient) }
func fuzzTenant(c *gin.Context) string { return c.Query("t") + "/" + fuzzHeader(c) }
func fuzzParam(name string) func(*gin.Context) string {
	return func(c *gin.Context) string { return c.Param(name) }
}

// fuzzProbe records, from the first handler of every chain, what Gin did
// with the request.
type fuzzProbe struct {
	ran      bool       // the engine ran a chain (not a redirect)
	fullPath string     // the route template, "" if none matched
	params   gin.Params // the route's parameters
}

func (p *fuzzProbe) handle(c *gin.Context) {
	p.ran = true
	c.Next()
	p.fullPath = c.FullPath()
	p.params = append(p.params[:0], c.Params...)
}

// routed returns the path Gin routed the request by: its URL path if it
// matched no route, else the route template with the parameters' values in
// place.
func (p *fuzzProbe) routed(req *http.Request) string {
	if p.fullPath == "" {
		return req.URL.Path
	}
	path := p.fullPath
	for _, param := range p.params {
		if strings.Contains(path, "/*"+param.Key) {
			path = strings.Replace(path, "/*"+param.Key, param.Value, 1)
		} else {
			path = strings.Replace(path, ":"+param.Key, param.Value, 1)
		}
	}
	return path
}

// fuzzCleanPath is the path Gin routes by under RemoveExtraSlash: path.Clean,
// rooted, keeping a trailing slash (or a final "." element, which Gin turns
// into one).
func fuzzCleanPath(p string) string {
	clean := path.Clean("/" + p)
	last := p[strings.LastIndexByte(p, '/')+1:]
	if clean != "/" && p != "" && (last == "" || last == ".") {
		clean += "/"
	}
	return clean
}

// fuzzBounded is what a label value from a request becomes: repaired, then
// cut between runes to MaxValueLen bytes, CutMark included.
func fuzzBounded(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= ginprom.MaxValueLen {
		return s
	}
	n := ginprom.MaxValueLen - len(ginprom.CutMark)
	for !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + ginprom.CutMark
}

// fuzzDecorators are the route handlers of one fuzz engine that come from
// ginprom; for the bare engine they are all no-ops.
type fuzzDecorators struct {
	users, items, files, busy, hiddenBusy, doNotTrack, excludeAll gin.HandlerFunc
}

// fuzzRoutes registers the application's routes on r.
func fuzzRoutes(r *gin.Engine, d fuzzDecorators) {
	r.GET("/users/:id", d.users, ok)
	r.POST("/items/:kind", d.items, func(c *gin.Context) { c.String(http.StatusCreated, "item %s", c.Param("kind")) })
	r.Any("/files/*name", d.files, func(c *gin.Context) { c.String(http.StatusOK, "file %s", c.Param("name")) })
	r.GET("/busy/:id", d.busy, func(c *gin.Context) { c.String(http.StatusAccepted, "busy") })
	r.GET("/untracked", d.doNotTrack, ok)
	r.GET("/hidden/*rest", d.hiddenBusy, d.excludeAll, ok)
	r.GET("/health", ok)
	r.GET("/internal/*rest", ok)
	r.GET("/v1/private", ok)
	r.GET("/conflict", func(c *gin.Context) { c.AbortWithStatus(http.StatusConflict) })
	// A status the client chooses, within what a recorder accepts and
	// never 500.
	r.GET("/status/:code", func(c *gin.Context) {
		n, _ := strconv.Atoi(c.Param("code"))
		c.Status(200 + (n%300+300)%300)
	})
}

// fuzzEngine is one instrumented engine and the same application without
// ginprom.
type fuzzEngine struct {
	r, bare *gin.Engine
	reg     *prometheus.Registry
	probe   *fuzzProbe
	label   string // the group-by label
	name    string // the group-by
	opt     byte   // the engine's settings
}

func fuzzConfigure(r *gin.Engine, opt byte) {
	r.HandleMethodNotAllowed = opt&fuzzMethodNotAllowed != 0
	r.UseRawPath = opt&fuzzRawPath != 0
	if opt&fuzzFixedPath != 0 {
		r.RedirectFixedPath = true
		r.RedirectTrailingSlash = false
	}
	r.RemoveExtraSlash = opt&fuzzRemoveSlash != 0
	if opt&fuzzNoRoute != 0 {
		r.NoRoute(func(c *gin.Context) { c.String(http.StatusTeapot, "no route") })
	}
}

// fuzzNewEngines builds the fuzz engines, one per group-by, for the option
// byte opt.
func fuzzNewEngines(opt byte) []*fuzzEngine {
	var engines []*fuzzEngine
	for _, gb := range fuzzGroupBys {
		e := &fuzzEngine{reg: prometheus.NewRegistry(), probe: &fuzzProbe{}, label: gb.label, name: gb.name, opt: opt}

		e.r = gin.New()
		fuzzConfigure(e.r, opt)
		e.r.Use(e.probe.handle)
		opts := []ginprom.Option{
			ginprom.WithRegistry(e.reg),
			ginprom.WithGroupBy(gb.g),
			ginprom.WithExcludedPaths(fuzzExcluded...),
			ginprom.WithDefaultLabels(ginprom.Labels{"env": "fuzz", "client": fuzzHeader}),
			ginprom.WithMetricsMiddleware(gin.BasicAuth(fuzzAccounts)),
			// Every signal, with exemplars made of client input.
			ginprom.WithRequestSize(), ginprom.WithResponseSize(), ginprom.WithInFlight(),
			ginprom.WithNativeHistograms(1.1),
			ginprom.WithExemplars(func(c *gin.Context) prometheus.Labels {
				return prometheus.Labels{"client": c.GetHeader(fuzzClient)}
			}),
		}
		if opt&fuzzSummary != 0 {
			opts = append(opts, ginprom.WithLatencySummary())
		}
		m := ginprom.New(e.r, opts...)
		m.RegisterDefault(m.Counter("fuzz_routed", "Requests by route.", ginprom.Labels{
			"route": decoFullPath,
			"agent": ginprom.LimitValues(4, fuzzHeader),
		}))
		m.Info("fuzz_app_info", "Application info.", prometheus.Labels{"version": "1"})
		// A second metrics route, behind the middleware and RegisterDefault.
		m.RegisterEndpoint("/metrics", e.r.Group("/admin"))
		fuzzRoutes(e.r, fuzzDecorators{
			users:      m.Counter("fuzz_users", "User reads.", ginprom.Labels{"id": fuzzParam("id"), "who": fuzzHeader}),
			items:      m.Histogram("fuzz_items_seconds", "Item writes.", ginprom.Labels{"kind": fuzzParam("kind"), "q": func(c *gin.Context) string { return c.Query("q") }}),
			files:      m.Summary("fuzz_files_seconds", "File reads.", ginprom.Labels{"name": fuzzParam("name"), "code": decoStatus}),
			busy:       m.Gauge("fuzz_busy", "Requests in progress.", ginprom.Labels{"id": fuzzParam("id"), "who": fuzzHeader}),
			hiddenBusy: m.Gauge("fuzz_hidden_busy", "Hidden requests in progress.", ginprom.Labels{"rest": fuzzParam("rest")}),
			doNotTrack: m.DoNotTrack(),
			excludeAll: m.ExcludeAllMetrics(),
		})

		e.bare = gin.New()
		fuzzConfigure(e.bare, opt)
		for _, p := range []string{"/metrics", "/admin/metrics"} {
			e.bare.GET(p, gin.BasicAuth(fuzzAccounts), func(c *gin.Context) { c.String(http.StatusOK, "metrics") })
		}
		nop := func(*gin.Context) {}
		fuzzRoutes(e.bare, fuzzDecorators{nop, nop, nop, nop, nop, nop, nop})
		engines = append(engines, e)
	}
	return engines
}

// fuzzValidMethod reports whether m is a token (RFC 9110), the only
// methods net/http's server passes on to a handler.
func fuzzValidMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		b := m[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0) {
			return false
		}
	}
	return true
}

// fuzzValidHeader reports whether v is a header value net/http's server
// accepts: no control characters but tab.
func fuzzValidHeader(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < ' ' && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}

// fuzzNewRequest builds the request net/http's server would hand to its
// handler for the request line "method target HTTP/1.1" and the header
// value, as http.ReadRequest does; ok is false if the server would answer
// 400 itself, without calling a handler. httptest.NewRequest panics on
// such input, and accepts only part of the rest.
func fuzzNewRequest(method, target, header, auth string) (req *http.Request, ok bool) {
	// The request line is split at spaces; a method or target with one
	// is another request line.
	if !fuzzValidMethod(method) || target == "" || strings.ContainsAny(target, " \r\n") || !fuzzValidHeader(header) {
		return nil, false
	}
	var u *url.URL
	var err error
	if method == http.MethodConnect && !strings.HasPrefix(target, "/") {
		// CONNECT host:port: the authority form.
		u, err = url.ParseRequestURI("http://" + target)
		if u != nil {
			u.Scheme = ""
		}
	} else {
		u, err = url.ParseRequestURI(target)
	}
	if err != nil {
		return nil, false
	}
	req = &http.Request{
		Method:     method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{},
		Body:       http.NoBody,
		Host:       "example.com",
		RemoteAddr: "192.0.2.1:1234",
		RequestURI: target,
	}
	// The server trims the spaces and tabs around a header value.
	req.Header.Set(fuzzClient, strings.Trim(header, " \t"))
	if auth != "" {
		req.Header.Set("Authorization", strings.Trim(auth, " \t"))
	}
	return req, true
}

// fuzzServe serves req through h, and returns the response and what h
// panicked with, if it did.
func fuzzServe(h http.Handler, req *http.Request) (w *httptest.ResponseRecorder, panicked any) {
	w = httptest.NewRecorder()
	defer func() { panicked = recover() }()
	h.ServeHTTP(w, req)
	return w, nil
}

// fuzzOtherMethod clamps a method as the method label does.
func fuzzOtherMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// FuzzRequest drives arbitrary methods, request targets (path and query)
// and header values through fully configured engines, one per group-by,
// each with excluded paths, per-request default labels, decorators of every
// kind with label functions reading parameters, the query and the header,
// DoNotTrack, ExcludeAllMetrics, RegisterDefault, an info metric, and two
// metrics routes behind basic auth (the engine's, and one of
// RegisterEndpoint behind the middleware). For each input it checks that:
//
//   - nothing panics, and the response is the one the same application
//     gives without ginprom (status, and body outside the metrics route),
//     never a 500;
//   - the registry gathers and lints clean;
//   - the request is counted exactly once, with a standard method or OTHER
//     and the status the client got, unless it is excluded, untracked, a
//     scrape, or a redirect Gin answers before any handler runs;
//   - every gauge is back at 0, no exception is recorded;
//   - a scrape with the credential answers 200 and is not counted.
func FuzzRequest(f *testing.F) {
	for _, seed := range []struct {
		method, target, header string
		opt                    byte
	}{
		{"GET", "/users/42", "acme", 0},
		{"GET", "/users/42?t=x", "acme", 0xff},
		{"POST", "/items/book?q=1", "", fuzzSummary},
		{"GET", "/files/a/b/c", "c", fuzzRawPath},
		{"GET", "/busy/1", "", 0},
		{"GET", "/hidden/x", "", 0},
		{"GET", "/untracked", "", 0},
		{"GET", "/health", "", 0},
		{"GET", "/healthz", "", 0},
		{"GET", "/internal/debug", "", 0},
		{"GET", "/v12/private", "", 0},
		{"GET", "/metrics", "", 0},
		{"GET", "/metrics", "Basic ZnV6ejpzM2NyZXQ=", fuzzHeaderIsAuth},
		{"GET", "/metrics", "Basic ZnV6ejp3cm9uZw==", fuzzHeaderIsAuth},
		{"HEAD", "/metrics", "", 0},
		{"GET", "/admin/metrics", "Basic ZnV6ejpzM2NyZXQ=", fuzzHeaderIsAuth},
		{"GET", "/admin/metrics?name[]=gin_http_request_total", "Basic ZnV6ejpzM2NyZXQ=", fuzzHeaderIsAuth | fuzzOpenMetrics},
		{"GET", "/admin/metrics", "Basic \xff", fuzzHeaderIsAuth},
		{"GET", "/metrics/", "", 0},
		{"GET", "/METRICS", "", fuzzFixedPath},
		{"GET", "//users//1", "", fuzzRemoveSlash},
		{"GET", "/conflict", "", 0},
		{"GET", "/status/99", "", 0},
		{"GET", "/status/204", "", 0}, // a matched route answering 404
		{"GET", "//health", "", fuzzRemoveSlash},
		{"GET", "/internal/../users/1", "", fuzzRemoveSlash},
		{"GET", "/files/../internal/x", "", fuzzRemoveSlash},
		{"GET", "/files/./a//b", "", 0},
		{"GET", "/users/%2F%2e%2e", "", fuzzRawPath | fuzzRemoveSlash},
		{"GET", "/nowhere", "", fuzzNoRoute},
		{"DELETE", "/users/1", "", fuzzMethodNotAllowed},
		{"XYZ123", "/users/1", "", fuzzMethodNotAllowed},
		{"get", "/users/1", "", 0},
		{"OTHER", "/files/x", "", 0},
		{"CONNECT", "example.com:443", "", 0},
		{"OPTIONS", "*", "", 0},
		{"GET", "http://example.com", "", 0},
		{"GET", "/files/\xff", "\xff", 0},
		{"GET", "/files/%ff%fe?t=%ff&q=%00", "\xfe\xff", fuzzRawPath},
		{"POST", "/items/%E9t%C3%A9?q=%ff", "caf\xe9", 0},
		{"GET", "/users/%2F%2e%2e", "", fuzzRawPath},
		{"GET", "/files/" + strings.Repeat("a/", 2000), strings.Repeat("h", 1000), 0},
		{"GET", "/" + strings.Repeat("%ff", 1000), "", 0},
		{"GET", "/users/1", "\t spaced \t", 0},
		{"", "/users/1", "", 0},
		{"GET", "", "", 0},
		{"GET", "/users/1", "bad\x00header", 0},
	} {
		f.Add(seed.method, seed.target, seed.header, seed.opt)
	}

	right := coreAuth(fuzzUser, fuzzPassword)
	f.Fuzz(func(t *testing.T, method, target, header string, opt byte) {
		auth := ""
		if opt&fuzzHeaderIsAuth != 0 {
			auth = header
		}
		// Inputs net/http answers 400 to, an empty method for one, never
		// reach a handler: they are skipped.
		if _, ok := fuzzNewRequest(method, target, header, auth); !ok {
			t.Skip("net/http would answer 400")
		}
		for _, e := range fuzzNewEngines(opt) {
			req, _ := fuzzNewRequest(method, target, header, auth)
			want, bareP := fuzzServe(e.bare, req)
			if bareP != nil {
				// Gin itself fails on this input; that is not ginprom's.
				t.Skipf("Gin without ginprom panics: %v", bareP)
			}
			req, _ = fuzzNewRequest(method, target, header, auth)
			got, p := fuzzServe(e.r, req)
			require.Nil(t, p, "%s: ginprom panicked on %q %q %q", e.name, method, target, header)
			assert.NotEqual(t, http.StatusInternalServerError, got.Code, e.name)
			assert.Equal(t, want.Code, got.Code, "%s: ginprom changed the status", e.name)
			if !fuzzScrape(e.probe) {
				assert.Equal(t, want.Body.String(), got.Body.String(), "%s: ginprom changed the body", e.name)
			}

			problems, err := testutil.GatherAndLint(e.reg)
			require.NoError(t, err, e.name)
			assert.Empty(t, problems, e.name)

			fuzzCheckCounts(t, e, req, got.Code)

			// A scrape with the credential is served, and not counted.
			before := safetyGather(t, e.reg)
			scrape := []string{"Authorization", right}
			if opt&fuzzOpenMetrics != 0 {
				scrape = append(scrape, "Accept", "application/openmetrics-text;version=1.0.0", "Accept-Encoding", "gzip")
			}
			w := serve(e.r, http.MethodGet, "/metrics", scrape...)
			assert.Equal(t, http.StatusOK, w.Code, e.name)
			assert.NotEmpty(t, w.Body.Bytes(), e.name)
			assert.Equal(t, before, safetyGather(t, e.reg), "%s: the scrape was counted", e.name)
		}
	})
}

// fuzzScrape reports whether the request went to a metrics route.
func fuzzScrape(p *fuzzProbe) bool {
	return p.fullPath == "/metrics" || p.fullPath == "/admin/metrics"
}

// fuzzCheckCounts checks what the one request recorded in e, given what the
// probe saw.
func fuzzCheckCounts(t *testing.T, e *fuzzEngine, req *http.Request, code int) {
	t.Helper()
	p := e.probe
	routedPath := p.routed(req)
	if p.fullPath != "" && e.opt&fuzzRawPath == 0 {
		// Without UseRawPath, Gin routes by the URL path, cleaned
		// under RemoveExtraSlash: the template spelled with the
		// parameters is that path.
		want := req.URL.Path
		if e.opt&fuzzRemoveSlash != 0 {
			want = fuzzCleanPath(want)
		}
		assert.Equal(t, want, routedPath, "%s: the routed path", e.name)
	}
	excluded := fuzzExcludedRe.MatchString(routedPath)
	scrape := fuzzScrape(p)
	hidden := p.fullPath == "/hidden/*rest"
	counted := p.ran && !excluded && !scrape && !hidden && p.fullPath != "/untracked"
	decorated := p.ran && !excluded && !scrape && !hidden && p.fullPath != ""

	mfs, err := e.reg.Gather()
	require.NoError(t, err)
	var all uint64
	var recorded []map[string]string // the labels of each duration series
	for _, mf := range mfs {
		if mf.GetName() != coreDuration {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			recorded = append(recorded, labels)
			if h := m.GetHistogram(); h != nil {
				all += h.GetSampleCount()
			} else {
				all += m.GetSummary().GetSampleCount()
			}
		}
	}
	if !counted {
		assert.Zero(t, all, "%s: counted: %v", e.name, recorded)
	} else if assert.Len(t, recorded, 1, e.name) && assert.Equal(t, uint64(1), all, e.name) {
		want := map[string]string{
			"method": fuzzOtherMethod(req.Method),
			"status": strconv.Itoa(code),
			"env":    "fuzz",
			"client": fuzzBounded(req.Header.Get(fuzzClient)),
		}
		switch {
		case p.fullPath == "", e.name == "path" && code == http.StatusNotFound:
			want[e.label] = ginprom.Unmatched
		case e.name == "route":
			want[e.label] = p.fullPath
		case e.name == "path":
			want[e.label] = fuzzBounded(routedPath)
		case e.name == "func":
			want[e.label] = fuzzBounded(fuzzTenant(&gin.Context{Request: req}))
		default: // the handler's name
			want[e.label] = recorded[0][e.label]
			assert.NotEqual(t, ginprom.Unmatched, want[e.label], e.name)
		}
		assert.Equal(t, want, recorded[0], e.name)
	}
	s := safetyParse(t, e.reg)
	var total float64
	for _, v := range s[coreTotal] {
		total += v
	}
	assert.InDelta(t, float64(all), total, 0, "%s: the counter disagrees with the duration", e.name)
	assert.Empty(t, s[coreExceptions], e.name)

	var routed float64
	for _, v := range s["fuzz_routed_total"] {
		routed += v
	}
	want := 0.0
	if decorated {
		want = 1
	}
	assert.InDelta(t, want, routed, 0, "%s: RegisterDefault's counter", e.name)
	for _, name := range []string{"fuzz_busy", "fuzz_hidden_busy"} {
		for key, v := range s[name] {
			assert.Zero(t, v, "%s: %s{%s}", e.name, name, key)
		}
	}
}
