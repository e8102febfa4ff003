package e2e

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// PanelQuery is one query of a Grafana dashboard.
type PanelQuery struct {
	Panel string // the panel's title
	Expr  string // the query as the dashboard holds it
}

// dashboardQueries returns every Prometheus query of the Grafana dashboard
// at path, from its panels, the panels of its rows, and its templating
// variables' queries.
func dashboardQueries(t testing.TB, path string) []PanelQuery {
	t.Helper()
	var d struct {
		Panels     []grafanaPanel `json:"panels"`
		Rows       []grafanaPanel `json:"rows"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal([]byte(read(t, path)), &d); err != nil {
		t.Fatalf("e2e: dashboard %s: %v", path, err)
	}
	var out []PanelQuery
	var walk func(ps []grafanaPanel)
	walk = func(ps []grafanaPanel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) != "" {
					out = append(out, PanelQuery{Panel: p.Title, Expr: tg.Expr})
				}
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	walk(d.Rows)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(string)
		if m, ok := v.Query.(map[string]any); ok {
			q, _ = m["query"].(string)
		}
		if q != "" {
			out = append(out, PanelQuery{Panel: "variable " + v.Name, Expr: q})
		}
	}
	if len(out) == 0 {
		t.Fatalf("e2e: dashboard %s has no queries", path)
	}
	return out
}

type grafanaPanel struct {
	Title   string `json:"title"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"`
}

var grafanaVar = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)(?::[a-z]+)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)\]\]`)

// grafanaDefaults are the values of Grafana's built-in variables under
// which the tests run dashboard queries: windows that hold several scrapes
// at the tests' one-second interval.
var grafanaDefaults = map[string]string{
	"__rate_interval": "30s",
	"__interval":      "5s",
	"__range":         "5m",
}

// labelValues is Grafana's label_values(metric, label) of a templating
// variable, which is no PromQL.
var labelValues = regexp.MustCompile(`^\s*label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$`)

// expandGrafana turns a dashboard query into the PromQL Grafana would send:
// it replaces Grafana's variables by the values of vars, or of
// grafanaDefaults, and label_values(metric, label) by the query behind it.
// An unknown variable fails the test; "${1}", a regular expression group
// of label_replace that Grafana leaves alone, stays.
func expandGrafana(t testing.TB, expr string, vars map[string]string) string {
	t.Helper()
	if m := labelValues.FindStringSubmatch(expr); m != nil {
		expr = "count by (" + m[2] + ") (" + m[1] + ")"
	}
	return grafanaVar.ReplaceAllStringFunc(expr, func(m string) string {
		sub := grafanaVar.FindStringSubmatch(m)
		name := sub[1] + sub[2] + sub[3]
		if v, ok := vars[name]; ok {
			return v
		}
		if v, ok := grafanaDefaults[name]; ok {
			return v
		}
		if strings.Trim(name, "0123456789") == "" {
			return m
		}
		t.Fatalf("e2e: query %q uses the variable $%s, which the test gives no value", expr, name)
		return m
	})
}

// Rule is one recording or alerting rule of a rule file.
type Rule struct {
	Group       string
	Record      string            `yaml:"record"`
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// loadRules returns the rules of the Prometheus rule file at path.
func loadRules(t testing.TB, path string) []Rule {
	t.Helper()
	var f struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []Rule `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal([]byte(read(t, path)), &f); err != nil {
		t.Fatalf("e2e: rules %s: %v", path, err)
	}
	var out []Rule
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			r.Group = g.Name
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		t.Fatalf("e2e: rule file %s has no rules", path)
	}
	return out
}

// checkAlertConventions fails the test for every alert of rules whose name
// is not CamelCase or that lacks a summary, description or runbook_url.
func checkAlertConventions(t testing.TB, rules []Rule) {
	t.Helper()
	camel := regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	for _, r := range rules {
		if r.Alert == "" {
			continue
		}
		if !camel.MatchString(r.Alert) {
			t.Errorf("alert %q is not CamelCase", r.Alert)
		}
		for _, a := range []string{"summary", "description", "runbook_url"} {
			if strings.TrimSpace(r.Annotations[a]) == "" {
				t.Errorf("alert %s has no %s annotation", r.Alert, a)
			}
		}
	}
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
