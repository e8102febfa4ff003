package probe

import (
	"net/http"
	"strings"
)

// standardMethod reports whether m is one of the methods of net/http's
// Method constants.
func standardMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// validMethod reports whether m is an HTTP token (RFC 9110, section 5.6.2).
func validMethod(m string) bool { return validToken(m) }

// validHeaderValue reports whether v has no control character but tab
// (RFC 9110, section 5.5), as net/http requires of a value it sends.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// validSecret reports whether secret arrives in a header as it is: a valid
// header value without white space at either end, which the receiving
// server would strip.
func validSecret(secret string) bool {
	first, last := secret[0], secret[len(secret)-1]
	return validHeaderValue(secret) && first != ' ' && first != '\t' && last != ' ' && last != '\t'
}

// validToken reports whether m is an HTTP token (RFC 9110, section 5.6.2).
func validToken(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
