//go:build !race

// The race detector makes allocations of its own, so this test runs
// without it (make test-allocs).

package probe_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom/probe"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
)

// TestSkipAllocs: the skipper adds no allocation to the request path, with
// the secret, without it, and with a long wrong value.
func TestSkipAllocs(t *testing.T) {
	skip := probe.Skip(strings.Repeat("s", 64))
	for _, v := range []string{strings.Repeat("s", 64), "", strings.Repeat("x", 4096)} {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/", nil)
		if v != "" {
			req.Header.Set(probe.SecretHeader, v)
		}
		c := &gin.Context{Request: req}
		assert.Zero(t, testing.AllocsPerRun(1000, func() { skip(c) }), "header of %d bytes", len(v))
	}
}
