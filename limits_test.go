package ginprom_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests hold what the README's Safety section says ginprom does not
// see or keep, so that the section stays true.

// TestGinRedirectsAreNotRecorded: Gin's own redirects (RedirectTrailingSlash,
// on by default, and RedirectFixedPath) answer before any handler runs, the
// ginprom middleware's included, so they are recorded nowhere. With
// RedirectTrailingSlash off, the same request is an unmatched 404, recorded.
func TestGinRedirectsAreNotRecorded(t *testing.T) {
	a := newApp(t)
	a.r.RedirectFixedPath = true
	a.r.GET("/users", ok)
	a.r.POST("/users", ok)

	w := a.do(http.MethodGet, "/users/")
	require.Equal(t, http.StatusMovedPermanently, w.Code)
	assert.Equal(t, "/users", w.Header().Get("Location"))
	w = a.do(http.MethodPost, "/users/")
	require.Equal(t, http.StatusTemporaryRedirect, w.Code, "the trailing-slash redirect of another method")
	a.r.RedirectTrailingSlash = false
	w = a.do(http.MethodGet, "/USERS")
	require.Equal(t, http.StatusMovedPermanently, w.Code, "RedirectFixedPath")
	assert.Empty(t, samples(t, a.reg, "gin_http_request_duration_seconds"), "redirects are recorded nowhere")

	a.r.RedirectFixedPath = false
	require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, "/users/").Code)
	assert.Equal(t, map[string]uint64{
		`method="GET",path="` + ginprom.Unmatched + `",status="404"`: 1,
	}, samples(t, a.reg, "gin_http_request_duration_seconds"))
}

// TestNameFilterPastTheQueryParameterLimit: the exposition filters by name[]
// only while Go's net/url parses the query; past its 10,000 parameters it
// parses none, and the whole exposition is served.
func TestNameFilterPastTheQueryParameterLimit(t *testing.T) {
	a := newApp(t)
	a.r.GET("/", ok)
	a.do(http.MethodGet, "/")
	scrape := func(params int) []string {
		t.Helper()
		query := "name[]=gin_http_request_total" + strings.Repeat("&x=1", params-1)
		w := a.do(http.MethodGet, "/metrics?"+query)
		require.Equal(t, http.StatusOK, w.Code)
		var names []string
		for _, line := range strings.Split(w.Body.String(), "\n") {
			if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
				names = append(names, strings.Fields(name)[0])
			}
		}
		return names
	}
	assert.Equal(t, []string{"gin_http_request_total"}, scrape(10000))
	all := scrape(10001)
	assert.Contains(t, all, "gin_http_request_total")
	assert.Contains(t, all, "gin_http_request_duration_seconds")
	assert.Contains(t, all, "gin_exporter_info")
}
