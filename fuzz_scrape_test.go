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
	})}, {ginprom.WithSchema(ginprom.GinMetricsSchema())}}
	fuzzScrapeGroupBys = []ginprom.GroupBy{
		ginprom.GroupByRoute, ginprom.GroupByPath, ginprom.GroupByHandler,
		ginprom.GroupByFunc("tenant", func(c *gin.Context) string { return c.GetHeader("X-Tenant") }),
	}
)

// fuzzScrapeDurations are the duration histograms of fuzzScrapeSchemas.
var fuzzScrapeDurations = []string{"gin_http_request_duration_seconds", "request_seconds", "http_server_request_duration_seconds", "merged_seconds", "gin_request_duration"}

// fuzzScrapeCounters are their request counters, "" for none.
var fuzzScrapeCounters = []string{"gin_http_request_total", "", "", "", "gin_uri_request_total"}

// The bits of FuzzScrape's extra byte: WithTotalsByGroup; gin-metrics'
// schema, whose counter has the method and status its duration has not;
// and, in the bits above, the method of the requests (fuzzScrapeMethods,
// or the method given).
const (
	fuzzScrapeTotals    = 1
	fuzzScrapeGinMetric = 2
	fuzzScrapeMethodSh  = 2
)

var fuzzScrapeMethods = []string{http.MethodGet, http.MethodPost, http.MethodHead, ""}

// Bits of a mode besides the schema and group-by: fill the error messages
// past their bound first; use the merging schema.
const (
	fuzzScrapeFill   = 0x80
	fuzzScrapeMerged = 0x40
	fuzzScrapeBudget = 12 // added to a mode: a series budget of fuzzScrapeLimit
	fuzzScrapeLimit  = 2
)

