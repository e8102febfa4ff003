package ginprom_test

import (
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Attack tests on the marks word (Metrics.marking): DoNotTrack,
// ExcludeAllMetrics, WithSkipper and engine.HandleContext against the
// decorators' fast handlers and their general path.

// markProbe is the header the skippers of these tests look for.
const markProbe = "X-Probe"

// skipProbe is a skipper that skips the requests carrying markProbe.
func skipProbe(c *gin.Context) bool { return c.GetHeader(markProbe) != "" }

// TestSkipperDecoratorBeforeDefaultMiddleware: a decorator that stands
// before the default middleware (engine.Use before Instrument, or
// Middleware placed by hand after it) leaves out the requests the skipper
// skips, as WithSkipper promises for every metric of the instance: the
// very first skip, which turns the skip flag on while the decorator's fast
// handler is past its check, and the later ones, which take the general
// path.
func TestSkipperDecoratorBeforeDefaultMiddleware(t *testing.T) {
	t.Parallel()
	for _, k := range decoAfterKinds {
		for _, place := range []string{"engine", "route"} {
			t.Run(k.name+"/"+place, func(t *testing.T) {
				t.Parallel()
				reg := prometheus.NewRegistry()
				m := ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithSkipper(skipProbe))
				r := gin.New()
				if place == "engine" {
					r.Use(k.make(m, "early", "Early.", nil))
					m.Instrument(r)
					r.GET("/", ok)
				} else {
					r.GET("/", k.make(m, "early", "Early.", nil), m.Middleware(), ok)
				}
				serve(r, http.MethodGet, "/", markProbe, "1")
				serve(r, http.MethodGet, "/")
				serve(r, http.MethodGet, "/", markProbe, "1")
				serve(r, http.MethodGet, "/")
				assert.Equal(t, map[string]uint64{`method="GET",path="/",status="200"`: 2}, samples(t, reg, coreDuration))
				decoRequireSeries(t, reg, k, "early"+k.suffix, "Early.", map[string]float64{"": 2})
			})
		}
	}
}

// TestSkipperDecoratorBeforeDefaultsHandleContext: the same, when the
// request is passed on with engine.HandleContext and only one of its two
// dispatches is skipped. After the inner dispatch c.FullPath() is the inner
// route's, and while a panic unwinds from it c.Handler() is too: a
// decorator must still find the marks of its own dispatch, not the inner
// one's. Each app is fresh, so its first skip is the one under test.
func TestSkipperDecoratorBeforeDefaultsHandleContext(t *testing.T) {
	t.Parallel()
	for _, k := range decoAfterKinds {
		for _, tc := range []struct {
			name, skipped, target string
			want                  float64 // the decorator's count, over both dispatches
			code                  int
		}{
			// /a and /b end with the same handler, so that the inner
			// dispatch's id is what c.FullPath() and c.Handler() give
			// after it.
			{"outer skipped", "/a", "/a", 1, http.StatusOK},
			{"inner skipped", "/b", "/a", 1, http.StatusOK},
			{"inner skipped and panics", "/boom", "/to-boom", 1, http.StatusInternalServerError},
		} {
			t.Run(k.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				reg := prometheus.NewRegistry()
				m := ginprom.New(nil, ginprom.WithRegistry(reg),
					ginprom.WithSkipper(func(c *gin.Context) bool { return c.FullPath() == tc.skipped }))
				r := gin.New()
				r.Use(decoQuiet(), k.make(m, "early", "Early.", nil))
				m.Instrument(r)
				forward := func(to string) gin.HandlerFunc {
					return func(c *gin.Context) {
						c.Request.URL.Path = to
						r.HandleContext(c)
					}
				}
				r.GET("/b", ok)
				r.GET("/a", forward("/b"), ok)
				r.GET("/boom", func(*gin.Context) { panic("boom") })
				r.GET("/to-boom", forward("/boom"))
				require.Equal(t, tc.code, serve(r, http.MethodGet, tc.target).Code)
				decoRequireSeries(t, reg, k, "early"+k.suffix, "Early.", map[string]float64{"": tc.want})
			})
		}
	}
}
