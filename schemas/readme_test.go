package schemas_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEQuotesSchemas: the README's "Migrating" section quotes each
// schema of this package as it is here, from its doc comment to its end,
// so that the text a user reads is the code these tests run.
func TestREADMEQuotesSchemas(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	quoted := 0
	for _, f := range files {
		if f == "doc.go" || strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		body := declarations(string(src))
		if body == "" {
			t.Errorf("%s: no declarations after its imports", f)
			continue
		}
		if !strings.Contains(string(readme), "```go\n"+body+"```\n") {
			t.Errorf("README.md does not quote %s as it is; its \"Migrating\" section should have this block:\n```go\n%s```", f, body)
			continue
		}
		quoted++
	}
	if quoted != 5 {
		t.Errorf("README quotes %d schema files, want 5", quoted)
	}
}

// declarations returns what follows the package clause and the imports of
// a Go file.
func declarations(src string) string {
	i := strings.Index(src, "\nimport ")
	if i < 0 {
		return ""
	}
	rest := src[i+len("\nimport "):]
	if strings.HasPrefix(rest, "(") {
		rest = rest[strings.Index(rest, "\n)\n")+len("\n)\n"):]
	} else {
		rest = rest[strings.Index(rest, "\n")+1:]
	}
	return strings.TrimLeft(rest, "\n")
}
