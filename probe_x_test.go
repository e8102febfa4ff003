package ginprom_test

import (
	"fmt"
	"testing"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

func pmsg(opts ...ginprom.Option) (s string) {
	defer func() { s = fmt.Sprint(recover()) }()
	ginprom.New(gin.New(), append([]ginprom.Option{ginprom.WithRegistry(prometheus.NewRegistry())}, opts...)...)
	return ""
}

func TestProbeMsgs(t *testing.T) {
	d := ginprom.Family{Name: "d_seconds"}
	for _, s := range []ginprom.Schema{
		{Duration: d, Requests: ginprom.Family{Name: "x_total", Labels: lbl("k", ginprom.Const("a"))}, SessionBytesIn: ginprom.Family{Name: "x_total", Labels: lbl("k", ginprom.Const("b"))}},
		{Duration: d, Requests: ginprom.Family{Name: "x_total"}, SessionBytesIn: ginprom.Family{Name: "x_total"}},
		{Duration: d, Requests: ginprom.Family{Name: "x_total"}, Messages: ginprom.Family{Name: "x_total"}},
		{Duration: d, SessionDuration: ginprom.Family{Name: "d_seconds"}},
		{Duration: d, Requests: ginprom.Family{Name: "d_seconds_count"}},
		{Duration: d, Requests: ginprom.Family{Name: "d_seconds_bucket"}},
		{Duration: d, Messages: ginprom.Family{Name: "d_seconds_sum"}},
		{Duration: d, Messages: ginprom.Family{Name: "gin_series_overflow_total"}},
		{Duration: ginprom.Family{Name: "gin_series_overflow_total"}},
		{Duration: d, Requests: ginprom.Family{Name: "gin_series_overflow_total"}},
		{Duration: d, Info: ginprom.Family{Name: "gin_series_overflow_total"}},
		{Duration: d, DependencyUp: ginprom.Family{Name: "gin_series_overflow_total"}},
	} {
		fmt.Println(pmsg(ginprom.WithSchema(s)))
	}
	fmt.Println(pmsg(ginprom.WithSchema(ginprom.DefaultSchema("gin")), ginprom.WithDefaultsPrefix("x")))
	fmt.Println(pmsg(ginprom.WithSchema(ginprom.DefaultSchema("gin")), ginprom.WithSchema(ginprom.DefaultSchema("x"))))
	fmt.Println(pmsg(ginprom.WithSchema(ginprom.Schema{Duration: d}), ginprom.WithInFlight()))
	fmt.Println(pmsg(ginprom.WithSchema(ginprom.Schema{Duration: d, Buckets: []float64{2, 1}})))
	fmt.Println(pmsg(ginprom.WithSchema(ginprom.DefaultSchema("gin")), ginprom.WithBuckets(2, 1)))
	fmt.Println(pmsg(ginprom.WithSchema(ginprom.Schema{Duration: ginprom.Family{Name: "1d"}})))
	fmt.Println(pmsg(ginprom.WithSchema(ginprom.DefaultSchema("gin")), ginprom.WithSemconv()))
	fmt.Println(pmsg(ginprom.WithSchema(ginprom.Schema{Duration: d, Exceptions: ginprom.Family{Name: "e", Labels: lbl("r", ginprom.Route)}})))
}
