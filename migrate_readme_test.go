package ginprom_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEQuotesMigrationSchemas: the README's "Migrating" section
// quotes each migration schema (migrate_*.go) as it is, from its doc
// comment to its end, with the names qualified as a user's code has them
// (ginprom.Schema), so that the text a user copies is the code the tests
// run.
func TestREADMEQuotesMigrationSchemas(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	// The README's Go blocks as the package reads them: unqualified.
	text := strings.ReplaceAll(string(readme), "ginprom.", "")
	files, err := filepath.Glob("migrate_*.go")
	if err != nil {
		t.Fatal(err)
	}
	quoted := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		body := declarations(string(src))
		if !strings.Contains(text, "```go\n"+body+"```\n") {
			t.Errorf("README.md does not quote %s as it is; its \"Migrating\" section should have this block, with ginprom. before the package's names:\n```go\n%s```", f, body)
			continue
		}
		quoted++
	}
	if quoted != 5 {
		t.Errorf("README quotes %d migration schema files, want 5", quoted)
	}
}

// declarations returns what follows the package clause and the imports of
// a Go file.
func declarations(src string) string {
	_, rest, _ := strings.Cut(src, "\n")
	rest = strings.TrimLeft(rest, "\n")
	if after, ok := strings.CutPrefix(rest, "import ("); ok {
		_, rest, _ = strings.Cut(after, "\n)\n")
	} else if strings.HasPrefix(rest, "import ") {
		_, rest, _ = strings.Cut(rest, "\n")
	}
	return strings.TrimLeft(rest, "\n")
}
