package canon

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// TestCanonicalForms: every canonical form is valid UTF-8 within its bound,
// canonical again (the step is idempotent), and a valid value within the
// bound is itself.
func TestCanonicalForms(t *testing.T) {
	inputs := []string{
		"", "ok", "bad\xff", "bad\xfe", "\xff\xfe\xfd",
		strings.Repeat("\xffA", 600), strings.Repeat("é", 700), strings.Repeat("a", MaxValueLen),
		strings.Repeat("a", MaxValueLen+1), strings.Repeat("€", 90) + "\xff",
	}
	for _, in := range inputs {
		for _, f := range []struct {
			name  string
			fn    func(string) string
			limit int
		}{{"Value", Value, MaxValueLen}, {"Message", Message, MaxMessageBytes}} {
			out := f.fn(in)
			assert.True(t, utf8.ValidString(out), "%s(%q)", f.name, in)
			assert.LessOrEqual(t, len(out), f.limit, "%s(%q)", f.name, in)
			assert.Equal(t, out, f.fn(out), "%s is not idempotent on %q", f.name, in)
			if utf8.ValidString(in) && len(in) <= f.limit {
				assert.Equal(t, in, out, f.name)
			}
		}
	}
	assert.Equal(t, "bad\uFFFD", Message("bad\xff"))
	assert.Equal(t, Message("bad\xff"), Message("bad\xfe"))
	assert.Equal(t, strings.Repeat("\uFFFDA", MaxMessageBytes/4), Message(strings.Repeat("\xffA", 200)))
	assert.True(t, strings.HasSuffix(Value(strings.Repeat("a", MaxValueLen+1)), CutMark))
}

// TestClamps: methods and statuses fold into their tables.
func TestClamps(t *testing.T) {
	assert.Equal(t, MethodOther, Method("get"))
	assert.Equal(t, "GET", MethodNames[Method("GET")])
	for _, code := range []int{-1, 0, 99, 1000, 1 << 40} {
		assert.Equal(t, 500, Status(code))
		assert.Equal(t, "500", StatusLabel(code))
	}
	assert.Equal(t, "999", StatusLabel(999))
}

// TestNoAllocations: values that need no change cost nothing.
func TestNoAllocations(t *testing.T) {
	long := strings.Repeat("m", 2*MaxMessageBytes)
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		_ = Value("tenant")
		_ = Message("seen")
		_ = Message(long)
		_ = StatusLabel(404)
	}))
}
