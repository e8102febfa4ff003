package ginprom_test

import (
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const coreAppInfoHead = "# HELP app_info Application info\n# TYPE app_info gauge\n"

func TestInfo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		labels prometheus.Labels
		want   string
	}{
		{"one label", prometheus.Labels{"version": "1.0.3"}, `app_info{version="1.0.3"} 1`},
		{"several labels", prometheus.Labels{"version": "1.0.3", "commit": "abc"}, `app_info{commit="abc",version="1.0.3"} 1`},
		{"nil labels", nil, `app_info 1`},
		{"empty labels", prometheus.Labels{}, `app_info 1`},
		{"invalid UTF-8 value", prometheus.Labels{"v": "x\xff"}, "app_info{v=\"x\uFFFD\"} 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			g := a.m.Info("app_info", "Application info", tt.labels)
			require.NotNil(t, g)
			requireExposition(t, a.reg, coreAppInfoHead+tt.want+"\n", "app_info")

			// Served on the metrics route.
			w := a.do(http.MethodGet, "/metrics")
			require.Equal(t, http.StatusOK, w.Code)
			coreScrape(w.Body.String()).require(t, coreAppInfoHead+tt.want+"\n", "app_info")
		})
	}
}

func TestInfoSet(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	g := a.m.Info("app_info", "Application info", prometheus.Labels{"version": "1.0.3"})
	g.Set(2)
	requireExposition(t, a.reg, coreAppInfoHead+`app_info{version="1.0.3"} 2`+"\n", "app_info")
	g.Inc()
	requireExposition(t, a.reg, coreAppInfoHead+`app_info{version="1.0.3"} 3`+"\n", "app_info")
}

func TestInfoIgnoresDefaultLabelsAndPrefix(t *testing.T) {
	t.Parallel()
	a := newApp(t,
		ginprom.WithDefaultsPrefix("myapp"),
		ginprom.WithDefaultLabels(ginprom.Labels{"env": "prod", "zone": func(*gin.Context) string { return "z" }}))
	a.m.Info("app_info", "Application info", prometheus.Labels{"version": "1.0.3"})
	requireExposition(t, a.reg, coreAppInfoHead+`app_info{version="1.0.3"} 1`+"\n", "app_info")
	assert.Equal(t, []string{"app_info", "myapp_exporter_info"}, families(t, a.reg))
}

func TestInfoWithoutDefaults(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithoutDefaults())
	a.m.Info("app_info", "Application info", nil)
	w := a.do(http.MethodGet, "/metrics")
	require.Equal(t, http.StatusOK, w.Code)
	g := coreScrape(w.Body.String())
	assert.Equal(t, []string{"app_info"}, g.families())
	g.require(t, coreAppInfoHead+"app_info 1\n")
}

func TestInfoTwiceReuses(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	labels := prometheus.Labels{"version": "1.0.3"}
	first := a.m.Info("app_info", "Application info", labels)
	first.Set(5)

	var second prometheus.Gauge
	require.NotPanics(t, func() { second = a.m.Info("app_info", "Application info", labels) })
	requireExposition(t, a.reg, coreAppInfoHead+`app_info{version="1.0.3"} 1`+"\n", "app_info")
	second.Set(3)
	requireExposition(t, a.reg, coreAppInfoHead+`app_info{version="1.0.3"} 3`+"\n", "app_info")

	// Another Metrics on the same registry, as when an app is built twice.
	other := ginprom.New(nil, ginprom.WithRegistry(a.reg))
	require.NotPanics(t, func() { other.Info("app_info", "Application info", labels) })
	requireExposition(t, a.reg, coreAppInfoHead+`app_info{version="1.0.3"} 1`+"\n", "app_info")
}

func TestInfoPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		metric  string
		help    string
		labels  prometheus.Labels
		culprit string
	}{
		{"leading digit", "1app_info", "Help.", nil, `"1app_info"`},
		{"dash in name", "app-info", "Help.", nil, `"app-info"`},
		{"empty name", "", "Help.", nil, `""`},
		{"label with a leading digit", "app_info", "Help.", prometheus.Labels{"1x": "v"}, `"1x"`},
		{"reserved label", "app_info", "Help.", prometheus.Labels{"__x": "v"}, `"__x"`},
		{"label with a dash", "app_info", "Help.", prometheus.Labels{"a-b": "v"}, `"a-b"`},
		{"empty help", "app_info", "", nil, "help"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			coreRequireSetupPanic(t, tt.culprit, func() { a.m.Info(tt.metric, tt.help, tt.labels) })
		})
	}
}

func TestInfoConflictPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		before func(a *app)
		labels prometheus.Labels
	}{
		{"a counter of that name", func(a *app) {
			a.reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "app_info", Help: "Application info"}))
		}, nil},
		{"other label names", func(a *app) {
			a.m.Info("app_info", "Application info", prometheus.Labels{"version": "1"})
		}, prometheus.Labels{"commit": "abc"}},
		{"other help", func(a *app) {
			a.m.Info("app_info", "Another help", nil)
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			tt.before(a)
			coreRequireSetupPanic(t, "app_info", func() { a.m.Info("app_info", "Application info", tt.labels) })
		})
	}
}
