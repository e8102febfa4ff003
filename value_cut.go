package ginprom

import (
	"strings"
	"unicode/utf8"
)

// clientValue bounds a label value taken from outside: it repairs invalid
// UTF-8 and cuts the value to 1024 bytes. Stand-in until the shared clamp
// of label values lands; valid short values are returned as is.
func clientValue(s string) string {
	const limit, mark = 1024, "…"
	s = repairUTF8(s)
	if len(s) > limit {
		n := limit - len(mark)
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = strings.Clone(s[:n]) + mark
	}
	return s
}
