package ginprom_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExcludedPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		patterns []string
		target   string
		excluded bool
	}{
		// Plain literals, matched as prefixes.
		{"literal: itself", []string{"/exc"}, "/exc", true},
		{"literal: longer word", []string{"/exc"}, "/excluded", true},
		{"literal: below", []string{"/exc"}, "/exc/1", true},
		{"literal: shorter", []string{"/exc"}, "/ex", false},
		{"literal: anchored at the start", []string{"/exc"}, "/a/exc", false},
		{"literal: case matters", []string{"/exc"}, "/EXC", false},
		{"literal: escaped dot", []string{`/a\.b`}, "/a.b/c", true},
		{"literal: escaped dot is no wildcard", []string{`/a\.b`}, "/axb", false},
		{"literal: query is not the path", []string{"/exc"}, "/other?next=/exc", false},
		// Expressions, matched through the regular expression engine.
		{"end anchor: exact", []string{"/health$"}, "/health", true},
		{"end anchor: longer", []string{"/health$"}, "/healthz", false},
		{"end anchor: below", []string{"/health$"}, "/health/x", false},
		{"end anchor: elsewhere", []string{"/health$"}, "/api/health", false},
		{"end anchor: query ignored", []string{"/health$"}, "/health?verbose=1", true},
		{"class: match", []string{"/v[0-9]+/internal"}, "/v12/internal/x", true},
		{"class: other path", []string{"/v[0-9]+/internal"}, "/v1/public", false},
		{"class: anchored at the start", []string{"/v[0-9]+/internal"}, "/x/v1/internal", false},
		{"alternation: first", []string{"/a|/b"}, "/a", true},
		{"alternation: second", []string{"/a|/b"}, "/b/c", true},
		{"alternation: second anchored too", []string{"/a|/b"}, "/x/b", false},
		{"explicit caret", []string{"^/start"}, "/start/1", true},
		{"case folding", []string{"(?i)/admin"}, "/ADMIN/users", true},
		{"everything", []string{".*"}, "/anything", true},
		// Several patterns, of both kinds.
		{"mixed: literal", []string{"/exc", "/health$", "/v[0-9]/"}, "/excl", true},
		{"mixed: expression", []string{"/exc", "/health$", "/v[0-9]/"}, "/v2/x", true},
		{"mixed: neither", []string{"/exc", "/health$", "/v[0-9]/"}, "/other", false},
		{"mixed: flags stay in their pattern", []string{"(?i)/admin", "/x[0-9]"}, "/X1", false},
		{"mixed: second alternation anchored", []string{"/q[0-9]", "/a|/b"}, "/x/b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, ginprom.WithPath(""), ginprom.WithExcludedPaths(tt.patterns...))
			ran := 0
			a.r.Any("/*any", func(c *gin.Context) {
				ran++
				ok(c)
			})
			w := a.do(http.MethodGet, tt.target)
			// Excluded or not, the request runs as usual.
			assert.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, "ok", w.Body.String())
			assert.Equal(t, 1, ran)

			want := map[string]uint64{`method="GET",path="/*any",status="200"`: 1}
			if tt.excluded {
				want = map[string]uint64{}
			}
			assert.Equal(t, want, samples(t, a.reg, coreDuration))
		})
	}
}

func TestExcludedPathsUnmatched(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithExcludedPaths("/exc", "/x[0-9]"))
	require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, "/exc/nowhere").Code)
	require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, "/x1").Code)
	require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, "/nowhere").Code)
	assert.Equal(t, map[string]uint64{`method="GET",path="<unmatched>",status="404"`: 1}, samples(t, a.reg, coreDuration))
}

func TestExcludedPathsRepeatedUseAppends(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithExcludedPaths("/a"), ginprom.WithExcludedPaths("/b$"))
	for _, p := range []string{"/a", "/b", "/c"} {
		a.r.GET(p, ok)
		a.do(http.MethodGet, p)
	}
	assert.Equal(t, map[string]uint64{`method="GET",path="/c",status="200"`: 1}, samples(t, a.reg, coreDuration))
}

func TestExcludedPathsLeaveDecoratorsAlone(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithExcludedPaths("/internal", "/hidden$"))
	hits := a.m.Counter("core_hits", "Hits.", nil)
	latency := a.m.Histogram("core_latency_seconds", "Latency.", nil)
	for _, p := range []string{"/internal/x", "/hidden", "/public"} {
		a.r.GET(p, hits, latency, ok)
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, p).Code)
	}
	requireExposition(t, a.reg, "# HELP core_hits_total Hits.\n# TYPE core_hits_total counter\ncore_hits_total 1\n", "core_hits_total")
	assert.Equal(t, map[string]uint64{"": 1}, samples(t, a.reg, "core_latency_seconds"))
	assert.Equal(t, map[string]uint64{`method="GET",path="/public",status="200"`: 1}, samples(t, a.reg, coreDuration))
}

