package ginprom_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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
// route's, and so is c.Handler() under Gin 1.9 (which does not restore the
// handlers) or while a panic unwinds from it: a decorator must still find
// the marks of its own dispatch, not the inner one's. Each app is fresh, so
// its first skip is the one under test.
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

// markers are the two handlers that mark a request, and what each leaves
// out: DoNotTrack the default metrics only, ExcludeAllMetrics the
// decorators too.
var markers = []struct {
	name       string
	make       func(m *ginprom.Metrics) gin.HandlerFunc
	decorators bool // whether the decorators leave a marked request out
}{
	{"DoNotTrack", (*ginprom.Metrics).DoNotTrack, false},
	{"ExcludeAllMetrics", (*ginprom.Metrics).ExcludeAllMetrics, true},
}

// lazyMarker returns a handler that marks the requests whose query has
// "m", with a marker it makes on the first such request, so that the
// instance's first marker is made in the middle of a chain, after the
// decorators before it have looked at the marks word.
func lazyMarker(m *ginprom.Metrics, mk func(*ginprom.Metrics) gin.HandlerFunc) gin.HandlerFunc {
	made := sync.OnceValue(func() gin.HandlerFunc { return mk(m) })
	return func(c *gin.Context) {
		if c.Query("m") != "" {
			made()(c)
		}
	}
}

// markDecorators returns one decorator of each kind, named prefix_kind.
func markDecorators(m *ginprom.Metrics, prefix string, labels ginprom.Labels) []gin.HandlerFunc {
	var ds []gin.HandlerFunc
	for _, k := range decoKinds {
		ds = append(ds, k.make(m, prefix+"_"+strings.ToLower(k.name), "Marks.", labels))
	}
	return ds
}

// requireMarkDecorators asserts what every decorator of markDecorators
// holds: n requests, or 0 for the gauge.
func requireMarkDecorators(t *testing.T, reg prometheus.Gatherer, prefix string, n float64) {
	t.Helper()
	for _, k := range decoKinds {
		want := n
		if k.typ == "gauge" {
			want = 0
		}
		assert.InDelta(t, want, decoCount(t, reg, k, prefix+"_"+strings.ToLower(k.name)+k.suffix, ""), 0, "%s %s", prefix, k.name)
	}
}

// TestMarkerMadeMidChain: the first marker of an instance, made while a
// request is in the chain, marks that very request; decorators before and
// after it, fast handlers or not yet, and the default metrics each leave
// out what the marker says, and count the unmarked requests that follow
// exactly once.
func TestMarkerMadeMidChain(t *testing.T) {
	t.Parallel()
	for _, mk := range markers {
		t.Run(mk.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			chain := markDecorators(a.m, "before", nil)
			chain = append(chain, lazyMarker(a.m, mk.make))
			chain = append(chain, markDecorators(a.m, "after", nil)...)
			a.r.GET("/x", append(chain, ok)...)
			for _, target := range []string{"/x?m=1", "/x", "/x?m=1", "/x", "/x"} {
				require.Equal(t, http.StatusOK, a.do(http.MethodGet, target).Code, target)
			}
			want := 5.0
			if mk.decorators {
				want = 3
			}
			requireMarkDecorators(t, a.reg, "before", want)
			requireMarkDecorators(t, a.reg, "after", want)
			assert.Equal(t, map[string]uint64{`method="GET",path="/x",status="200"`: 3}, samples(t, a.reg, coreDuration))
			requireExposition(t, a.reg, coreTotalHead+`gin_http_request_total{method="GET",status="200"} 3`+"\n", coreTotal)
		})
	}
}

// TestSkipperWithAndWithoutMarkers: WithSkipper leaves the skipped
// requests out of every decorator, and counts the others once, with and
// without default metrics, whether or not a marker was made before (the
// marks word on from the start, or only once the first skip turns it on).
func TestSkipperWithAndWithoutMarkers(t *testing.T) {
	t.Parallel()
	for _, defaults := range []bool{true, false} {
		for _, marker := range []bool{false, true} {
			t.Run(fmt.Sprintf("defaults=%t/marker=%t", defaults, marker), func(t *testing.T) {
				t.Parallel()
				opts := []ginprom.Option{ginprom.WithSkipper(skipProbe)}
				if !defaults {
					opts = append(opts, ginprom.WithoutDefaults())
				}
				a := newApp(t, opts...)
				if marker {
					a.r.GET("/other", a.m.ExcludeAllMetrics(), ok)
				}
				chain := markDecorators(a.m, "first", nil)
				chain = append(chain, markDecorators(a.m, "second", ginprom.Labels{"route": decoFullPath})...)
				a.r.GET("/x", append(chain, ok)...)
				for i := range 6 {
					if i%3 == 0 {
						serve(a.r, http.MethodGet, "/x", markProbe, "1")
					} else {
						serve(a.r, http.MethodGet, "/x")
					}
				}
				requireMarkDecorators(t, a.reg, "first", 4)
				for _, k := range decoAfterKinds {
					decoRequireSeries(t, a.reg, k, "second_"+strings.ToLower(k.name)+k.suffix, "Marks.", map[string]float64{`route="/x"`: 4})
				}
				if defaults {
					assert.Equal(t, map[string]uint64{`method="GET",path="/x",status="200"`: 4}, samples(t, a.reg, coreDuration))
				}
			})
		}
	}
}

