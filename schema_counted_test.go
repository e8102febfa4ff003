package ginprom_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// TestSchemaCounterFinerThanDuration: a request counter with a label that
// the duration leaves out (gin-metrics' code and method, which its
// duration has not) counts every request under its own value, while the
// duration shows the requests it cannot tell apart as one series, whose
// count is all of them; with native histograms too, and within the series
// budget.
func TestSchemaCounterFinerThanDuration(t *testing.T) {
	for _, native := range []bool{false, true} {
		reg := prometheus.NewRegistry()
		r := gin.New()
		opts := []ginprom.Option{ginprom.WithRegistry(reg), ginprom.WithSchema(ginprom.GinMetricsSchema())}
		if native {
			opts = append(opts, ginprom.WithNativeHistograms(1.1))
		}
		ginprom.New(r, opts...)
		h := func(c *gin.Context) {
			code, _ := strconv.Atoi(c.Query("code"))
			c.Status(code)
		}
		r.GET("/a", h)
		r.POST("/a", h)
		for _, target := range []string{"/a?code=200", "/a?code=500", "/a?code=500"} {
			serve(r, http.MethodGet, target)
		}
		serve(r, http.MethodPost, "/a?code=201")
		requireExposition(t, reg, `
# HELP gin_uri_request_total all the server received request num with every uri.
# TYPE gin_uri_request_total counter
gin_uri_request_total{code="200",method="GET",uri="/a"} 1
gin_uri_request_total{code="201",method="POST",uri="/a"} 1
gin_uri_request_total{code="500",method="GET",uri="/a"} 2
`, "gin_uri_request_total")
		got := observations(t, reg, "gin_request_duration")
		require.Len(t, got, 1, "the duration's series")
		for _, o := range got {
			require.EqualValues(t, 4, o.count)
		}
		mfs, err := reg.Gather()
		require.NoError(t, err)
		checkNativeConsistent(t, mfs)
	}
}
