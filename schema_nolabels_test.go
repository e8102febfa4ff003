package ginprom_test

import (
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// TestSchemaDurationWithoutLabels: a schema whose Duration has no labels
// keeps every request in its one series, and a scrape does not fail. (The
// series of each method, status and route were each exposed with no
// labels, and Gather failed on them.)
func TestSchemaDurationWithoutLabels(t *testing.T) {
	for _, tc := range []struct {
		name   string
		schema ginprom.Schema
		counts string // the exposition of the counters, if any
	}{
		{"duration alone", ginprom.Schema{Duration: ginprom.Family{Name: "d_seconds"}, Buckets: []float64{60}}, ""},
		{
			"with counters of no labels",
			ginprom.Schema{
				Duration:      ginprom.Family{Name: "d_seconds"},
				Requests:      ginprom.Family{Name: "r_total"},
				ResponseBytes: ginprom.Family{Name: "b_total"},
				Buckets:       []float64{60},
			},
			`
# HELP b_total Total bytes of HTTP response bodies sent by Gin.
# TYPE b_total counter
b_total 37
# HELP r_total Total number of HTTP requests served by Gin.
# TYPE r_total counter
r_total 4
`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			r := gin.New()
			ginprom.New(r, ginprom.WithRegistry(reg), ginprom.WithSchema(tc.schema))
			r.GET("/a/:id", func(c *gin.Context) { c.String(http.StatusOK, "a") })
			r.GET("/b", func(c *gin.Context) { c.Status(http.StatusTeapot) })
			serve(r, http.MethodGet, "/a/1")     // 1 byte
			serve(r, http.MethodPost, "/a/2")    // 404 page not found: 18 bytes
			serve(r, http.MethodGet, "/b")       // 0 bytes
			serve(r, http.MethodGet, "/nowhere") // 18 bytes
			assert.Equal(t, map[string]uint64{"": 4}, samples(t, reg, "d_seconds"))
			assert.Equal(t, map[float64]uint64{60: 4}, buckets(t, reg, "d_seconds", ""))
			if tc.counts != "" {
				requireExposition(t, reg, tc.counts, "r_total", "b_total")
			}
			requireLint(t, reg)
		})
	}
}