// TestMarkerInInnerDispatch: a marker in the inner dispatch of
// engine.HandleContext leaves the outer dispatch recorded by its
// decorators and, for the default metrics, by its own record; both
// routes end with the same handler, so that the inner dispatch's id is
// what c.FullPath() and c.Handler() give once it returns. The marker is
// made in the chain (the instance's first) or before any request. An
// exclusion that matches nothing gives the decorators the general path.
func TestMarkerInInnerDispatch(t *testing.T) {
	t.Parallel()
	for _, mk := range markers {
		for _, lazy := range []bool{true, false} {
			for _, general := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/lazy=%t/general=%t", mk.name, lazy, general), func(t *testing.T) {
					t.Parallel()
					var opts []ginprom.Option
					if general {
						opts = append(opts, ginprom.WithExcludedPaths("/never"))
					}
					a := newApp(t, opts...)
					marker := lazyMarker(a.m, mk.make)
					if !lazy {
						made := mk.make(a.m)
						marker = lazyMarker(a.m, func(*ginprom.Metrics) gin.HandlerFunc { return made })
					}
					a.r.GET("/b", append(append(markDecorators(a.m, "inner", nil), marker), ok)...)
					a.r.GET("/a", append(markDecorators(a.m, "outer", nil), func(c *gin.Context) {
						c.Request.URL.Path = "/b"
						a.r.HandleContext(c)
					}, ok)...)
					for _, target := range []string{"/a?m=1", "/a", "/a?m=1"} {
						require.Equal(t, http.StatusOK, a.do(http.MethodGet, target).Code, target)
					}
					requireMarkDecorators(t, a.reg, "outer", 3)
					inner := 3.0
					if mk.decorators {
						inner = 1
					}
					requireMarkDecorators(t, a.reg, "inner", inner)
					assert.Equal(t, map[string]uint64{
						`method="GET",path="/a",status="200"`: 3,
						`method="GET",path="/b",status="200"`: 1,
					}, samples(t, a.reg, coreDuration))
				})
			}
		}
	}
}

// TestMarkerInPanickingInnerDispatch: the same when the inner dispatch
// panics after its marker, the instance's first. The engine's recovery
// catches the panic inside the inner dispatch. A Gin that gives the outer
// dispatch its handlers back after HandleContext then finishes the outer
// one normally, with the 500 written: no exception. Gin 1.9 goes on with
// the inner route's handlers instead and runs its panicking handler again
// in the outer dispatch, where, while the panic unwinds, c.Handler() is
// the inner route's too: the outer dispatch is recorded once, by its
// decorators and as the one exception.
func TestMarkerInPanickingInnerDispatch(t *testing.T) {
	t.Parallel()
	for _, mk := range markers {
		t.Run(mk.name, func(t *testing.T) {
			t.Parallel()
			a := newRecoveringApp(t)
			a.r.GET("/boom", append(append(markDecorators(a.m, "inner", nil), lazyMarker(a.m, mk.make)), func(*gin.Context) { panic("boom") })...)
			a.r.GET("/to-boom", append(markDecorators(a.m, "outer", nil), func(c *gin.Context) {
				c.Request.URL.Path = "/boom"
				a.r.HandleContext(c)
			})...)
			require.Equal(t, http.StatusInternalServerError, a.do(http.MethodGet, "/to-boom?m=1").Code)
			requireMarkDecorators(t, a.reg, "outer", 1)
			inner := 1.0
			if mk.decorators {
				inner = 0
			}
			requireMarkDecorators(t, a.reg, "inner", inner)
			assert.Equal(t, map[string]uint64{`method="GET",path="/to-boom",status="500"`: 1}, samples(t, a.reg, coreDuration))
			exceptions := coreExceptionsHead + `gin_http_request_exceptions_total{method="GET",status="500"} 1` + "\n"
			if handleContextRestoresHandlers() {
				exceptions = ""
			}
			requireExposition(t, a.reg, exceptions, coreExceptions)
		})
	}
}

