//go:build !race

package ginprom_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInstrumentClientAllocs: once its series is resolved, a request
// through InstrumentClient allocates nothing beyond what next allocates
// (here nothing), for responses and transport errors alike, under the
// default names and the Big Brother protocol's.
func TestInstrumentClientAllocs(t *testing.T) {
	resp := &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}
	refused := errors.New("connection refused")
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		switch r.URL.Path {
		case "/refused":
			return nil, refused
		case "/canceled":
			return nil, context.Canceled
		}
		return resp, nil
	})
	for _, names := range []struct {
		name, family string
		opts         []ginprom.Option
	}{
		{"default names", depRequests, nil},
		{"big brother names", "dependency_request_seconds", []ginprom.Option{ginprom.WithBigBrother("1.0.0")}},
	} {
		for _, path := range []string{"/ok", "/refused", "/canceled"} {
			t.Run(names.name+" "+path, func(t *testing.T) {
				m, reg := depMetrics(t, names.opts...)
				rt := m.InstrumentClient("api", next)
				req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "http://api"+path, nil)
				// send sends req through tr and closes the body, as a
				// client does; next's is http.NoBody, whose Close returns nil.
				send := func(tr http.RoundTripper) {
					if resp, _ := tr.RoundTrip(req); resp != nil {
						_ = resp.Body.Close()
					}
				}
				bare := testing.AllocsPerRun(500, func() { send(next) })
				send(rt)
				with := testing.AllocsPerRun(500, func() { send(rt) })
				// AllocsPerRun's average is a whole number.
				assert.Equal(t, int(bare), int(with), "allocations per request through next and through InstrumentClient")
				assert.Zero(t, with)
				var n uint64
				for _, c := range samples(t, reg, names.family) {
					n += c
				}
				require.EqualValues(t, 502, n, "requests recorded: one, then AllocsPerRun's warm-up and 500 runs")
			})
		}
	}
}
