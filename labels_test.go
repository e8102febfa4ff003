package ginprom_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// coreEnv is a type of string kind, accepted as a static label value.
type coreEnv string

// coreStatusLabel is a per-request label: the status the handler set.
func coreStatusLabel(c *gin.Context) string { return strconv.Itoa(c.Writer.Status()) }

func TestDefaultLabelsStatic(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithDefaultLabels(ginprom.Labels{
		"env":    "prod",
		"kind":   coreEnv("web"),
		"shard":  3,
		"small":  int8(-2),
		"big":    uint64(7),
		"ratio":  0.5,
		"f32":    float32(0.25),
		"canary": true,
	}))
	a.r.GET("/a", ok)
	a.r.GET("/p", coreBoom)
	a.do(http.MethodGet, "/a")
	assert.PanicsWithValue(t, coreBoomValue, func() { a.do(http.MethodGet, "/p") })

	const labels = `big="7",canary="true",env="prod",f32="0.25",kind="web",`
	const tail = `ratio="0.5",shard="3",small="-2"`
	assert.Equal(t, map[string]uint64{
		labels + `method="GET",path="/a",` + tail + `,status="200"`: 1,
		labels + `method="GET",path="/p",` + tail + `,status="500"`: 1,
	}, samples(t, a.reg, coreDuration))
	requireExposition(t, a.reg, coreTotalHead+`
gin_http_request_total{`+labels+`method="GET",`+tail+`,status="200"} 1
gin_http_request_total{`+labels+`method="GET",`+tail+`,status="500"} 1
`, coreTotal)
	requireExposition(t, a.reg, coreExceptionsHead+
		`gin_http_request_exceptions_total{`+labels+`method="GET",`+tail+`,status="500"} 1`+"\n", coreExceptions)
	// Not on the exporter info.
	requireExposition(t, a.reg, coreInfoHead+`gin_exporter_info{version="`+ginprom.Version+`"} 1`+"\n", coreInfo)
}

func TestDefaultLabelsPerRequest(t *testing.T) {
	t.Parallel()
	calls := 0
	a := newApp(t, ginprom.WithDefaultLabels(ginprom.Labels{
		"env": "prod",
		"tenant": func(c *gin.Context) string {
			calls++
			return c.GetString("tenant")
		},
		"code": coreStatusLabel,
	}))
	a.r.GET("/a", func(c *gin.Context) {
		// Set by the handler: the label functions run after the chain.
		c.Set("tenant", c.Query("t"))
		c.Status(http.StatusCreated)
	})
	a.r.GET("/p", coreBoom)

	a.do(http.MethodGet, "/a?t=acme")
	a.do(http.MethodGet, "/a?t=acme")
	a.do(http.MethodGet, "/a?t=zeta")
	assert.PanicsWithValue(t, coreBoomValue, func() { a.do(http.MethodGet, "/p") })
	a.do(http.MethodGet, "/nowhere")
	assert.Equal(t, 5, calls, "called once per request, unmatched ones included")

	assert.Equal(t, map[string]uint64{
		`code="201",env="prod",method="GET",path="/a",status="201",tenant="acme"`:      2,
		`code="201",env="prod",method="GET",path="/a",status="201",tenant="zeta"`:      1,
		`code="500",env="prod",method="GET",path="/p",status="500",tenant=""`:          1,
		`code="404",env="prod",method="GET",path="<unmatched>",status="404",tenant=""`: 1,
	}, samples(t, a.reg, coreDuration))
	requireExposition(t, a.reg, coreTotalHead+`
gin_http_request_total{code="201",env="prod",method="GET",status="201",tenant="acme"} 2
gin_http_request_total{code="201",env="prod",method="GET",status="201",tenant="zeta"} 1
gin_http_request_total{code="404",env="prod",method="GET",status="404",tenant=""} 1
gin_http_request_total{code="500",env="prod",method="GET",status="500",tenant=""} 1
`, coreTotal)
	requireExposition(t, a.reg, coreExceptionsHead+
		`gin_http_request_exceptions_total{code="500",env="prod",method="GET",status="500",tenant=""} 1`+"\n", coreExceptions)
}

func TestDefaultLabelsOnDecorators(t *testing.T) {
	t.Parallel()
	t.Run("static labels make the zero series", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, ginprom.WithDefaultLabels(ginprom.Labels{"env": "prod"}))
		hits := a.m.Counter("core_hits", "Hits.", nil)
		requireExposition(t, a.reg, "# HELP core_hits_total Hits.\n# TYPE core_hits_total counter\ncore_hits_total{env=\"prod\"} 0\n", "core_hits_total")
		a.r.GET("/a", hits, ok)
		a.do(http.MethodGet, "/a")
		requireExposition(t, a.reg, "# HELP core_hits_total Hits.\n# TYPE core_hits_total counter\ncore_hits_total{env=\"prod\"} 1\n", "core_hits_total")
	})
	t.Run("per-request labels", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, ginprom.WithDefaultLabels(ginprom.Labels{"env": "prod", "code": coreStatusLabel}))
		a.r.GET("/a", a.m.Counter("core_hits", "Hits.", ginprom.Labels{"route": "a"}), func(c *gin.Context) {
			c.Status(http.StatusAccepted)
		})
		a.do(http.MethodGet, "/a")
		requireExposition(t, a.reg, "# HELP core_hits_total Hits.\n# TYPE core_hits_total counter\n"+
			`core_hits_total{code="202",env="prod",route="a"} 1`+"\n", "core_hits_total")
	})
}

