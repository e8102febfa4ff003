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
