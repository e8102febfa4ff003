package ginprom_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-contrib/ginprom"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Accept headers of the formats a scraper may ask for.
const (
	acceptText = "text/plain;version=0.0.4"
	// What Prometheus 2.42 sends: OpenMetrics first.
	acceptPrometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
	acceptProtobuf   = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"
)

// bbScrape scrapes a Big Brother app that served one GET / of "ok" through
// its metrics route with accept, and returns the content type and body.
func bbScrape(t *testing.T, accept string) (string, string) {
	t.Helper()
	a := newApp(t, ginprom.WithBigBrother("1.0.0"))
	a.r.GET("/", ok)
	a.do(http.MethodGet, "/")
	w := serve(a.r, http.MethodGet, "/metrics", "Accept", accept)
	require.Equal(t, http.StatusOK, w.Code)
	return w.Header().Get("Content-Type"), w.Body.String()
}

const bbOKLabels = `{addr="/",errorMessage="",isError="false",method="GET",status="200",type="http"}`

// TestResponseSizeBytesText: in the text format response_size_bytes is a
// counter whose sample has exactly that name.
func TestResponseSizeBytesText(t *testing.T) {
	ct, body := bbScrape(t, acceptText)
	require.True(t, strings.HasPrefix(ct, "text/plain"), ct)
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(body))
	require.NoError(t, err)
	mf := mfs["response_size_bytes"]
	require.NotNil(t, mf)
	assert.Equal(t, dto.MetricType_COUNTER, mf.GetType())
	require.Len(t, mf.GetMetric(), 1)
	assert.InDelta(t, 2.0, mf.GetMetric()[0].GetCounter().GetValue(), 0)
	assert.Contains(t, body, "\nresponse_size_bytes"+bbOKLabels+" 2\n")
	assert.NotContains(t, body, "response_size_bytes_total")
}

// TestResponseSizeBytesOpenMetrics: asked for OpenMetrics first, as
// Prometheus asks, the exposition serves response_size_bytes as a family of
// unknown type whose sample keeps the bare name: OpenMetrics names a
// counter's samples <family>_total, so the counter cannot stay a counter
// there, and it is not renamed either. Every other family is served as
// usual.
func TestResponseSizeBytesOpenMetrics(t *testing.T) {
	ct, body := bbScrape(t, acceptPrometheus)
	require.True(t, strings.HasPrefix(ct, "application/openmetrics-text"), ct)
	assert.Contains(t, body, "# TYPE response_size_bytes unknown\n")
	assert.Contains(t, body, "\nresponse_size_bytes"+bbOKLabels+" 2.0\n")
	assert.NotContains(t, body, "response_size_bytes_total")
	assert.Contains(t, body, "# TYPE request_seconds histogram\n")
	assert.Contains(t, body, "\nrequest_seconds_bucket{addr=\"/\"")
	assert.NotContains(t, body, "gin_http_request") // the protocol alone
	assert.Contains(t, body, "\napplication_info{version=\"1.0.0\"} 1.0\n")
	assert.True(t, strings.HasSuffix(body, "# EOF\n"))
}

// TestResponseSizeBytesProtobuf: in the protobuf format it is a counter
// named exactly response_size_bytes.
func TestResponseSizeBytesProtobuf(t *testing.T) {
	ct, body := bbScrape(t, acceptProtobuf)
	require.True(t, strings.HasPrefix(ct, "application/vnd.google.protobuf"), ct)
	dec := expfmt.NewDecoder(strings.NewReader(body), expfmt.NewFormat(expfmt.TypeProtoDelim))
	found := false
	for {
		var mf dto.MetricFamily
		err := dec.Decode(&mf)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if mf.GetName() != "response_size_bytes" {
			continue
		}
		found = true
		assert.Equal(t, dto.MetricType_COUNTER, mf.GetType())
		require.Len(t, mf.GetMetric(), 1)
		assert.InDelta(t, 2.0, mf.GetMetric()[0].GetCounter().GetValue(), 0)
	}
	assert.True(t, found, "no family response_size_bytes")
}