// handleContextRestoresHandlers reports whether this Gin's
// engine.HandleContext gives the outer dispatch its handlers back once the
// inner one returns (Gin 1.9 does not).
func handleContextRestoresHandlers() bool {
	r := gin.New()
	restored := false
	r.GET("/inner", func(*gin.Context) {})
	r.GET("/outer", func(c *gin.Context) {
		c.Request.URL.Path = "/inner"
		r.HandleContext(c)
		restored = len(c.HandlerNames()) == 2
	}, func(*gin.Context) {})
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/outer", nil))
	return restored
}

// TestMarkerThenPanic: a handler that panics after a marker, the
// instance's first or not: the default metrics leave the marked request
// out, exception included, and count the unmarked panic once; the
// decorators before and after the marker count what the marker leaves
// them.
func TestMarkerThenPanic(t *testing.T) {
	t.Parallel()
	for _, mk := range markers {
		for _, lazy := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/lazy=%t", mk.name, lazy), func(t *testing.T) {
				t.Parallel()
				a := newRecoveringApp(t)
				marker := lazyMarker(a.m, mk.make)
				if !lazy {
					made := mk.make(a.m)
					marker = lazyMarker(a.m, func(*ginprom.Metrics) gin.HandlerFunc { return made })
				}
				chain := append(markDecorators(a.m, "before", nil), marker)
				chain = append(chain, markDecorators(a.m, "after", nil)...)
				a.r.GET("/x", append(chain, func(c *gin.Context) {
					if c.Query("p") != "" {
						panic("boom")
					}
					c.Status(http.StatusOK)
				})...)
				for _, r := range []struct {
					target string
					code   int
				}{{"/x?m=1&p=1", 500}, {"/x?p=1", 500}, {"/x", 200}, {"/x?m=1&p=1", 500}} {
					require.Equal(t, r.code, a.do(http.MethodGet, r.target).Code, r.target)
				}
				want := 4.0
				if mk.decorators {
					want = 2
				}
				requireMarkDecorators(t, a.reg, "before", want)
				requireMarkDecorators(t, a.reg, "after", want)
				assert.Equal(t, map[string]uint64{
					`method="GET",path="/x",status="500"`: 1,
					`method="GET",path="/x",status="200"`: 1,
				}, samples(t, a.reg, coreDuration))
				requireExposition(t, a.reg, coreExceptionsHead+`gin_http_request_exceptions_total{method="GET",status="500"} 1`+"\n", coreExceptions)
			})
		}
	}
}

// TestMarkerThenLabelPanic: a decorator whose only label function panics,
// after a marker: under DoNotTrack the decorator records the request under
// PanicValue and raises the panic again, the default metrics leave it
// out; under ExcludeAllMetrics the label function does not run, and the
// request is nowhere.
func TestMarkerThenLabelPanic(t *testing.T) {
	t.Parallel()
	labels := ginprom.Labels{"who": func(c *gin.Context) string {
		if c.Query("lp") != "" {
			panic("label boom")
		}
		return "fine"
	}}
	for _, k := range decoAfterKinds {
		for _, mk := range markers {
			t.Run(k.name+"/"+mk.name, func(t *testing.T) {
				t.Parallel()
				a := newApp(t)
				a.r.GET("/x", lazyMarker(a.m, mk.make), k.make(a.m, "only", "Only.", labels), ok)
				for _, target := range []string{"/x?m=1&lp=1", "/x?lp=1", "/x?m=1", "/x", "/x?m=1&lp=1"} {
					if strings.Contains(target, "lp") && !(mk.decorators && strings.Contains(target, "m=1")) {
						assert.PanicsWithValue(t, "label boom", func() { a.do(http.MethodGet, target) }, target)
					} else {
						assert.Equal(t, http.StatusOK, a.do(http.MethodGet, target).Code, target)
					}
				}
				want := map[string]float64{`who="` + ginprom.PanicValue + `"`: 3, `who="fine"`: 2}
				if mk.decorators {
					want = map[string]float64{`who="` + ginprom.PanicValue + `"`: 1, `who="fine"`: 1}
				}
				decoRequireSeries(t, a.reg, k, "only"+k.suffix, "Only.", want)
				assert.Equal(t, map[string]uint64{`method="GET",path="/x",status="200"`: 2}, samples(t, a.reg, coreDuration))
				requireExposition(t, a.reg, "", coreExceptions)
			})
		}
	}
}

