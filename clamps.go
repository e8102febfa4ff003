package ginprom

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file holds what bounds the values that come from clients: the
// method and status tables and their clamps, and the repair of label
// values. Nothing here allocates for a value that needs no change.

// MaxValueLen is the most bytes a label value taken from a request may
// have. That covers the path under [GroupByPath] and what the functions of
// [GroupByFunc], of [LimitValues] and of [Labels] (of decorators and of
// [WithDefaultLabels]) return. Such a value is first repaired if it is not
// valid UTF-8 (each run of invalid bytes becomes U+FFFD); if it is then
// longer than MaxValueLen, it is cut between two runes and ends in
// [CutMark], which counts towards the limit. Values fixed at setup
// (static labels, route templates, handler names) are not cut.
//
// Without the cut, a bounded number of series could still hold unbounded
// bytes: fifty 1 MB tenant headers would make fifty series of 1 MB each,
// repeated on every bucket line of every scrape.
const MaxValueLen = 1024

// CutMark ends every label value that was cut to [MaxValueLen] bytes: a
// value of more than MaxValueLen bytes is exposed as its first bytes, up to
// a UTF-8 boundary, followed by CutMark.
const CutMark = "…"

// clientValue bounds a label value that comes from a request. It is the
// value repaired as repairUTF8 repairs it, and then, if that is longer than
// MaxValueLen bytes, its longest prefix of whole runes that leaves room for
// CutMark, followed by CutMark. A valid value within the limit is returned
// as it is, without allocation. Any other value is copied into a new string
// of at most MaxValueLen bytes, so that the request's longer string is not
// retained; the work stops once the copy is full.
func clientValue(s string) string {
	if len(s) <= MaxValueLen && utf8.ValidString(s) {
		return s
	}
	return boundValue(s)
}

// boundValue is clientValue for a value that needs a change.
func boundValue(s string) string {
	const room = MaxValueLen - len(CutMark)
	var buf [MaxValueLen]byte
	n := 0       // bytes in buf
	keep := 0    // bytes of buf that leave room for CutMark
	bad := false // the last byte read was part of an invalid sequence
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var enc string
		switch {
		case r == utf8.RuneError && size == 1:
			// A run of invalid bytes becomes one U+FFFD.
			i++
			if bad {
				continue
			}
			bad, enc = true, "\uFFFD"
		default:
			bad, enc = false, s[i:i+size]
			i += size
		}
		if n+len(enc) > MaxValueLen {
			n = keep + copy(buf[keep:], CutMark)
			return string(buf[:n])
		}
		n += copy(buf[n:], enc)
		if n <= room {
			keep = n
		}
	}
	return string(buf[:n])
}

// repairUTF8 returns s if it is valid UTF-8, and otherwise a copy with each
// invalid byte sequence replaced by U+FFFD. client_golang panics on invalid
// label values; this keeps them from reaching it. Valid input costs no
// allocation.
func repairUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// The methods a request is recorded under. Any other method is recorded as
// OTHER, so a client cannot create series by inventing methods.
const (
	methodGet = iota
	methodHead
	methodPost
	methodPut
	methodPatch
	methodDelete
	methodConnect
	methodOptions
	methodTrace
	methodOther
	numMethods
)

// methodNames are the label values of the method indexes.
var methodNames = [numMethods]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace, "OTHER",
}

// methodIndex clamps a request method to one of the standard methods, or
// methodOther. Methods are case-sensitive: "get" is OTHER.
func methodIndex(m string) int {
	switch m {
	case http.MethodGet:
		return methodGet
	case http.MethodHead:
		return methodHead
	case http.MethodPost:
		return methodPost
	case http.MethodPut:
		return methodPut
	case http.MethodPatch:
		return methodPatch
	case http.MethodDelete:
		return methodDelete
	case http.MethodConnect:
		return methodConnect
	case http.MethodOptions:
		return methodOptions
	case http.MethodTrace:
		return methodTrace
	}
	return methodOther
}

// statusDigits holds "100101102...999": the label value of status code n is
// the three bytes at (n-100)*3, a substring that costs no allocation.
var statusDigits = func() string {
	var b strings.Builder
	b.Grow(900 * 3)
	for n := 100; n < 1000; n++ {
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}()

// clampStatus maps a status code to the range net/http can send, 100 to
// 999. Gin keeps whatever a handler passes to c.Status; net/http refuses to
// write a code outside that range and the client gets no response, which is
// recorded as 500.
func clampStatus(code int) int {
	if code < 100 || code > 999 {
		return http.StatusInternalServerError
	}
	return code
}

// statusLabel returns the decimal label value of a status code that
// clampStatus returned.
func statusLabel(code int) string {
	i := (code - 100) * 3
	return statusDigits[i : i+3]
}
