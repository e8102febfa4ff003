package ginprom_test

import (
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The reproductions of issue 16, "a scrape that never fails": each sends
// ordinary requests through the real router and checks that the registry
// still gathers, with every request in exactly one exposed series.

// messageApp is a Big Brother app whose handler reports the query's m as
// its error message and answers 500.
func messageApp(t *testing.T) *app {
	t.Helper()
	a := newApp(t, ginprom.WithBigBrother("1"))
	a.r.GET("/e", func(c *gin.Context) {
		ginprom.SetErrorMessage(c, c.Query("m"))
		c.Status(http.StatusInternalServerError)
	})
	return a
}

// messages returns the count of each errorMessage of request_seconds.
func messages(t *testing.T, a *app) map[string]uint64 {
	t.Helper()
	mfs, err := a.reg.Gather()
	require.NoError(t, err, "the scrape must not fail")
	out := map[string]uint64{}
	for _, mf := range mfs {
		if mf.GetName() != "request_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "errorMessage" {
					out[l.GetValue()] += m.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	return out
}

// Reproduction 1: two messages that differ only in their invalid bytes
// expose alike, and are one series.
func TestScrapeDefectRepairedMessagesAreOneSeries(t *testing.T) {
	a := messageApp(t)
	a.do(http.MethodGet, "/e?m=bad%FF")
	a.do(http.MethodGet, "/e?m=bad%FE")
	assert.Equal(t, map[string]uint64{"bad\uFFFD": 2}, messages(t, a))
}

// Reproduction 1: a handler's message spelled like Overflow is the overflow
// entry, not a second series that exposes alike once the set is full.
func TestScrapeDefectOverflowMessageIsTheOverflowEntry(t *testing.T) {
	a := messageApp(t)
	a.do(http.MethodGet, "/e?m="+ginprom.Overflow)
	for i := range ginprom.MaxErrorMessages + 1 {
		a.do(http.MethodGet, "/e?m=m"+itoa(i))
	}
	got := messages(t, a)
	assert.Len(t, got, ginprom.MaxErrorMessages+1, "the messages and the overflow entry")
	assert.Equal(t, uint64(2), got[ginprom.Overflow], "the literal message and the one past the bound")
}

// Reproduction 6: a message is repaired before it is cut, so that its
// exposed form is at most MaxErrorMessageBytes bytes, cut between runes;
// and two long messages that expose alike are one series.
func TestScrapeDefectErrorMessageBound(t *testing.T) {
	a := messageApp(t)
	a.do(http.MethodGet, "/e?m="+strings.Repeat("%FF%41", 200))
	a.do(http.MethodGet, "/e?m="+strings.Repeat("%FE%41", 200))
	got := messages(t, a)
	require.Len(t, got, 1)
	for msg, n := range got {
		assert.LessOrEqual(t, len(msg), ginprom.MaxErrorMessageBytes)
		assert.Equal(t, strings.Repeat("\uFFFDA", ginprom.MaxErrorMessageBytes/4), msg)
		assert.Equal(t, uint64(2), n)
	}
}

// Reproduction 2: two keys that expose alike are one series, in either
// order. Under WithSemconv an empty GroupByFunc value and an unmatched
// request both exposed http_route="", and every scrape failed; WithSemconv
// now refuses GroupByFunc at setup, and a schema whose duration leaves out a
// label of the key still merges keys: here the statuses of one route.
func TestScrapeDefectKeysExposedAlikeAreOneSeries(t *testing.T) {
	assert.Panics(t, func() {
		ginprom.New(nil, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithSemconv(),
			ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", func(c *gin.Context) string { return c.GetHeader("X-Tenant") })))
	})
	schema := ginprom.Schema{Duration: ginprom.Family{Name: "lat_seconds", Labels: []ginprom.Label{
		{Name: "method", Value: ginprom.Method}, {Name: "route", Value: ginprom.Route},
	}}}
	for _, missingFirst := range []bool{false, true} {
		a := newApp(t, ginprom.WithSchema(schema))
		a.r.GET("/t/*x", func(c *gin.Context) {
			if c.Param("x") == "/missing" {
				c.Status(http.StatusNotFound)
				return
			}
			ok(c)
		})
		if missingFirst {
			a.do(http.MethodGet, "/t/missing")
		}
		a.do(http.MethodGet, "/t/a")
		a.do(http.MethodGet, "/t/b")
		if !missingFirst {
			a.do(http.MethodGet, "/t/missing")
		}
		_, err := a.reg.Gather()
		require.NoError(t, err)
		assert.Equal(t, map[string]uint64{`method="GET",route="/t/*x"`: 3}, samples(t, a.reg, "lat_seconds"))
	}
}

// Reproduction 4: a skipper that panics, or calls runtime.Goexit, is a
// panic in the chain: the request is recorded once with status 500, and
// once as an exception.
func TestScrapeDefectSkipperPanicIsAnException(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   func(*gin.Context) bool
	}{
		{"panic", func(*gin.Context) bool { panic("skipper bug") }},
		{"goexit", func(*gin.Context) bool { runtime.Goexit(); return false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newRecoveringApp(t, ginprom.WithSkipper(tc.fn), ginprom.WithInFlight())
			a.r.GET("/x", ok)
			goexitServe(t, a.r, "/x")
			assert.Equal(t, map[string]uint64{`method="GET",path="/x",status="500"`: 1}, samples(t, a.reg, coreDuration))
			assert.Equal(t, map[string]float64{`method="GET",status="500"`: 1}, safetyParse(t, a.reg)[coreExceptions])
			assert.Equal(t, map[string]float64{`method="GET"`: 0}, inflight(t, a.reg))
		})
	}
}

// Reproduction 5: a handler's runtime.Goexit, alone or deferred over a
// panic, is no success: the client got no answer; it is recorded as an
// exception with status 500.
func TestScrapeDefectGoexitInHandlerIsAnException(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    gin.HandlerFunc
	}{
		{"goexit", func(c *gin.Context) { c.Status(http.StatusAccepted); runtime.Goexit() }},
		{"goexit over a panic", func(*gin.Context) { defer runtime.Goexit(); panic("boom") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, ginprom.WithInFlight())
			a.r.GET("/exit", tc.h)
			goexitServe(t, a.r, "/exit")
			assert.Equal(t, map[string]uint64{`method="GET",path="/exit",status="500"`: 1}, samples(t, a.reg, coreDuration))
			assert.Equal(t, map[string]float64{`method="GET",status="500"`: 1}, safetyParse(t, a.reg)[coreExceptions])
			assert.Equal(t, map[string]float64{`method="GET"`: 0}, inflight(t, a.reg))
		})
	}
}
