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

// decoSink is a response writer that allocates nothing.
type decoSink struct{ h http.Header }

func (w *decoSink) Header() http.Header         { return w.h }
func (w *decoSink) Write(b []byte) (int, error) { return len(b), nil }
func (w *decoSink) WriteHeader(int)             {}

// decoAllocs returns the allocations of one request to GET /x on an
// instrumented engine whose route has the given decorators, made by deco on
// the engine's Metrics.
func decoAllocs(t *testing.T, opts []ginprom.Option, deco func(m *ginprom.Metrics) []gin.HandlerFunc) float64 {
	t.Helper()
	r := gin.New()
	m := ginprom.New(r, append([]ginprom.Option{ginprom.WithRegistry(prometheus.NewRegistry())}, opts...)...)
	handlers := append(deco(m), func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/x", handlers...)
	req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/x", nil)
	w := &decoSink{h: http.Header{}}
	r.ServeHTTP(w, req) // resolve every series before counting
	return testing.AllocsPerRun(200, func() { r.ServeHTTP(w, req) })
}

// TestDecoratorAllocs: decorators add no allocation per request beyond what
// their label functions do.
func TestDecoratorAllocs(t *testing.T) {
	constant := func(v string) func(*gin.Context) string { return func(*gin.Context) string { return v } }
	cases := []struct {
		name string
		opts []ginprom.Option
		deco func(m *ginprom.Metrics) []gin.HandlerFunc
	}{
		{
			name: "no labels",
			deco: func(m *ginprom.Metrics) []gin.HandlerFunc {
				return []gin.HandlerFunc{
					m.Counter("c", "C.", nil), m.Gauge("g", "G.", nil),
					m.Summary("s", "S.", nil), m.Histogram("h", "H.", nil),
				}
			},
		},
		{
			name: "static labels",
			deco: func(m *ginprom.Metrics) []gin.HandlerFunc {
				l := ginprom.Labels{"app": "shop", "n": 3, "on": true}
				return []gin.HandlerFunc{
					m.Counter("c", "C.", l), m.Gauge("g", "G.", l),
					m.Summary("s", "S.", l),
					m.Histogram("h", "H.", l, ginprom.WithMetricBuckets(0.1, 1)),
				}
			},
		},
		{
			name: "static default labels",
			opts: []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"env": "prod"})},
			deco: func(m *ginprom.Metrics) []gin.HandlerFunc {
				return []gin.HandlerFunc{
					m.Counter("c", "C.", nil), m.Gauge("g", "G.", nil),
					m.Summary("s", "S.", nil), m.Histogram("h", "H.", nil),
				}
			},
		},
		{
			name: "constant label functions",
			deco: func(m *ginprom.Metrics) []gin.HandlerFunc {
				l := ginprom.Labels{"kind": constant("a"), "team": constant("core"), "app": "shop"}
				return []gin.HandlerFunc{
					m.Counter("c", "C.", l), m.Gauge("g", "G.", l),
					m.Summary("s", "S.", l), m.Histogram("h", "H.", l),
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := decoAllocs(t, tc.opts, func(*ginprom.Metrics) []gin.HandlerFunc { return nil })
			with := decoAllocs(t, tc.opts, tc.deco)
			t.Logf("%g allocations per request", base)
			// AllocsPerRun's average is a whole number.
			assert.Equal(t, int(base), int(with), "allocations per request without and with the decorators")
		})
	}
}
