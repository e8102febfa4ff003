package ginprom_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExclusionsMatchTheRoutedPath: exclusions match the path Gin routed,
// not the one the client wrote, so a client can neither hide a request to a
// measured route nor move an excluded one into the metrics by spelling its
// path another way.
func TestExclusionsMatchTheRoutedPath(t *testing.T) {
	cases := []struct {
		name    string
		target  string
		handler string // what ran
		key     string // the duration series it is recorded in, "" if none
	}{
		{"dot-dot out of an excluded prefix", "/static/../login", "login", `method="GET",path="/login",status="200"`},
		{"dot-dot into an excluded prefix", "/login/../static/app.css", "static", ""},
		{"double slash before an anchored exclusion", "//health", "health", ""},
		{"dot segment before an anchored exclusion", "/./health", "health", ""},
		{"the plain spelling", "/login", "login", `method="GET",path="/login",status="200"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, ginprom.WithExcludedPaths("/static/", "/health$"))
			a.r.RemoveExtraSlash = true
			ran := ""
			handler := func(name string) gin.HandlerFunc {
				return func(c *gin.Context) { ran = name; c.String(http.StatusOK, name) }
			}
			logins := a.m.Counter("logins", "Logins.", nil)
			a.r.GET("/login", logins, handler("login"))
			a.r.GET("/static/*file", handler("static"))
			a.r.GET("/health", handler("health"))

			require.Equal(t, http.StatusOK, a.do(http.MethodGet, tc.target).Code)
			require.Equal(t, tc.handler, ran, "the handler Gin ran")

			want := map[string]uint64{}
			wantLogins := 0.0
			if tc.key != "" {
				want[tc.key] = 1
				wantLogins = 1
			}
			assert.Equal(t, want, samples(t, a.reg, "gin_http_request_duration_seconds"))
			assert.Equal(t, map[string]float64{"": wantLogins}, safetyParse(t, a.reg)["logins_total"],
				"the decorator on the login route")
		})
	}
}

// TestGroupByPathUsesTheRoutedPath: under GroupByPath, the spellings of one
// path that Gin routes alike make one series, labelled with the path Gin
// routed.
func TestGroupByPathUsesTheRoutedPath(t *testing.T) {
	a := newApp(t, ginprom.WithGroupBy(ginprom.GroupByPath))
	a.r.RemoveExtraSlash = true
	a.r.GET("/users/:id", ok)
	a.r.GET("/files/*name", ok)
	for _, target := range []string{"/users/1", "//users/1", "/users//1", "/users/./1", "/x/../users/1", "/users/1?q=/x"} {
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, target).Code, target)
	}
	for _, target := range []string{"/files/a/b", "/files//a/./b", "//files/a/c/../b"} {
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, target).Code, target)
	}
	assert.Equal(t, map[string]uint64{
		`method="GET",path="/users/1",status="200"`:   6,
		`method="GET",path="/files/a/b",status="200"`: 3,
	}, samples(t, a.reg, "gin_http_request_duration_seconds"))
}

// TestGroupByPathRawPath: under UseRawPath, Gin routes by the raw path, and
// so does GroupByPath; with UnescapePathValues, the parameters are the
// unescaped values, and so is the label.
func TestGroupByPathRawPath(t *testing.T) {
	for _, tc := range []struct {
		unescape bool
		want     string
	}{
		{false, "/files/a%2Fb"},
		{true, "/files/a/b"},
	} {
		t.Run(fmt.Sprintf("unescape %v", tc.unescape), func(t *testing.T) {
			a := newApp(t, ginprom.WithGroupBy(ginprom.GroupByPath))
			a.r.UseRawPath = true
			a.r.UnescapePathValues = tc.unescape
			a.r.GET("/files/:name", ok)
			require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/files/a%2Fb").Code)
			assert.Equal(t, map[string]uint64{
				`method="GET",path="` + tc.want + `",status="200"`: 1,
			}, samples(t, a.reg, "gin_http_request_duration_seconds"))
		})
	}
}

// TestGroupByPathNotFoundIsUnmatched: under GroupByPath, a request that a
// matched route answers with 404, as r.Static and a catch-all route do for
// what they do not have, gets Unmatched: a scan of a wildcard route adds one
// series, not one per URL.
func TestGroupByPathNotFoundIsUnmatched(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app.css"), []byte("body{}"), 0o600))
	a := newApp(t, ginprom.WithGroupBy(ginprom.GroupByPath))
	a.r.Static("/static", dir)
	a.r.GET("/pages/*page", func(c *gin.Context) {
		if c.Param("page") != "/about" {
			c.String(http.StatusNotFound, "no such page")
			return
		}
		c.String(http.StatusOK, "about")
	})

	require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/static/app.css").Code)
	require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/pages/about").Code)
	for i := 0; i < 200; i++ {
		require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, fmt.Sprintf("/static/scan-%d.php", i)).Code)
		require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, fmt.Sprintf("/pages/scan-%d", i)).Code)
	}
	assert.Equal(t, map[string]uint64{
		`method="GET",path="/static/app.css",status="200"`:           1,
		`method="GET",path="/pages/about",status="200"`:              1,
		`method="GET",path="` + ginprom.Unmatched + `",status="404"`: 400,
	}, samples(t, a.reg, "gin_http_request_duration_seconds"))
}
