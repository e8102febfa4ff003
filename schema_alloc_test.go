//go:build !race

package ginprom_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// schemaRoutes adds /users/:id, and /fail/:id, whose handler sets an error
// message and answers 500.
func schemaRoutes(r *gin.Engine) *gin.Engine {
	r.GET("/fail/:id", func(c *gin.Context) {
		ginprom.SetErrorMessage(c, "upstream timed out")
		c.Status(http.StatusInternalServerError)
	})
	return userRoute(r)
}

// TestSchemaAllocs: under either schema a request allocates exactly what
// it allocates through bare Gin, nothing, whatever its variant: a message
// already seen, a TLS request, an unknown method, an unmatched path, and the
// per-request label paths.
func TestSchemaAllocs(t *testing.T) {
	constant := func(*gin.Context) string { return "v" }
	bb := ginprom.WithBigBrother("1.0.0")
	sc := ginprom.WithSemconv()
	everySignal := customSchema
	everySignal.RequestSize = ginprom.Family{Name: "api_request_size_bytes"}
	everySignal.ResponseSize = ginprom.Family{Name: "api_response_size_bytes"}
	cases := []struct {
		name   string
		opts   []ginprom.Option
		method string
		target string
	}{
		{"big brother", []ginprom.Option{bb}, http.MethodGet, "/users/42"},
		{"big brother error message", []ginprom.Option{bb}, http.MethodGet, "/fail/42"},
		{"big brother error message by path", []ginprom.Option{bb, ginprom.WithGroupBy(ginprom.GroupByPath)}, http.MethodGet, "/fail/42"},
		{"big brother label function", []ginprom.Option{bb, ginprom.WithDefaultLabels(ginprom.Labels{"tenant": constant})}, http.MethodGet, "/fail/42"},
		{"big brother unmatched", []ginprom.Option{bb}, http.MethodGet, "/no/such/page"},
		{"semconv", []ginprom.Option{sc}, http.MethodGet, "/users/42"},
		{"semconv https", []ginprom.Option{sc}, http.MethodGet, "https://example.com/users/42"},
		{"semconv other method", []ginprom.Option{sc}, "PROPFIND", "/users/42"},
		{"semconv unmatched", []ginprom.Option{sc}, http.MethodGet, "/no/such/page"},
		{"semconv error", []ginprom.Option{sc}, http.MethodGet, "/fail/42"},
		{"semconv with every signal", []ginprom.Option{sc, ginprom.WithInFlight(), ginprom.WithRequestSize(), ginprom.WithResponseSize()}, http.MethodGet, "https://example.com/users/42"},
		{"custom schema", []ginprom.Option{ginprom.WithSchema(customSchema)}, http.MethodGet, "/users/42"},
		{"custom schema with every signal", []ginprom.Option{ginprom.WithSchema(everySignal), ginprom.WithInFlight(), ginprom.WithRequestSize(), ginprom.WithResponseSize()}, http.MethodGet, "/fail/42"},
		{"custom schema merging series", []ginprom.Option{ginprom.WithSchema(mergingSchema)}, http.MethodGet, "/fail/42"},
		{"semconv label function", []ginprom.Option{sc, ginprom.WithDefaultLabels(ginprom.Labels{"tenant": constant})}, http.MethodGet, "/users/42"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bare := requestAllocs(schemaRoutes(gin.New()), tc.method, tc.target)

			r := gin.New()
			ginprom.New(r, append([]ginprom.Option{ginprom.WithRegistry(prometheus.NewRegistry())}, tc.opts...)...)
			with := requestAllocs(schemaRoutes(r), tc.method, tc.target)

			// AllocsPerRun's average is a whole number.
			assert.Equal(t, int(bare), int(with), "allocations per request through bare Gin and through ginprom")
			assert.Zero(t, with, "allocations per request through ginprom")
		})
	}
}

// TestSetErrorMessageAllocs: setting a message already seen allocates
// nothing, and neither does one cut to length; Gin's Keys map stays nil.
func TestSetErrorMessageAllocs(t *testing.T) {
	long := string(make([]byte, 2*ginprom.MaxErrorMessageBytes))
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithBigBrother("1"))
	var keys map[string]any
	r.GET("/", func(c *gin.Context) {
		ginprom.SetErrorMessage(c, long)
		ginprom.SetErrorMessage(c, "seen")
		keys = c.Keys
		c.Status(http.StatusBadGateway)
	})
	req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/", nil)
	w := newDiscard()
	r.ServeHTTP(w, req)
	assert.Zero(t, testing.AllocsPerRun(500, func() { r.ServeHTTP(w, req) }))
	assert.Nil(t, keys, "SetErrorMessage made Gin allocate c.Keys")
}
