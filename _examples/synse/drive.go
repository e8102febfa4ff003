package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"

	"github.com/gorilla/websocket"
)

// driveServer plays the clients of a Synse server at base until ctx ends:
// HTTP requests (some 404 and 500, one panic), WebSocket sessions that send
// requests of every event and end by a close, a hang-up or a server error,
// and streams of readings that the client leaves. rounds > 0 stops after
// that many rounds. Odd rounds hang their WebSocket session up midway.
func driveServer(ctx context.Context, base string, rounds int) error {
	base = strings.TrimSuffix(base, "/")
	for round := 0; ctx.Err() == nil && (rounds <= 0 || round < rounds); round++ {
		for _, p := range []string{"/test", "/version", "/v3/scan", "/v3/read", "/v3/read/dev-1", "/v3/read/nope"} {
			if err := request(ctx, http.MethodGet, base+p); err != nil {
				return err
			}
		}
		for _, p := range []string{"/v3/write/dev-1", "/v3/write/dev-4", "/v3/write/dev-panic"} {
			if err := request(ctx, http.MethodPost, base+p); err != nil {
				return err
			}
		}
		if err := session(ctx, base, round%2 == 1); err != nil {
			return err
		}
		if err := readStream(ctx, base, 3); err != nil {
			return err
		}
		log.Printf("round %d done", round+1)
	}
	return nil
}

func request(ctx context.Context, method, url string) error {
	req, err := http.NewRequestWithContext(ctx, method, url, http.NoBody)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// session runs one WebSocket session: a request of each event, then a
// close handshake, or, with hangUp, the connection dropped mid-session.
func session(ctx context.Context, base string, hangUp bool) error {
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, "ws"+strings.TrimPrefix(base, "http")+"/v3/connect", nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("websocket: %w", err)
	}
	_ = resp.Body.Close()
	defer func() { _ = conn.Close() }()
	reqs := []message{
		{Event: "request/status"},
		{Event: "request/version"},
		{Event: "request/scan"},
		{Event: "request/read"},
		{Event: "request/read_device", Data: json.RawMessage(`{"id":"dev-2"}`)},
		{Event: "request/read_device", Data: json.RawMessage(`{"id":"nope"}`)},
		{Event: "request/write_async"},
		{Event: "request/made_up"},
	}
	for i, m := range reqs {
		m.ID = int64(i + 1)
		if err := conn.WriteJSON(m); err != nil {
			return err
		}
		var resp message
		if err := conn.ReadJSON(&resp); err != nil {
			return err
		}
		if hangUp && i == len(reqs)/2 {
			return conn.NetConn().Close() // the client vanishes mid-session
		}
	}
	_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"))
	_, _, err = conn.ReadMessage() // the server's close
	if !websocket.IsCloseError(err, websocket.CloseNormalClosure) && !websocket.IsUnexpectedCloseError(err) {
		return fmt.Errorf("websocket close: %w", err)
	}
	return nil
}

// readStream reads n rounds of readings from the event stream, then leaves.
func readStream(ctx context.Context, base string, n int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v3/stream?interval=50ms", http.NoBody)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	sc := bufio.NewScanner(resp.Body)
	for events := 0; events < n*len(exampleDevices()) && sc.Scan(); {
		if strings.HasPrefix(sc.Text(), "data:") {
			events++
		}
	}
	return nil // cancel hangs up
}