func TestDefaultLabelsMerge(t *testing.T) {
	t.Parallel()
	a := newApp(t,
		ginprom.WithDefaultLabels(ginprom.Labels{"a": "1", "b": "1"}),
		ginprom.WithDefaultLabels(nil),
		ginprom.WithDefaultLabels(ginprom.Labels{"b": "2", "c": "3"}))
	a.r.GET("/x", ok)
	a.do(http.MethodGet, "/x")
	requireExposition(t, a.reg, coreTotalHead+`gin_http_request_total{a="1",b="2",c="3",method="GET",status="200"} 1`+"\n", coreTotal)
}

func TestDefaultLabelsRepairUTF8(t *testing.T) {
	t.Parallel()
	a := newApp(t, ginprom.WithDefaultLabels(ginprom.Labels{
		"static":  "s\xff",
		"dynamic": func(*gin.Context) string { return "d\xfe" },
	}))
	a.r.GET("/x", ok)
	a.do(http.MethodGet, "/x")
	requireExposition(t, a.reg, coreTotalHead+
		"gin_http_request_total{dynamic=\"d\uFFFD\",method=\"GET\",static=\"s\uFFFD\",status=\"200\"} 1\n", coreTotal)
	requireLint(t, a.reg)
}

func TestDefaultLabelPanicIsRecordedAndRaisedAgain(t *testing.T) {
	t.Parallel()
	boom := corePanicValue{"default label"}
	a := newApp(t, ginprom.WithDefaultLabels(ginprom.Labels{"zone": func(c *gin.Context) string {
		if c.Query("z") == "" {
			panic(boom)
		}
		return c.Query("z")
	}}))
	a.r.GET("/a", ok)

	assert.PanicsWithValue(t, boom, func() { a.do(http.MethodGet, "/a") })
	a.do(http.MethodGet, "/a?z=eu")
	requireExposition(t, a.reg, coreTotalHead+`
gin_http_request_total{method="GET",status="200",zone="<panic>"} 1
gin_http_request_total{method="GET",status="200",zone="eu"} 1
`, coreTotal)
}

func TestDefaultLabelsInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    []ginprom.Option
		culprit string
	}{
		{"leading digit", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"1x": "v"})}, `"1x"`},
		{"double underscore", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"__x": "v"})}, `"__x"`},
		{"dash", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"a-b": "v"})}, `"a-b"`},
		{"empty name", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"": "v"})}, `""`},
		{"method", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"method": "v"})}, `"method"`},
		{"status", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"status": "v"})}, `"status"`},
		{"path under route grouping", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"path": "v"})}, `"path"`},
		{"path under path grouping", []ginprom.Option{
			ginprom.WithGroupBy(ginprom.GroupByPath), ginprom.WithDefaultLabels(ginprom.Labels{"path": "v"}),
		}, `"path"`},
		{"handler under handler grouping", []ginprom.Option{
			ginprom.WithGroupBy(ginprom.GroupByHandler), ginprom.WithDefaultLabels(ginprom.Labels{"handler": "v"}),
		}, `"handler"`},
		{"the GroupByFunc label", []ginprom.Option{
			ginprom.WithGroupBy(ginprom.GroupByFunc("tenant", coreTenant)), ginprom.WithDefaultLabels(ginprom.Labels{"tenant": "v"}),
		}, `"tenant"`},
		{"le", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"le": "v"})}, `"le"`},
		{"quantile", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"quantile": "v"})}, `"quantile"`},
		{"slice value", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"bad": []string{}})}, `"bad"`},
		{"struct value", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"bad": struct{}{}})}, `"bad"`},
		{"nil value", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"bad": nil})}, `"bad"`},
		{"map value", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"bad": map[string]string{}})}, `"bad"`},
		{"pointer value", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"bad": new(string)})}, `"bad"`},
		{"func of another type", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"bad": func() string { return "" }})}, `"bad"`},
		{"nil label func", []ginprom.Option{ginprom.WithDefaultLabels(ginprom.Labels{"bad": (func(*gin.Context) string)(nil)})}, `"bad"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			coreRequireSetupPanic(t, tt.culprit, func() {
				ginprom.New(nil, append([]ginprom.Option{ginprom.WithRegistry(prometheus.NewRegistry())}, tt.opts...)...)
			})
		})
	}
}

func TestDefaultLabelsReservedFollowGroupBy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		g     ginprom.GroupBy
		label string
		key   string
	}{
		{
			"path under handler grouping", ginprom.GroupByHandler, "path",
			`handler="github.com/gin-contrib/ginprom_test.ok",method="GET",path="v",status="200"`,
		},
		{
			"handler under route grouping", ginprom.GroupByRoute, "handler",
			`handler="v",method="GET",path="/a",status="200"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var a *app
			require.NotPanics(t, func() {
				a = newApp(t, ginprom.WithGroupBy(tt.g), ginprom.WithDefaultLabels(ginprom.Labels{tt.label: "v"}))
			})
			a.r.GET("/a", ok)
			a.do(http.MethodGet, "/a")
			assert.Equal(t, map[string]uint64{tt.key: 1}, samples(t, a.reg, coreDuration))
		})
	}
}