func TestExcludedPathsBadPatternPanics(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		patterns []string
		culprit  string
	}{
		{"unclosed group", []string{"("}, `"("`},
		{"bad range", []string{"/ok", "[z-a]"}, `"[z-a]"`},
		{"nested repetition", []string{"/a**"}, `"/a**"`},
		{"bad escape", []string{`/\8`}, `"/\\8"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			coreRequireSetupPanic(t, tt.culprit, func() { newApp(t, ginprom.WithExcludedPaths(tt.patterns...)) })
		})
	}
}

// TestExcludedPathsQuotedTail: `\Q` without `\E` quotes the rest of an
// expression, which is valid Go syntax. Wrapping it in "(?:...)" to anchor
// it must not let the quote swallow the closing parenthesis.
func TestExcludedPathsQuotedTail(t *testing.T) {
	t.Parallel()
	const pattern = `/v[0-9]/\Q.well-known`
	require.NotPanics(t, func() { regexp.MustCompile(pattern) }, "the expression is valid")

	var a *app
	require.NotPanics(t, func() { a = newApp(t, ginprom.WithPath(""), ginprom.WithExcludedPaths(pattern, "/health$")) })
	a.r.Any("/*any", ok)
	for _, p := range []string{"/v1/.well-known/x", "/health", "/v1/xwell-known"} {
		a.do(http.MethodGet, p)
	}
	assert.Equal(t, map[string]uint64{`method="GET",path="/*any",status="200"`: 1}, samples(t, a.reg, coreDuration))
}

func TestWithSkipper(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithSkipper(func(c *gin.Context) bool { return c.GetHeader("X-Skip") == "yes" }))
	hits := 0
	a.r.GET("/a", a.m.Counter("a_hits", "Hits of /a.", nil), func(c *gin.Context) { hits++; ok(c) })

	for _, skip := range []string{"yes", "", "no", "yes"} {
		serve(a.r, http.MethodGet, "/a", "X-Skip", skip)
	}

	assert.Equal(t, 4, hits, "skipped requests still run")
	requireExposition(t, a.reg, `
# HELP a_hits_total Hits of /a.
# TYPE a_hits_total counter
a_hits_total 2
# HELP gin_http_request_total Total number of HTTP requests served by Gin.
# TYPE gin_http_request_total counter
gin_http_request_total{method="GET",status="200"} 2
`, "a_hits_total", "gin_http_request_total")
}

// TestWithSkipperRepeated: a second WithSkipper adds to the first, so that
// a skipper in shared options is not lost by a later one; nil is ignored.
func TestWithSkipperRepeated(t *testing.T) {
	t.Parallel()
	header := func(name string) func(*gin.Context) bool {
		return func(c *gin.Context) bool { return c.GetHeader(name) == "yes" }
	}
	a := newApp(t, ginprom.WithSkipper(header("X-Health")), ginprom.WithSkipper(nil), ginprom.WithSkipper(header("X-Probe")))
	a.r.GET("/a", ok)

	serve(a.r, http.MethodGet, "/a", "X-Health", "yes")
	serve(a.r, http.MethodGet, "/a", "X-Probe", "yes")
	serve(a.r, http.MethodGet, "/a", "X-Other", "yes")

	requireExposition(t, a.reg, `
# HELP gin_http_request_total Total number of HTTP requests served by Gin.
# TYPE gin_http_request_total counter
gin_http_request_total{method="GET",status="200"} 1
`, "gin_http_request_total")
}

// TestExcludedPathsPerRoute: the route's entry decides once for a route
// without parameters, and a route with parameters matches each request's
// path, also once its entry is made and cached, in either order.
func TestExcludedPathsPerRoute(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithExcludedPaths("/files/private", "/health$"))
	a.r.GET("/files/*name", ok)
	a.r.GET("/health", ok)
	a.r.GET("/healthz", ok)
	for _, p := range []string{
		"/health", "/health", // an excluded route: its entry, then the cached entry
		"/files/public", "/files/private/a", "/files/public", "/files/private/b", // one entry, matched per request
		"/healthz",
	} {
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, p).Code, p)
	}
	assert.Equal(t, map[string]uint64{
		`method="GET",path="/files/*name",status="200"`: 2,
		`method="GET",path="/healthz",status="200"`:     1,
	}, samples(t, a.reg, coreDuration))

	// The other order: an excluded request before any other of the route.
	b := newApp(t, ginprom.WithExcludedPaths("/files/private"))
	b.r.GET("/files/*name", ok)
	for _, p := range []string{"/files/private/a", "/files/public", "/files/private/b"} {
		require.Equal(t, http.StatusOK, b.do(http.MethodGet, p).Code, p)
	}
	assert.Equal(t, map[string]uint64{`method="GET",path="/files/*name",status="200"`: 1}, samples(t, b.reg, coreDuration))
}
