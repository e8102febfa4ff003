package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
)

// TestSessionsSynse runs the synse example under a real Prometheus, with
// real WebSocket clients (gorilla/websocket, as the example serves) and
// event-stream clients, some of which hang up mid-session. Prometheus sees
// the sessions open while they last and back at 0 when they end; no
// session shows in the request duration; and every query of the example's
// dashboard, Synse Server's own dashboard queries over its own metric names
// (ginprom.SynseSchema), returns data.
func TestSessionsSynse(t *testing.T) { eachVersion(t, testSessionsSynse) }

func testSessionsSynse(t *testing.T, v *PromVersion) {
	addr := freeAddr(t)
	startApp(t, "synse", buildExample(t, "synse"), addr, "/test", []string{"GIN_MODE=release", "SYNSE_METRICS_ENABLED=true"}, "-addr", addr)
	prom := startPrometheus(t, v, PromOptions{Config: "global:\n  scrape_interval: 1s\nscrape_configs:\n" + scrapeConfig("synse", []string{addr})})
	base := "http://" + addr

	// Four WebSocket sessions and two streams, all open at once.
	const sockets, streams = 4, 2
	var ws []*websocket.Conn
	sent, failed := 0, 0
	for i := range sockets {
		conn := dialSynse(t, addr)
		ws = append(ws, conn)
		for _, ev := range []string{"request/status", "request/read", "request/write_async"}[:1+i%3] {
			synseRequest(t, conn, ev)
			sent++
			if ev == "request/write_async" { // answered with an error
				failed++
			}
		}
	}
	var cancels []context.CancelFunc
	for range streams {
		cancels = append(cancels, openSynseStream(t, base))
	}
	prom.WaitValue(t, `sum(synse_websocket_session_count{source="/v3/connect"})`, sockets)
	prom.WaitValue(t, `sum(synse_websocket_session_count{source="/v3/stream"})`, streams)

	// Requests of every class while the sessions are open.
	for _, p := range []string{"/test", "/version", "/v3/scan", "/v3/read", "/v3/read/dev-1", "/v3/read/nope"} {
		mustDo(t, http.MethodGet, base+p)
	}
	for _, p := range []string{"/v3/write/dev-4", "/v3/write/dev-1", "/v3/write/dev-panic"} {
		mustDo(t, http.MethodPost, base+p)
	}

	// Two sessions hang up, two close properly; both streams are left.
	for i, conn := range ws {
		synseRequest(t, conn, "request/version")
		sent++
		if i%2 == 0 {
			_ = conn.NetConn().Close() // gone, without a close frame
			continue
		}
		if err := conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye")); err != nil {
			t.Fatalf("close: %v", err)
		}
		_, _, err := conn.ReadMessage()
		if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Fatalf("after close: %v, want the server's close", err)
		}
		_ = conn.Close()
	}
	for _, cancel := range cancels {
		cancel()
	}

	prom.WaitValue(t, `sum(synse_websocket_session_count)`, 0)
	prom.WaitValue(t, `sum(synse_http_session_duration_seconds_count{kind="websocket",path="/v3/connect"})`, sockets)
	prom.WaitValue(t, `sum(synse_http_session_duration_seconds_count{kind="sse",path="/v3/stream"})`, streams)
	prom.WaitValue(t, `sum(synse_websocket_request_count_total)`, float64(sent))
	prom.WaitValue(t, `sum(synse_websocket_error_response_count_total)`, float64(failed))
	prom.WaitQuery(t, `synse_http_session_bytes_total{kind="websocket",direction="in"} > 0`, NonEmpty)
	prom.WaitQuery(t, `synse_http_session_bytes_total{kind="sse",direction="out"} > 0`, NonEmpty)
	prom.WaitValue(t, `sum(synse_http_request_latency_sec_count{template=~"/v3/.+"})`, 7) // the requests to /v3 above
	prom.WaitValue(t, `sum(synse_http_request_count_total{template=~"/v3/.+"})`, 7)
	if got := prom.Query(t, `synse_http_request_latency_sec_count{template=~"/v3/(connect|stream)"}`); len(got) != 0 {
		t.Errorf("sessions in the request duration: %v", got)
	}
	if got := prom.Query(t, `synse_http_response_bytes_total{template=~"/v3/(connect|stream)"}`); len(got) != 0 {
		t.Errorf("sessions in the response bytes: %v", got)
	}

	for _, q := range dashboardQueries(t, repoPath("_examples", "synse", "dashboard.json")) {
		expr := expandGrafana(t, q.Expr, nil)
		prom.WaitQuery(t, expr, func(s []Sample) bool {
			if len(s) == 0 {
				t.Logf("panel %q: %s: no data yet", q.Panel, expr)
				return false
			}
			return true
		})
	}
}

// dialSynse opens a WebSocket session on the example's /v3/connect.
func dialSynse(t *testing.T, addr string) *websocket.Conn {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.DialContext(t.Context(), "ws://"+addr+"/v3/connect", nil)
	if err != nil {
		t.Fatalf("websocket: %v", err)
	}
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// synseID numbers the requests of every session; the versions' subtests
// share it.
var synseID atomic.Int64

// synseRequest sends one request of event and reads its response.
func synseRequest(t *testing.T, conn *websocket.Conn, event string) {
	t.Helper()
	id := synseID.Add(1)
	if err := conn.WriteJSON(map[string]any{"id": id, "event": event}); err != nil {
		t.Fatalf("send %s: %v", event, err)
	}
	var resp struct {
		ID    int64  `json:"id"`
		Event string `json:"event"`
	}
	if err := conn.ReadJSON(&resp); err != nil {
		t.Fatalf("response to %s: %v", event, err)
	}
	want := "response/" + strings.TrimPrefix(event, "request/")
	if event == "request/write_async" {
		want = "response/error"
	}
	if resp.ID != id || resp.Event != want {
		t.Fatalf("response to %s: %+v, want id %d event %s", event, resp, id, want)
	}
}

// openSynseStream opens the stream of readings, reads its first event, and
// returns what hangs it up.
func openSynseStream(t *testing.T, base string) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v3/stream?interval=100ms", http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = resp.Body.Close() })
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("stream: Content-Type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data:") {
			return cancel
		}
	}
	t.Fatalf("stream ended before its first event: %v", fmt.Sprint(sc.Err()))
	return cancel
}
