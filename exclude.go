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
	// re is every other expression, joined into one anchored alternation.
	re *regexp.Regexp
}

// compileExcluded compiles the expressions given to WithExcludedPaths, and
// panics, naming the expression, if one does not compile.
func compileExcluded(patterns []string) pathMatcher {
	var pm pathMatcher
	var others []string
	for _, p := range patterns {
		if _, err := regexp.Compile(p); err != nil {
			panic(fmt.Sprintf("ginprom: WithExcludedPaths(%q): not a valid regular expression: %v", p, err))
		}
		if lit, ok := literal(p); ok {
			pm.prefixes = append(pm.prefixes, lit)
			continue
		}
		others = append(others, "(?:"+p+")")
	}
	if len(others) > 0 {
		pm.re = regexp.MustCompile(`^(?:` + strings.Join(others, "|") + `)`)
	}
	return pm
}

// literal reports whether the expression p matches only the string lit, so
// that matching it at the start of a path is a prefix test.
func literal(p string) (lit string, ok bool) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return "", false
	}
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
	return len(pm.prefixes) > 0 || pm.re != nil
}

// match reports whether path is excluded.
func (pm *pathMatcher) match(path string) bool {
	for _, p := range pm.prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return pm.re != nil && pm.re.MatchString(path)
}
