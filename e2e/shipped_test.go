package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// shippedFiles returns the monitoring files the examples ship, by kind:
// Prometheus configurations, rule files, promtool rule tests and Grafana
// dashboards. Paths are relative to the repository root.
func shippedFiles(t testing.TB) (configs, rules, ruleTests, dashboards []string) {
	t.Helper()
	root := repoPath()
	err := filepath.WalkDir(repoPath("_examples"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "provisioning" || d.Name() == "vendor" {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		name := d.Name()
		switch ext := filepath.Ext(name); {
		case ext == ".json" && strings.Contains(read(t, path), `"panels"`):
			dashboards = append(dashboards, rel)
		case ext != ".yml" && ext != ".yaml":
		case strings.HasPrefix(name, "docker-compose"):
		case strings.HasSuffix(strings.TrimSuffix(name, ext), "_test"):
			ruleTests = append(ruleTests, rel)
		case strings.HasPrefix(name, "prometheus") || strings.Contains(read(t, path), "scrape_configs:"):
			configs = append(configs, rel)
		case regexp.MustCompile(`(?m)^groups:`).MatchString(read(t, path)):
			rules = append(rules, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("e2e: walking _examples: %v", err)
	}
	return configs, rules, ruleTests, dashboards
}

// TestShippedFilesPassPromtool runs promtool over every Prometheus file the
// examples ship: each configuration and rule file must check, and each rule
// test must pass.
func TestShippedFilesPassPromtool(t *testing.T) { eachVersion(t, testShippedFilesPassPromtool) }

func testShippedFilesPassPromtool(t *testing.T, v *PromVersion) {
	configs, rules, ruleTests, _ := shippedFiles(t)
	if len(configs) == 0 || len(rules) == 0 || len(ruleTests) == 0 {
		t.Fatalf("found %d configurations, %d rule files and %d rule tests; the monitoring example ships one of each at least", len(configs), len(rules), len(ruleTests))
	}
	for _, f := range configs {
		if !slices.Contains(configVersions(repoPath(f)), v.Major) {
			continue
		}
		t.Run("check config "+f, func(t *testing.T) {
			t.Parallel()
			promtool(t, v, "check", "config", repoPath(f))
		})
	}
	for _, f := range rules {
		t.Run("check rules "+f, func(t *testing.T) {
			t.Parallel()
			promtool(t, v, "check", "rules", repoPath(f))
			checkAlertConventions(t, loadRules(t, repoPath(f)))
		})
	}
	for _, f := range ruleTests {
		t.Run("test rules "+f, func(t *testing.T) {
			t.Parallel()
			promtool(t, v, "test", "rules", repoPath(f))
		})
	}
}

// prometheusOwn are the series Prometheus and the Pushgateway make
// themselves, which ginprom does not document.
var prometheusOwn = []string{
	"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped",
	"push_time_seconds", "push_failure_time_seconds",
}

// documentedNames returns the metric names a Markdown file names in code
// spans: `name` or `name{labels}`.
func documentedNames(t testing.TB, path string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, m := range regexp.MustCompile("`([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{[^`]*\\})?`").FindAllStringSubmatch(read(t, path), -1) {
		names[m[1]] = true
	}
	return names
}

// TestShippedQueriesUseDocumentedMetrics checks every metric name that a
// shipped dashboard query or rule expression reads: it must be a metric the
// README documents (with its _bucket, _count, _sum or _total series), one
// the README of the file's own example documents (an example's own
// metrics), a series a shipped recording rule makes, or one of Prometheus's
// own. This is the check that catches a query of a metric that does not
// exist.
func TestShippedQueriesUseDocumentedMetrics(t *testing.T) {
	t.Parallel()
	_, rules, _, dashboards := shippedFiles(t)
	documented := documentedNames(t, repoPath("README.md"))
	for _, name := range prometheusOwn {
		documented[name] = true
	}
	type use struct{ file, where, expr string }
	var uses []use
	for _, f := range rules {
		for _, r := range loadRules(t, repoPath(f)) {
			if r.Record != "" {
				documented[r.Record] = true
			}
			uses = append(uses, use{f, r.Record + r.Alert, r.Expr})
		}
	}
	for _, f := range dashboards {
		for _, q := range dashboardQueries(t, repoPath(f)) {
			uses = append(uses, use{f, q.Panel, q.Expr})
		}
	}
	// exampleDocs are the names the README of each example documents.
	exampleDocs := map[string]map[string]bool{}
	for _, u := range uses {
		dir := filepath.Dir(u.file)
		if _, ok := exampleDocs[dir]; !ok {
			exampleDocs[dir] = map[string]bool{}
			if readme := repoPath(dir, "README.md"); fileExists(readme) {
				exampleDocs[dir] = documentedNames(t, readme)
			}
		}
	}
	known := func(file, name string) bool {
		local := exampleDocs[filepath.Dir(file)]
		for _, n := range []string{name, trimSeriesSuffix(name)} {
			if documented[n] || local[n] {
				return true
			}
		}
		return false
	}
	for _, u := range uses {
		for _, name := range metricNames(u.expr) {
			if !known(u.file, name) {
				t.Errorf("%s, %s: the query reads %s, which neither README.md nor the example's README documents and no shipped recording rule makes:\n%s", u.file, u.where, name, u.expr)
			}
		}
	}
}

var (
	promqlStrings  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'` + "|`[^`]*`")
	promqlMatchers = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]`)
	promqlGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promqlToken    = regexp.MustCompile(`[0-9][0-9a-zA-Z._]*|[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promqlKeywords = []string{"and", "or", "unless", "offset", "bool", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan", "Inf", "NaN", "atan2"}
)

// metricNames returns the metric names a PromQL expression reads: the
// identifiers left once strings, label matchers, ranges, grouping clauses,
// numbers, function calls and keywords are taken out.
func metricNames(expr string) []string {
	expr = expandGrafanaDefaults(expr)
	expr = promqlStrings.ReplaceAllString(expr, `""`)
	expr = promqlMatchers.ReplaceAllString(expr, " ")
	expr = promqlGrouping.ReplaceAllString(expr, " ")
	var names []string
	for _, loc := range promqlToken.FindAllStringIndex(expr, -1) {
		tok := expr[loc[0]:loc[1]]
		if tok[0] >= '0' && tok[0] <= '9' || slices.Contains(promqlKeywords, tok) {
			continue
		}
		if rest := strings.TrimLeft(expr[loc[1]:], " \t\n"); strings.HasPrefix(rest, "(") {
			continue // a function or an aggregation
		}
		if !slices.Contains(names, tok) {
			names = append(names, tok)
		}
	}
	return names
}

// expandGrafanaDefaults replaces Grafana's variables by placeholders that
// are no metric names, for metricNames.
func expandGrafanaDefaults(expr string) string {
	if m := labelValues.FindStringSubmatch(expr); m != nil {
		expr = m[1]
	}
	return grafanaVar.ReplaceAllString(expr, "1")
}

func TestMetricNames(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		`sum by (path) (rate(gin_http_request_duration_seconds_count{job="$job", status=~"5.."}[$__rate_interval]))`: {"gin_http_request_duration_seconds_count"},
		`histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) > 2 * (y offset 1d) and on (job) z > 0.1`:        {"x_bucket", "y", "z"},
		`sum by (c) (label_replace(rate(a_total[1m]), "c", "${1}xx", "status", "(.).."))`:                            {"a_total"},
		`label_values(gin_exporter_info, job)`: {"gin_exporter_info"},
		`up{job="gin"} == 0`:                   {"up"},
	}
	for expr, want := range cases {
		if got := metricNames(expr); !slices.Equal(got, want) {
			t.Errorf("metricNames(%q) = %q, want %q", expr, got, want)
		}
	}
}

// trimSeriesSuffix returns the family name of a histogram's, summary's or
// counter's series name, or name itself.
func trimSeriesSuffix(name string) string {
	for _, suffix := range []string{"_bucket", "_count", "_sum", "_total", "_created"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			return base
		}
	}
	return name
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
