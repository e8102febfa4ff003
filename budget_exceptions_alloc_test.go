//go:build !race

package ginprom_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// quietRecovery answers a panic with 500, and allocates nothing for a
// panic whose value needs no boxing.
func quietRecovery(c *gin.Context) {
	defer func() {
		if recover() != nil {
			c.AbortWithStatus(http.StatusInternalServerError)
		}
	}()
	c.Next()
}

// TestExceptionsAllocsWithoutFamily: under a schema without an Exceptions
// family, a request whose handler panics allocates no more through
// ginprom than through bare Gin: with no counter to count it in, the
// exception costs nothing. (Under GroupByFunc a panic costs the wrapper
// that shows label functions the status 500, which is not the exception's.)
func TestExceptionsAllocsWithoutFamily(t *testing.T) {
	boom := func(*gin.Context) { panic("boom") }
	build := func(opts ...ginprom.Option) *gin.Engine {
		r := gin.New()
		r.Use(quietRecovery)
		if opts != nil {
			ginprom.New(r, append([]ginprom.Option{ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithSchema(customSchema)}, opts...)...)
		}
		r.GET("/boom/:id", boom)
		return r
	}
	allocs := func(r *gin.Engine) float64 {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/boom/42", nil)
		w := newDiscard()
		r.ServeHTTP(w, req) // makes the series
		return testing.AllocsPerRun(200, func() { r.ServeHTTP(w, req) })
	}
	bare := allocs(build())
	for name, opt := range map[string]ginprom.Option{
		"route": ginprom.WithGroupBy(ginprom.GroupByRoute),
		"path":  ginprom.WithGroupBy(ginprom.GroupByPath),
	} {
		assert.InDelta(t, bare, allocs(build(opt)), 0, name)
	}
}