// FuzzScrape sends arbitrary bytes into every value a request feeds: the
// method, the path, the header that a GroupByFunc, a default label
// function and a decorator label read, a second header that another
// default label function and decorator label read, two error messages
// (SetErrorMessage), an ObserveMessage event and the status a handler
// sets, in range or not; under each schema (gin-metrics' too) and
// group-by, with or without WithTotalsByGroup, with the default series
// budget or a small one. After each input the registry gathers without
// error, the metrics route answers 200, and the duration's counts, and
// the request counter's, add up to exactly the requests sent.
func FuzzScrape(f *testing.F) {
	for _, seed := range []struct {
		target, header, msg1, msg2, event string
		status                            int
		mode                              byte
		method, header2                   string
		extra                             byte
	}{
		{"/r/1", "acme", "", "", "ok", 200, 0, "", "", 0},
		{"/r/1", "", "bad\xff", "bad\xfe", "e", 500, 1, "", "", 0},
		{"/r/1", "", "<overflow>", "m", "e", 500, 1 | fuzzScrapeFill, "", "", 0},
		{"/r/1", "", ginprom.Overflow, ginprom.Overflow, ginprom.Overflow, 500, 1 + 9 | fuzzScrapeFill, "", "", 0},
		{"/r/1", "", "", "", "", 200, 2 + 9, "", "", 0},     // semconv: an empty tenant header
		{"/nowhere", "", "", "", "", 200, 2 + 9, "", "", 0}, // and an unknown path
		{"/r/1", "<unmatched>", "", "", "", 200, 2 + 9, "", "", 0},
		{"/r/%ff%fe", "\xff", "\xff\xfe", "\xfd", "\xff", 200, 3, "", "", 0},
		{"/r/x", "h", "m", "m", "e", -1, 4, "", "", 0},
		{"/r/x", "h", "m", "m", "e", 1000, 5, "", "", 0},
		{"/r/x", "h", "m", "m", "e", 99, 7, "", "", 0},
		{"/r/x", "", string(make([]byte, 300)), string(make([]byte, 301)), "e", 404, 10, "", "", 0},
		{"/r/1", "", "", "", "", 101, 6, "", "", 0},
		{"/r/1", "t", "", "", "", 404, fuzzScrapeMerged + 9, "", "", 0},
		{"/r/1", "t", "", "", "", 200, fuzzScrapeMerged + 3, "", "", 0},
		{"/r/%ff%fe", "\xff", "\xff\xfe", "\xfd", "\xff", 200, fuzzScrapeBudget + 3, "", "", 0},
		{"/r/x", "<overflow>", "m", "m", "e", 500, fuzzScrapeBudget + 9, "", "", 0},
		{"/r/1", "", "<overflow>", "m", "e", 500, fuzzScrapeBudget + 1 | fuzzScrapeFill, "", "", 0},
		{"/r/1", "t", "", "", "", 404, fuzzScrapeBudget + fuzzScrapeMerged + 9, "", "", 0},
		{"/r/1", "", "", "", "", 200, fuzzScrapeBudget + 2, "", "", 0},
		{"/r/1", "a", "", "", "", 500, fuzzScrapeBudget + 3, "", "b", fuzzScrapeTotals},
		{"/r/1", "a", "", "", "", 500, 3, "PURGE", "<overflow>", fuzzScrapeTotals | 3<<fuzzScrapeMethodSh},
		{"/r/2", "a", "", "", "", 201, fuzzScrapeBudget + 6, "", "\xff", fuzzScrapeGinMetric | 1<<fuzzScrapeMethodSh},
		{"/r/2", "a", "", "", "", 404, fuzzScrapeBudget + 9, "", "b", fuzzScrapeGinMetric | fuzzScrapeTotals | 2<<fuzzScrapeMethodSh},
		{"/r/2", "a", "", "", "", 503, 1, "", "b", fuzzScrapeTotals},
	} {
		f.Add(seed.target, seed.header, seed.msg1, seed.msg2, seed.event, seed.status, seed.mode, seed.method, seed.header2, seed.extra)
	}
	f.Fuzz(func(t *testing.T, target, header, msg1, msg2, event string, status int, mode byte, method, header2 string, extra byte) {
		if m := fuzzScrapeMethods[extra>>fuzzScrapeMethodSh%4]; m != "" || !fuzzValidMethod(method) {
			method = m
		}
		if method == "" {
			method = http.MethodGet
		}
		if _, ok := fuzzNewRequest(method, target, header, ""); !ok || !fuzzValidHeader(header2) {
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
		if extra&fuzzScrapeGinMetric != 0 {
			schema = 4
		}
		if schema == 2 {
			groupBy = 0 // WithSemconv takes route templates only
		}
		reg := prometheus.NewRegistry()
		r := gin.New()
		r.RedirectTrailingSlash, r.RedirectFixedPath = false, false
		opts := append(slices.Clone(fuzzScrapeSchemas[schema]), ginprom.WithRegistry(reg),
			ginprom.WithGroupBy(fuzzScrapeGroupBys[groupBy]), ginprom.WithSeriesLimit(limit),
			ginprom.WithDefaultLabels(ginprom.Labels{"client": fuzzHeader, "team": fuzzSecond}),
			ginprom.WithNativeHistograms(1.1))
		if schema == 0 || schema == 2 || schema == 3 { // the others name no size histograms
			opts = append(opts, ginprom.WithRequestSize(), ginprom.WithResponseSize())
		}
		if extra&fuzzScrapeTotals != 0 && fuzzScrapeCounters[schema] != "" {
			opts = append(opts, ginprom.WithTotalsByGroup())
		}
		m := ginprom.New(r, opts...)
		r.Any("/r/:id", m.Counter("fuzz_by_client", "Requests by client.", ginprom.Labels{"who": fuzzHeader, "squad": fuzzSecond}), func(c *gin.Context) {
			ginprom.SetErrorMessage(c, c.GetHeader("X-Message"))
			m.ObserveMessage(event, time.Millisecond, len(target), len(header), nil)
			c.Status(status)
		})
		sent := 0
		send := func(target, msg string) {
			req, ok := fuzzNewRequest(method, target, header, "")
			require.True(t, ok)
			req.Header.Set("X-Tenant", header)
			req.Header.Set(fuzzSecondHeader, header2)
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
		var total, counted float64
		for _, mf := range mfs {
			switch mf.GetName() {
			case fuzzScrapeDurations[schema]:
				for _, m := range mf.GetMetric() {
					total += float64(m.GetHistogram().GetSampleCount())
				}
			case fuzzScrapeCounters[schema]:
				for _, m := range mf.GetMetric() {
					counted += m.GetCounter().GetValue()
				}
			}
		}
		if req, _ := fuzzNewRequest(method, target, header, ""); req.URL.Path == "/metrics" && method == http.MethodGet {
			sent -= 2 // scrapes, not counted
		}
		assert.InDelta(t, float64(sent), total, 0, "the requests recorded")
		if fuzzScrapeCounters[schema] != "" {
			assert.InDelta(t, float64(sent), counted, 0, "the requests counted")
		}
		checkNativeConsistent(t, mfs)
	})
}

// fuzzSecondHeader is the header that FuzzScrape's second default label
// and decorator label read.
const fuzzSecondHeader = "X-Second"

func fuzzSecond(c *gin.Context) string { return c.GetHeader(fuzzSecondHeader) }
