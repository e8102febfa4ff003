package canon

import (
	"net/http"
	"strconv"
	"strings"
)

// The methods a request is recorded under. Any other method is recorded as
// Other, so a client cannot create series by inventing methods.
const (
	MethodGet = iota
	MethodHead
	MethodPost
	MethodPut
	MethodPatch
	MethodDelete
	MethodConnect
	MethodOptions
	MethodTrace
	MethodOther
	NumMethods
)

// MethodNames are the label values of the method indexes.
var MethodNames = [NumMethods]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace, "OTHER",
}

// Method clamps a request method to one of the standard methods, or
// MethodOther. Methods are case-sensitive: "get" is OTHER.
func Method(m string) int {
	switch m {
	case http.MethodGet:
		return MethodGet
	case http.MethodHead:
		return MethodHead
	case http.MethodPost:
		return MethodPost
	case http.MethodPut:
		return MethodPut
	case http.MethodPatch:
		return MethodPatch
	case http.MethodDelete:
		return MethodDelete
	case http.MethodConnect:
		return MethodConnect
	case http.MethodOptions:
		return MethodOptions
	case http.MethodTrace:
		return MethodTrace
	}
	return MethodOther
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

// Status maps a status code to the range net/http can send, 100 to 999.
// Gin keeps whatever a handler passes to c.Status; net/http refuses to
// write a code outside that range and the client gets no response, which is
// recorded as 500.
func Status(code int) int {
	if code < 100 || code > 999 {
		return http.StatusInternalServerError
	}
	return code
}

// StatusLabel returns the decimal label value of a status code; a code
// outside 100 to 999 is clamped by Status first.
func StatusLabel(code int) string {
	i := (Status(code) - 100) * 3
	return statusDigits[i : i+3]
}
