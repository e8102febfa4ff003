package ginprom_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/stretchr/testify/assert"
)

// TestMethodLabelOneRoute: one route answers many methods, and its entries
// are found by the method's name, so requests of methods that share a
// length and first byte (GET and GXT, PUT and PXT, OTHER and OTHEX), sent in turns, each keep their own method
// label: a method outside the nine is OTHER, whichever came first.
func TestMethodLabelOneRoute(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodPatch, "GXT", "PXT", "PROPFIND", "OTHER", "OTHEX"} {
		a.r.Handle(m, "/m/:id", ok)
	}
	sends := []string{"GXT", http.MethodGet, "OTHER", "PXT", http.MethodPut, "OTHEX", http.MethodPost, "PROPFIND", http.MethodPatch, "get"}
	const rounds = 3
	for range rounds {
		for _, m := range sends {
			a.do(m, "/m/1")
		}
	}
	key := func(method, path, status string) string {
		return fmt.Sprintf(`method=%q,path=%q,status=%q`, method, path, status)
	}
	assert.Equal(t, map[string]uint64{
		key("GET", "/m/:id", "200"):            rounds,
		key("PUT", "/m/:id", "200"):            rounds,
		key("POST", "/m/:id", "200"):           rounds,
		key("PATCH", "/m/:id", "200"):          rounds,
		key("OTHER", "/m/:id", "200"):          5 * rounds, // GXT, PXT, PROPFIND, OTHER, OTHEX
		key("OTHER", ginprom.Unmatched, "404"): rounds,     // get: methods are case-sensitive
	}, samples(t, a.reg, coreDuration))
}
