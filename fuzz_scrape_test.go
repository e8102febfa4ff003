package ginprom_test

import (
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The schemas and group-bys of FuzzScrape, chosen by its mode byte: the
// schema is mode%3, the group-by (mode/3)%4, a series budget of
// fuzzScrapeLimit when (mode/12)%2 is 1, and fuzzScrapeFill says that
// MaxErrorMessages other messages are set first.
var (
	fuzzScrapeSchemas = [][]ginprom.Option{nil, {ginprom.WithBigBrother("1")}, {ginprom.WithSemconv()}, {ginprom.WithSchema(ginprom.Schema{
		// Leaves the status out of the duration: the keys of a route's
		// statuses expose alike and are one series.
		Duration: ginprom.Family{Name: "merged_seconds", Labels: []ginprom.Label{
			{Name: "method", Value: ginprom.Method}, {Name: "route", Value: ginprom.Route},
		}},
		RequestSize:  ginprom.Family{Name: "merged_request_bytes"},
		ResponseSize: ginprom.Family{Name: "merged_response_bytes"},
	})}}
	fuzzScrapeGroupBys = []ginprom.GroupBy{
		ginprom.GroupByRoute, ginprom.GroupByPath, ginprom.GroupByHandler,
		ginprom.GroupByFunc("tenant", func(c *gin.Context) string { return c.GetHeader("X-Tenant") }),
	}
)

// fuzzScrapeDurations are the duration histograms of fuzzScrapeSchemas.
var fuzzScrapeDurations = []string{"gin_http_request_duration_seconds", "request_seconds", "http_server_request_duration_seconds", "merged_seconds"}

// Bits of a mode besides the schema and group-by: fill the error messages
// past their bound first; use the merging schema.
const (
	fuzzScrapeFill   = 0x80
	fuzzScrapeMerged = 0x40
	fuzzScrapeBudget = 12 // added to a mode: a series budget of fuzzScrapeLimit
	fuzzScrapeLimit  = 2
)

// FuzzScrape sends arbitrary bytes into every value a request feeds: the
// path, the header that a GroupByFunc, a default label function and a
// decorator label read, two error messages (SetErrorMessage), an
// ObserveMessage event and the status a handler sets, in range or not;
// under each schema and group-by, with the default series budget or a
// small one. After each input the registry gathers without error, the
// metrics route answers 200, and the duration's counts add up to exactly
// the requests sent.
func FuzzScrape(f *testing.F) {
	for _, seed := range []struct {
		target, header, msg1, msg2, event string
		status                            int
		mode                              byte
	}{
		{"/r/1", "acme", "", "", "ok", 200, 0},
		{"/r/1", "", "bad\xff", "bad\xfe", "e", 500, 1},
		{"/r/1", "", "<overflow>", "m", "e", 500, 1 | fuzzScrapeFill},
		{"/r/1", "", ginprom.Overflow, ginprom.Overflow, ginprom.Overflow, 500, 1 + 9 | fuzzScrapeFill},
		{"/r/1", "", "", "", "", 200, 2 + 9},     // semconv: an empty tenant header
		{"/nowhere", "", "", "", "", 200, 2 + 9}, // and an unknown path
		{"/r/1", "<unmatched>", "", "", "", 200, 2 + 9},
		{"/r/%ff%fe", "\xff", "\xff\xfe", "\xfd", "\xff", 200, 3},
		{"/r/x", "h", "m", "m", "e", -1, 4},
		{"/r/x", "h", "m", "m", "e", 1000, 5},
		{"/r/x", "h", "m", "m", "e", 99, 7},
		{"/r/x", "", string(make([]byte, 300)), string(make([]byte, 301)), "e", 404, 10},
		{"/r/1", "", "", "", "", 101, 6},
		{"/r/1", "t", "", "", "", 404, fuzzScrapeMerged + 9},
		{"/r/1", "t", "", "", "", 200, fuzzScrapeMerged + 3},
		{"/r/%ff%fe", "\xff", "\xff\xfe", "\xfd", "\xff", 200, fuzzScrapeBudget + 3},
		{"/r/x", "<overflow>", "m", "m", "e", 500, fuzzScrapeBudget + 9},
		{"/r/1", "", "<overflow>", "m", "e", 500, fuzzScrapeBudget + 1 | fuzzScrapeFill},
		{"/r/1", "t", "", "", "", 404, fuzzScrapeBudget + fuzzScrapeMerged + 9},
		{"/r/1", "", "", "", "", 200, fuzzScrapeBudget + 2},
	} {
		f.Add(seed.target, seed.header, seed.msg1, seed.msg2, seed.event, seed.status, seed.mode)
	}
	f.Fuzz(func(t *testing.T, target, header, msg1, msg2, event string, status int, mode byte) {
		if _, ok := fuzzNewRequest(http.MethodGet, target, header, ""); !ok {
			t.Skip("net/http would answer 400")
		}
		x := int(mode &^ (fuzzScrapeFill | fuzzScrapeMerged))
		schema, groupBy := x%3, x/3%4
		limit := ginprom.DefaultSeriesLimit
		if x/fuzzScrapeBudget%2 == 1 {
			limit = fuzzScrapeLimit
		}
		if mode&fuzzScrapeMerged != 0 {
			schema = 3
		}
		if schema == 2 {
			groupBy = 0 // WithSemconv takes route templates only
		}
		reg := prometheus.NewRegistry()
		r := gin.New()
		r.RedirectTrailingSlash, r.RedirectFixedPath = false, false
		opts := append(slices.Clone(fuzzScrapeSchemas[schema]), ginprom.WithRegistry(reg),
			ginprom.WithGroupBy(fuzzScrapeGroupBys[groupBy]), ginprom.WithSeriesLimit(limit),
			ginprom.WithDefaultLabels(ginprom.Labels{"client": fuzzHeader}),
			ginprom.WithNativeHistograms(1.1))
		if schema != 1 { // the Big Brother protocol names no size histograms
			opts = append(opts, ginprom.WithRequestSize(), ginprom.WithResponseSize())
		}
		m := ginprom.New(r, opts...)
		r.GET("/r/:id", m.Counter("fuzz_by_client", "Requests by client.", ginprom.Labels{"who": fuzzHeader}), func(c *gin.Context) {
			ginprom.SetErrorMessage(c, c.GetHeader("X-Message"))
			m.ObserveMessage(event, time.Millisecond, len(target), len(header), nil)
			c.Status(status)
		})
		sent := 0
		send := func(target, msg string) {
			req, ok := fuzzNewRequest(http.MethodGet, target, header, "")
			require.True(t, ok)
			req.Header.Set("X-Tenant", header)
			req.Header.Set("X-Message", msg)
			fuzzServe(r, req)
			sent++
		}
		if mode&fuzzScrapeFill != 0 {
			for i := range ginprom.MaxErrorMessages + 1 {
				send("/r/fill", "m"+strconv.Itoa(i))
			}
		}
		if !fuzzValidHeader(msg1) || !fuzzValidHeader(msg2) {
			msg1, msg2 = "", ""
		}
		send(target, msg1)
		send(target, msg2)
		send("/nowhere", "")
		if w := serve(r, http.MethodGet, "/metrics"); !assert.Equal(t, http.StatusOK, w.Code, "the metrics route") {
			t.Log(w.Body.String())
		}
		mfs, err := reg.Gather()
		require.NoError(t, err, "the scrape failed")
		// Every schema has the duration; Big Brother has no request
		// counter, so the durations' counts are what add up.
		var total float64
		for _, mf := range mfs {
			if mf.GetName() == fuzzScrapeDurations[schema] {
				for _, m := range mf.GetMetric() {
					total += float64(m.GetHistogram().GetSampleCount())
				}
			}
		}
		if req, _ := fuzzNewRequest(http.MethodGet, target, header, ""); req.URL.Path == "/metrics" {
			sent -= 2 // scrapes, not counted
		}
		assert.InDelta(t, float64(sent), total, 0, "the requests recorded")
		checkNativeConsistent(t, mfs)
	})
}
