package ginprom_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
)

// lenientWriter is an http.ResponseWriter that takes any status code, as
// httptest.ResponseRecorder does not (it panics outside 100 to 999).
type lenientWriter struct{ h http.Header }

func (w *lenientWriter) Header() http.Header {
	if w.h == nil {
		w.h = http.Header{}
	}
	return w.h
}
func (*lenientWriter) Write(b []byte) (int, error) { return len(b), nil }
func (*lenientWriter) WriteHeader(int)             {}

// pathMethods are request methods that differ from the nine standard ones
// and from each other in one byte at each position, in case, or in length
// (0 to 12 bytes), each in a string of its own as a request line gives it.
func pathMethods() []string {
	std := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "OTHER"}
	var ms []string
	add := func(b []byte) { ms = append(ms, string(b)) }
	for _, n := range std {
		add([]byte(n))
		add([]byte(strings.ToLower(n)))
		add([]byte(n + "S"))
		add([]byte(n[1:]))
		for i := range len(n) {
			b := []byte(n)
			b[i] = 'Q'
			add(b)
			b[i] = n[i] | 0x20
			add(b)
		}
	}
	const word = "ABCDEFGHIJKL"
	for n := 0; n <= len(word); n++ {
		add([]byte(word[:n]))
		for i := range n {
			b := []byte(word[:n])
			b[i] = 'Z'
			add(b)
		}
	}
	// The first and last 4 bytes of a standard name around another middle.
	add([]byte("CONNXCT"))
	add([]byte("OPTIXNS"))
	add([]byte("DELXTE"))
	slices.Sort(ms)
	return slices.Compact(ms)
}

// expectStatus is the status a request is recorded with when its handler
// sets code, for a live or a canceled request (see canon.ClientStatus).
func expectStatus(code int, canceled bool) string {
	switch {
	case canceled:
		return "499"
	case code <= 0: // Gin keeps 200
		return "200"
	case code < 100 || code > 999:
		return "500"
	case code < 200 && code != http.StatusSwitchingProtocols:
		return "200"
	}
	return strconv.Itoa(code)
}

// TestRequestPathMethodsAndStatuses sends, in random order, requests with
// methods that differ from a standard one or from each other in one byte,
// in case or in length, each routed to the same handler on the same path,
// with statuses in and out of range, live and with a canceled context:
// each is counted under its canonical method (OTHER for any but the nine)
// and status, and the route cache never lends one method's series to
// another, also for requests that match no route, which share one full
// path and one last handler.
func TestRequestPathMethodsAndStatuses(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	h := func(c *gin.Context) {
		code, _ := strconv.Atoi(c.Query("code"))
		if c.Query("body") != "" {
			c.String(code, "x")
			return
		}
		c.Status(code)
	}
	methods := pathMethods()
	routed := map[string]bool{}
	for _, m := range methods {
		if m != "" && strings.Trim(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" { // what Gin accepts
			a.r.Handle(m, "/p", h)
			routed[m] = true
		}
	}
	codes := []int{-1, 0, 1, 100, 101, 150, 199, 200, 201, 204, 299, 404, 499, 500, 599, 999, 1000, 1 << 20}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	want := map[string]uint64{}
	rng := rand.New(rand.NewPCG(3, 9)) //nolint:gosec // G404: a seeded test, not a secret.
	standard := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE"}
	for i := range 1500 {
		// Every other request has a standard method, whose entry the
		// next, any method, may find in the route cache.
		m := methods[rng.IntN(len(methods))]
		if i%2 == 0 {
			m = standard[rng.IntN(len(standard))]
		}
		code := codes[rng.IntN(len(codes))]
		dead := rng.IntN(5) == 0
		// Requests that match no route share one full path, "", and one
		// last handler: the route cache then keys them by the method's
		// length and first byte only.
		path := "/p"
		if rng.IntN(3) == 0 {
			path = "/nowhere"
		}
		target := path + "?code=" + strconv.Itoa(code)
		if rng.IntN(2) == 0 {
			target += "&body=1"
		}
		req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, target, nil)
		req.Method = strings.Clone(m)
		if dead {
			req = req.WithContext(canceled)
		}
		a.r.ServeHTTP(&lenientWriter{}, req)
		method := m
		if !slices.Contains(standard, m) {
			method = "OTHER"
		}
		if !routed[m] || path != "/p" {
			// No route takes the method: Gin answers 404.
			want[`method="`+method+`",status="`+expectStatus(http.StatusNotFound, dead)+`"`]++
			continue
		}
		want[`method="`+method+`",status="`+expectStatus(code, dead)+`"`]++
	}
	require.Equal(t, want, counters(t, a, "gin_http_request_total"))
	requireLint(t, a.reg)
}
