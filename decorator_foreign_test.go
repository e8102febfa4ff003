package ginprom_test

import (
	"net/http"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecoratorRefusesGinpromVec: a Counter decorator made alike the
// exceptions counter of the default metrics (its name, help and labels)
// does not record into it, which would count every request it decorates
// as a panic: New's own client_golang vec is no vec "that other code
// registered". The decorator panics, naming the holder, and a request
// after that leaves the exceptions counter at 0.
func TestDecoratorRefusesGinpromVec(t *testing.T) {
	a := newApp(t)
	var counter gin.HandlerFunc
	const name = "gin_http_request_exceptions_total"
	const help = "Total number of HTTP requests whose handler panicked."
	assert.PanicsWithValue(t,
		`ginprom: metric "gin_http_request_exceptions_total" is already registered by the default metrics of a Metrics, which no other metric can share; choose another name`,
		func() { counter = a.m.Counter(name, help, ginprom.Labels{"method": "GET", "status": "200"}) })
	handlers := []gin.HandlerFunc{func(c *gin.Context) { c.Status(http.StatusOK) }}
	if counter != nil { // made, as before the fix: it decorates the route
		handlers = append([]gin.HandlerFunc{counter}, handlers...)
	}
	a.r.GET("/x", handlers...)
	require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/x").Code)
	families, err := a.reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		assert.NotEqual(t, name, f.GetName(), "no exception was counted")
	}
}

// TestDecoratorSharesUsersVec: a vec the user registered alike a
// decorator is still shared, as documented: the decorator records in it.
func TestDecoratorSharesUsersVec(t *testing.T) {
	a := newApp(t)
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jobs_total", Help: "Jobs."}, []string{"kind"})
	a.reg.MustRegister(vec)
	a.r.GET("/x", a.m.Counter("jobs", "Jobs.", ginprom.Labels{"kind": "x"}), func(c *gin.Context) { c.Status(http.StatusOK) })
	require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/x").Code)
	assert.InDelta(t, 1.0, testutil.ToFloat64(vec.WithLabelValues("x")), 0)
}

// TestDecoratorAlikeSchemaInfo: a Gauge decorator named as the schema's
// info metric is refused, saying what differs and who holds the name. With
// the same help and label name, what differs is that the info metric's
// label is constant; a message used to say that the help texts differed,
// and showed the same text twice. Alike in everything (an info metric
// without labels), the holder is the default metrics, which made it, not
// "a collector ginprom did not make": that metric is a client_golang gauge
// of ginprom's own.
func TestDecoratorAlikeSchemaInfo(t *testing.T) {
	const help = "Information about the application; always 1 (Big Brother protocol)."
	a := newApp(t, ginprom.WithBigBrother("1.0.0"))
	assert.PanicsWithValue(t,
		`ginprom: cannot register metric "application_info": application_info has the labels {version="1.0.0"} as registered by the default metrics of a Metrics `+
			`and {version} in this Metrics (the labels given to the decorator, Info or the schema, and WithDefaultLabels, decide the labels); choose another name`,
		func() { a.m.Gauge("application_info", help, ginprom.Labels{"version": "1.0.0"}) })

	s := ginprom.DefaultSchema("app")
	s.Info = ginprom.Family{Name: "app_info", Help: "The app."}
	a = newApp(t, ginprom.WithSchema(s))
	assert.PanicsWithValue(t,
		`ginprom: metric "app_info" is already registered by the default metrics of a Metrics, which no other metric can share; choose another name`,
		func() { a.m.Gauge("app_info", "The app.", nil) })
}
