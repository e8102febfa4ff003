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
// [WithDefaultLabels]) return. A longer value is cut on a UTF-8 boundary and
// ends in [CutMark], which counts towards the limit. Values fixed at setup
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

// clientValue bounds a label value that comes from a request: it repairs
// invalid UTF-8 and cuts the value to MaxValueLen bytes. A valid value
// within the limit is returned as is, without allocation; a cut value is a
// copy, so that the request's longer string is not retained.
func clientValue(s string) string {
	if len(s) > MaxValueLen {
		s = cutValue(s)
	}
	if !utf8.ValidString(s) {
		// Repairing can lengthen the value: a lone bad byte becomes the
		// three bytes of U+FFFD.
		if s = strings.ToValidUTF8(s, "\uFFFD"); len(s) > MaxValueLen {
			s = cutValue(s)
		}
	}
	return s
}

// cutValue returns the first bytes of s, ending before a rune that would
// cross the limit, followed by CutMark: MaxValueLen bytes at most. It backs
// off at most UTFMax-1 bytes, which finds a rune's start in valid UTF-8;
// invalid input is repaired afterwards.
func cutValue(s string) string {
	n := MaxValueLen - len(CutMark)
	for i := 0; i < utf8.UTFMax-1 && !utf8.RuneStart(s[n]); i++ {
		n--
	}
	return s[:n] + CutMark
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
