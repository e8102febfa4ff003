package ginprom

import (
	"strings"
	"testing"
)

// TestSameMethod: the route cache's comparison of a request's method with
// an entry's canonical name agrees with string equality, for the nine
// names and spellings that differ from one of them in a single byte, at
// each position (the comparison reads words of 4 bytes from both ends),
// in case, or in length, each with its bytes in a string of its own as a
// request line gives them.
func TestSameMethod(t *testing.T) {
	t.Parallel()
	names := []string{"GET", "PUT", "HEAD", "POST", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "OTHER"}
	methods := []string{"", "G", "GE", "GETS", "PROPFIND", "PROPFINDS", "MKCALENDAR", "get"}
	for _, n := range names {
		methods = append(methods, n, n+"X", n[:len(n)-1])
		for i := range len(n) {
			b := []byte(n)
			b[i] ^= 0x01
			methods = append(methods, string(b))
			b[i] ^= 0x01 | 0x20
			methods = append(methods, string(b))
		}
	}
	for _, name := range append(names, methods...) {
		for _, m := range methods {
			m = strings.Clone(m)
			if got, want := sameMethod(name, m), name == m; got != want {
				t.Errorf("sameMethod(%q, %q) = %v, want %v", name, m, got, want)
			}
			if got, want := sameString(name, m), name == m; got != want {
				t.Errorf("sameString(%q, %q) = %v, want %v", name, m, got, want)
			}
		}
	}
}
