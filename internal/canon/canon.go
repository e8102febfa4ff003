// Package canon is the one step that makes a value taken from a request
// canonical before it decides a series: the method and status clamps, and
// the repair and cut of label values and error messages. Two values whose
// canonical forms are equal are exposed alike, so whatever interns or
// compares values from requests does so on their canonical forms only.
//
// The order is fixed: clamp, repair invalid UTF-8, cut, then map reserved
// or empty spellings (the caller's part, since the spellings are the
// caller's). Nothing here allocates for a value that needs no change.
package canon

import (
	"strings"
	"unicode/utf8"
)

// Bounds of the values taken from requests.
const (
	// MaxValueLen is the most bytes of a label value taken from a
	// request, CutMark included.
	MaxValueLen = 1024
	// CutMark ends a label value that was cut to MaxValueLen bytes.
	CutMark = "…"
	// MaxMessageBytes is the most bytes of an error message, which is cut
	// without a mark.
	MaxMessageBytes = 256
)

// Reserved spellings: the label values ginprom gives itself.
const (
	// Overflow stands for the values past a bound on distinct values.
	Overflow = "<overflow>"
	// Unmatched is the group-by value of a request that matched no route.
	Unmatched = "<unmatched>"
	// PanicValue is the value of a label whose function panicked.
	PanicValue = "<panic>"
)

// Message returns the canonical form of an error message: msg repaired,
// then cut to at most MaxMessageBytes bytes on a rune boundary, without a
// mark. The repair comes first, so that the exposed message is within the
// bound. A valid message is returned, or cut, as a substring of msg,
// without allocation; only an invalid one is copied.
func Message(msg string) string {
	if !utf8.ValidString(msg) {
		return bound(msg, MaxMessageBytes, "")
	}
	if len(msg) <= MaxMessageBytes {
		return msg
	}
	i := MaxMessageBytes
	for !utf8.RuneStart(msg[i]) {
		i--
	}
	return msg[:i]
}

// Repair returns s if it is valid UTF-8, and otherwise a copy with each run
// of invalid bytes replaced by U+FFFD. client_golang panics on invalid label
// values; this keeps them from reaching it. It does not cut: use it for
// values fixed at setup.
func Repair(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// bound returns s repaired and, if that is longer than limit bytes, cut to
// its longest prefix of whole runes that leaves room for mark, followed by
// mark. limit is at most MaxValueLen.
func bound(s string, limit int, mark string) string {
	room := limit - len(mark)
	var buf [MaxValueLen]byte
	n := 0       // bytes in buf
	keep := 0    // bytes of buf that leave room for mark
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
		if n+len(enc) > limit {
			n = keep + copy(buf[keep:], mark)
			return string(buf[:n])
		}
		n += copy(buf[n:], enc)
		if n <= room {
			keep = n
		}
	}
	return string(buf[:n])
}

// LabelName reports whether s is a label name every Prometheus version
// accepts, [a-zA-Z_][a-zA-Z0-9_]*, and not one reserved for internal use
// (beginning with "__").
func LabelName(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b != '_' && (b < 'a' || b > 'z') && (b < 'A' || b > 'Z') && (i == 0 || b < '0' || b > '9') {
			return false
		}
	}
	return true
}
