package ginprom

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// pathMatcher decides whether a request path is excluded from the metrics.
// It is built once by compileExcluded and only read afterwards.
type pathMatcher struct {
	// prefixes holds the expressions that are plain literals; matching them
	// is strings.HasPrefix.
	prefixes []string
	// res are the other expressions, each anchored at the start.
	res []*regexp.Regexp
}

// compileExcluded compiles the expressions given to WithExcludedPaths, and
// panics, naming the expression, if one does not compile.
func compileExcluded(patterns []string) pathMatcher {
	var pm pathMatcher
	for _, p := range patterns {
		parsed, err := syntax.Parse(p, syntax.Perl)
		if err != nil {
			panic(fmt.Sprintf("ginprom: WithExcludedPaths(%q): not a valid regular expression: %v", p, err))
		}
		if lit, ok := literal(parsed); ok {
			pm.prefixes = append(pm.prefixes, lit)
			continue
		}
		// The parsed form, not p, goes inside the anchoring group: p may
		// end in an open \Q quote that would swallow the group's end.
		pm.res = append(pm.res, regexp.MustCompile(`^(?:`+parsed.String()+`)`))
	}
	return pm
}

// literal reports whether the parsed expression matches only the string
// lit, so that matching it at the start of a path is a prefix test.
func literal(re *syntax.Regexp) (lit string, ok bool) {
	switch re = re.Simplify(); re.Op {
	case syntax.OpEmptyMatch:
		return "", true
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return "", false
		}
		return string(re.Rune), true
	}
	return "", false
}

// active reports whether any expression was given.
func (pm *pathMatcher) active() bool {
	return len(pm.prefixes) > 0 || len(pm.res) > 0
}

// match reports whether path is excluded.
func (pm *pathMatcher) match(path string) bool {
	for _, p := range pm.prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	for _, re := range pm.res {
		if re.MatchString(path) {
			return true
		}
	}
	return false
}
