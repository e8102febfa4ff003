package ginprom_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// oracleBase is one backing string whose prefixes a label function hands
// out: the same address, different lengths.
var oracleBase = strings.Repeat("abcdefgh", 4)

// oracleLong is a fixed value past canon's bound, and oracleBad invalid
// UTF-8 that canon repairs.
var (
	oracleLong = strings.Repeat("L", 1500)
	oracleBad  = "x\xff\xfey"
)

// oracleValue is the label function of the oracle test: what it does is
// read from the request's "l" query, so that every app and every call for
// one request agree.
func oracleValue(c *gin.Context) string {
	l := c.Query("l")
	n, _ := strconv.Atoi(l[1:])
	switch l[0] {
	case 'p': // a prefix of one backing string
		return oracleBase[:n%(len(oracleBase)+1)]
	case 'b': // built per request: a new address, the same bytes
		return "built-" + strconv.Itoa(n%3)
	case 'u': // invalid UTF-8, fixed or built per request
		if n%2 == 0 {
			return oracleBad
		}
		return string([]byte(oracleBad))
	case 'o':
		return ginprom.Overflow
	case 'e':
		return ""
	case 'g': // long, cut alike whatever the length past the bound
		return oracleLong[:1025+n%4]
	case 's': // the status the handler wrote
		return strconv.Itoa(c.Writer.Status())
	case 'P':
		panic("label boom")
	case 'N':
		panic(nil) //nolint:govet // a nil panic is a case under test.
	case 'X':
		runtime.Goexit()
	}
	return "const"
}

// oracleHandler does what the request's "h" query says, and calls the
// ExcludeAllMetrics handler of the app once it is made, for "x=1".
func oracleHandler(excl *atomic.Pointer[gin.HandlerFunc]) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Query("x") != "" {
			if h := excl.Load(); h != nil {
				(*h)(c)
			}
		}
		h := c.Query("h")
		n, _ := strconv.Atoi(h[1:])
		switch h[0] {
		case 'c':
			c.Status(n)
		case 'P':
			panic("handler boom")
		case 'N':
			panic(nil) //nolint:govet // a nil panic is a case under test.
		case 'X':
			runtime.Goexit()
		case 'A':
			c.AbortWithStatus(n)
		}
	}
}

// outcome is what the client side saw of one request.
type outcome struct {
	code      int
	panicked  string
	goexited  bool
	returning bool
}

// serveOutcome serves one request in a goroutine of its own, so that a
// panic or runtime.Goexit reaches the test as a value.
func serveOutcome(h http.Handler, target string) outcome {
	var o outcome
	done := make(chan struct{})
	go func() {
		defer close(done)
		exited := true
		defer func() {
			if r := recover(); r != nil {
				exited = false
				o.panicked = fmt.Sprint(r)
			}
			o.goexited = exited && !o.returning
		}()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequestWithContext(context.Background(), http.MethodGet, target, nil))
		o.code, o.returning = w.Code, true
	}()
	<-done
	return o
}

// flat returns every series of every family gathered from g, as
// name{labels} → value (a counter's or gauge's value, a histogram's or
// summary's count), without the label drop.
func flat(t *testing.T, g prometheus.Gatherer, drop string) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var pairs []string
			for _, l := range m.GetLabel() {
				if l.GetName() != drop {
					pairs = append(pairs, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
				}
			}
			sort.Strings(pairs)
			key := mf.GetName() + "{" + strings.Join(pairs, ",") + "}"
			var v float64
			switch {
			case m.GetCounter() != nil:
				v = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				v = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				v = float64(m.GetHistogram().GetSampleCount())
			case m.GetSummary() != nil:
				v = float64(m.GetSummary().GetSampleCount())
			}
			out[key] = v
		}
	}
	return out
}

// TestDecoratorFastHandlerOracle sends the same random requests to three
// apps with one decorator each: the fast handler of a decorator whose only
// label is a label function; the same decorator beside a static label
// (which looks its series up the general way); and the same decorator
// under an exclusion that no request matches (afterChain). Label functions
// and handlers panic, panic(nil), call runtime.Goexit or write odd
// statuses; ExcludeAllMetrics comes into use half-way; a skipper skips
// some; a small series budget fills. Every app must record exactly the
// same series, and the clients must see the same outcome.
func TestDecoratorFastHandlerOracle(t *testing.T) {
	t.Parallel()
	labelOps := []string{"p", "b", "u", "o", "e", "g", "s", "k", "P", "N", "X"}
	handlerOps := []string{"c200", "c404", "c0", "c199", "c999", "c1000", "c-1", "A503", "P", "N", "X"}
	for _, k := range decoAfterKinds {
		for i, defaults := range []bool{false, true} {
			for j, recovery := range []bool{false, true} {
				limit := (i + j) % 2 * 12 // half with no budget to fill
				t.Run(fmt.Sprintf("%s/defaults=%t/recovery=%t/limit=%d", k.name, defaults, recovery, limit), func(t *testing.T) {
					t.Parallel()
					type oracleApp struct {
						*app
						excl atomic.Pointer[gin.HandlerFunc]
					}
					skip := func(c *gin.Context) bool { return c.Query("skip") != "" }
					mk := func(labels ginprom.Labels, extra ...ginprom.Option) *oracleApp {
						opts := []ginprom.Option{ginprom.WithSeriesLimit(limit)}
						if !defaults {
							opts = append(opts, ginprom.WithoutDefaults())
						} else {
							opts = append(opts, ginprom.WithSkipper(skip))
						}
						a := &oracleApp{app: newApp(t, append(opts, extra...)...)}
						if recovery {
							a.r.Use(decoQuiet())
						}
						a.r.GET("/r", k.make(a.m, "d", "D.", labels), oracleHandler(&a.excl))
						return a
					}
					fast := mk(ginprom.Labels{"v": oracleValue})
					two := mk(ginprom.Labels{"v": oracleValue, "z": "k"})
					general := mk(ginprom.Labels{"v": oracleValue}, ginprom.WithExcludedPaths("/never"))
					apps := []*oracleApp{fast, two, general}
					rng := rand.New(rand.NewPCG(uint64(len(k.name)), 9)) //nolint:gosec // G404: a seeded test, not a secret.
					const n = 200
					for i := range n {
						if i == n/2 {
							for _, a := range apps {
								h := a.m.ExcludeAllMetrics()
								a.excl.Store(&h)
							}
						}
						lop := labelOps[rng.IntN(len(labelOps))]
						hop := handlerOps[rng.IntN(len(handlerOps))]
						target := fmt.Sprintf("/r?l=%s%d&h=%s", lop, rng.IntN(40), hop)
						if rng.IntN(8) == 0 {
							target += "&x=1"
						}
						if defaults && rng.IntN(10) == 0 {
							target += "&skip=1"
						}
						want := serveOutcome(fast.r, target)
						for _, a := range apps[1:] {
							require.Equal(t, want, serveOutcome(a.r, target), "request %d %s", i, target)
						}
					}
					want := flat(t, general.reg, "")
					require.NotEmpty(t, want)
					require.Equal(t, want, flat(t, fast.reg, ""), "fast handler against afterChain")
					require.Equal(t, want, flat(t, two.reg, "z"), "fast handler with two labels against afterChain")
				})
			}
		}
	}
}