// TestMarksConcurrent: many goroutines send requests of which some are
// marked by DoNotTrack, some by ExcludeAllMetrics, some skipped; both
// markers are made by the first request that needs them, while the other
// goroutines' fast handlers are past their look at the marks word. A
// decorator before the default middleware, and decorators after it, count
// sent − excluded − skipped; the default metrics sent − marked − skipped.
func TestMarksConcurrent(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithSkipper(skipProbe))
	r := gin.New()
	r.Use(m.Counter("early", "Early.", nil))
	m.Instrument(r)
	dnt := lazyMarker(m, (*ginprom.Metrics).DoNotTrack)
	excl := lazyMarker(m, (*ginprom.Metrics).ExcludeAllMetrics)
	chain := markDecorators(m, "before", nil)
	chain = append(chain, func(c *gin.Context) {
		switch c.Query("op") {
		case "dnt":
			dnt(c)
		case "excl":
			excl(c)
		}
	})
	chain = append(chain, markDecorators(m, "after", ginprom.Labels{"s": decoStatus})...)
	r.GET("/x", append(chain, ok)...)

	const workers, each = 8, 150
	var counts [4]uint64 // plain, dnt, excl, skipped
	ops := make([][]int, workers)
	for w := range workers {
		rng := rand.New(rand.NewPCG(uint64(w), 17)) //nolint:gosec // G404: a seeded test, not a secret.
		for range each {
			op := 0
			if rng.IntN(3) == 0 {
				op = 1 + rng.IntN(3)
			}
			ops[w] = append(ops[w], op)
			counts[op]++
		}
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for _, op := range ops[w] {
				switch op {
				case 0:
					serve(r, http.MethodGet, "/x")
				case 1:
					serve(r, http.MethodGet, "/x?m=1&op=dnt")
				case 2:
					serve(r, http.MethodGet, "/x?m=1&op=excl")
				case 3:
					serve(r, http.MethodGet, "/x", markProbe, "1")
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	require.NotZero(t, counts[1]*counts[2]*counts[3], "every kind of request is sent")
	decorated := float64(counts[0] + counts[1])
	assert.InDelta(t, decorated, decoCount(t, reg, decoCounter, "early_total", ""), 0)
	requireMarkDecorators(t, reg, "before", decorated)
	for _, k := range decoAfterKinds {
		assert.InDelta(t, decorated, decoCount(t, reg, k, "after_"+strings.ToLower(k.name)+k.suffix, `s="200"`), 0, k.name)
	}
	assert.Equal(t, map[string]uint64{`method="GET",path="/x",status="200"`: counts[0]}, samples(t, reg, coreDuration))
	requireExposition(t, reg, coreTotalHead+fmt.Sprintf("gin_http_request_total{method=\"GET\",status=\"200\"} %d\n", counts[0]), coreTotal)
}

// TestSkipperDecoratorBeforeDefaultsPanic: a skipped request whose handler
// panics, the instance's first skip, is left out by a decorator before the
// default middleware as by the default metrics; the unskipped panic that
// follows is counted once by each.
func TestSkipperDecoratorBeforeDefaultsPanic(t *testing.T) {
	t.Parallel()
	for _, k := range decoAfterKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			m := ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithSkipper(skipProbe))
			r := gin.New()
			r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(http.StatusInternalServerError) }),
				k.make(m, "early", "Early.", nil))
			m.Instrument(r)
			r.GET("/p", func(*gin.Context) { panic("boom") })
			require.Equal(t, http.StatusInternalServerError, serve(r, http.MethodGet, "/p", markProbe, "1").Code)
			require.Equal(t, http.StatusInternalServerError, serve(r, http.MethodGet, "/p").Code)
			require.Equal(t, http.StatusInternalServerError, serve(r, http.MethodGet, "/p", markProbe, "1").Code)
			decoRequireSeries(t, reg, k, "early"+k.suffix, "Early.", map[string]float64{"": 1})
			assert.Equal(t, map[string]uint64{`method="GET",path="/p",status="500"`: 1}, samples(t, reg, coreDuration))
			requireExposition(t, reg, coreExceptionsHead+`gin_http_request_exceptions_total{method="GET",status="500"} 1`+"\n", coreExceptions)
		})
	}
}
