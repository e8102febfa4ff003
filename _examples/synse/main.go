// Command synse is a Gin application shaped like Synse Server, instrumented
// with ginprom: an HTTP API whose responses are measured with their sizes,
// a WebSocket API whose messages are measured by event, and a stream of
// readings as Server-Sent Events. Sessions, WebSocket or SSE, are kept out
// of the request latency and counted apart.
//
//	SYNSE_METRICS_ENABLED=true go run .           # the API on :5000, metrics on /metrics
//	go run .                                      # metrics off, as Synse Server's default
//	go run . -drive http://localhost:5000 -for 1m # drive a running server as clients would
//
// As in Synse Server, metrics are off unless SYNSE_METRICS_ENABLED is true:
// ginprom reads no environment, the application does and passes the switch
// to ginprom.WithEnabled. dashboard.json is the Synse dashboard's HTTP and
// WebSocket panels for these metrics.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

func main() {
	addr := flag.String("addr", envOr("SYNSE_ADDR", ":5000"), "address to listen on")
	drive := flag.String("drive", "", "drive the server at this URL as clients would, instead of serving")
	duration := flag.Duration("for", 30*time.Second, "with -drive: how long to drive")
	rounds := flag.Int("rounds", 0, "with -drive: stop after this many rounds (0: drive for -for)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *drive != "" {
		ctx, cancel := context.WithTimeout(ctx, *duration)
		err := driveServer(ctx, *drive, *rounds)
		cancel()
		if err != nil {
			log.Fatal(err) //nolint:gocritic // exitAfterDefer: stop only restores the signal handlers
		}
		return
	}

	enabled, err := metricsEnabled()
	if err != nil {
		log.Fatal(err)
	}
	r := newServer(enabled, prometheus.DefaultRegisterer, prometheus.DefaultGatherer)
	srv := &http.Server{Addr: *addr, Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("synse example on %s, metrics enabled: %v", *addr, enabled)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// metricsEnabled reads SYNSE_METRICS_ENABLED as Synse Server reads its
// metrics.enabled setting: off unless set to a true value.
func metricsEnabled() (bool, error) {
	v, ok := os.LookupEnv("SYNSE_METRICS_ENABLED")
	if !ok || v == "" {
		return false, nil
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("SYNSE_METRICS_ENABLED=%q: want true or false", v)
	}
	return on, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// registry pairs where the metrics are registered and what is served.
type registry struct {
	prometheus.Registerer
	prometheus.Gatherer
}

// synseSchema is Synse Server's own HTTP and WebSocket metrics
// (ginprom.SynseSchema), so that a Synse dashboard reads this application
// unchanged, with the duration and bytes of sessions, which Synse does not
// measure, under ginprom's names.
func synseSchema() ginprom.Schema {
	s := ginprom.SynseSchema()
	session := func(more ...ginprom.Label) []ginprom.Label {
		return append([]ginprom.Label{{Name: "kind", Value: ginprom.SessionKind}, {Name: "path", Value: ginprom.Route}}, more...)
	}
	s.SessionDuration = ginprom.Family{Name: "synse_http_session_duration_seconds", Labels: session()}
	s.SessionBytesIn = ginprom.Family{Name: "synse_http_session_bytes_total", Labels: session(ginprom.Label{Name: "direction", Value: ginprom.Const("in")})}
	s.SessionBytesOut = ginprom.Family{Name: "synse_http_session_bytes_total", Labels: session(ginprom.Label{Name: "direction", Value: ginprom.Const("out")})}
	return s
}

// newServer builds the application with metrics on or off.
func newServer(enabled bool, reg prometheus.Registerer, g prometheus.Gatherer) *gin.Engine {
	r := gin.New()
	r.Use(gin.Recovery()) // before ginprom, so that panics are counted, then answered
	m := ginprom.New(r,
		ginprom.WithEnabled(enabled),
		ginprom.WithRegistry(registry{reg, g}),
		ginprom.WithSchema(synseSchema()), // Synse Server's own names
	)
	api := &api{m: m, devices: exampleDevices()}

	r.GET("/test", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok", "timestamp": now()}) })
	r.GET("/version", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"version": "3.0.0", "api_version": "v3"}) })
	v3 := r.Group("/v3")
	v3.GET("/scan", api.scan)
	v3.GET("/read", api.read)
	v3.GET("/read/:device", api.readDevice)
	v3.POST("/write/:device", api.write)
	v3.GET("/connect", api.connect)
	v3.GET("/stream", api.stream)
	return r
}

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// device is a made-up Synse device.
type device struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Info string `json:"info"`
}

func exampleDevices() map[string]device {
	devs := map[string]device{}
	for i, t := range []string{"temperature", "humidity", "fan", "led", "power", "pressure"} {
		id := fmt.Sprintf("dev-%d", i+1)
		devs[id] = device{ID: id, Type: t, Info: "example " + t + " device"}
	}
	return devs
}

type api struct {
	m       *ginprom.Metrics
	devices map[string]device
}

// reading is what a device reads.
type reading struct {
	Device    string  `json:"device"`
	Type      string  `json:"type"`
	Value     float64 `json:"value"`
	Timestamp string  `json:"timestamp"`
}

func (a *api) readingOf(d device) reading {
	return reading{Device: d.ID, Type: d.Type, Value: float64(len(d.ID)*7%40) + 20.5, Timestamp: now()}
}

func (a *api) scan(c *gin.Context) {
	out := make([]device, 0, len(a.devices))
	for _, d := range a.devices {
		out = append(out, d)
	}
	c.JSON(http.StatusOK, out)
}

func (a *api) read(c *gin.Context) {
	out := make([]reading, 0, len(a.devices))
	for _, d := range a.devices {
		out = append(out, a.readingOf(d))
	}
	c.JSON(http.StatusOK, out)
}

func (a *api) readDevice(c *gin.Context) {
	d, ok := a.devices[c.Param("device")]
	if !ok {
		c.JSON(http.StatusNotFound, gin.H{"http_code": 404, "description": "device not found"})
		return
	}
	c.JSON(http.StatusOK, []reading{a.readingOf(d)})
}

// write fails for devices that cannot be written (a 500, as a plugin
// error is in Synse), and panics for the device "dev-panic", to show that
// panics are counted.
func (a *api) write(c *gin.Context) {
	id := c.Param("device")
	if id == "dev-panic" {
		panic("example: a handler panicked")
	}
	d, ok := a.devices[id]
	switch {
	case !ok:
		c.JSON(http.StatusNotFound, gin.H{"http_code": 404, "description": "device not found"})
	case d.Type != "led" && d.Type != "fan":
		c.JSON(http.StatusInternalServerError, gin.H{"http_code": 500, "description": "device does not support writing"})
	default:
		c.JSON(http.StatusOK, gin.H{"device": id, "status": "PENDING"})
	}
}

// upgrader accepts WebSocket sessions from any origin, as an example may.
var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// message is a request or a response of Synse's WebSocket API.
type message struct {
	ID    int64           `json:"id"`
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// events are the requests the WebSocket API knows. The event label takes
// its values from this set only: a client's own event names are recorded
// as request/unknown, never as themselves.
var events = map[string]bool{
	"request/status": true, "request/version": true, "request/scan": true,
	"request/read": true, "request/read_device": true, "request/write_async": true,
}

// connect serves a WebSocket session: each request message gets one
// response, and is recorded with ObserveMessage by event. The handler
// returns when the client hangs up or closes, which ends the session.
func (a *api) connect(c *gin.Context) {
	conn, err := upgrader.Upgrade(c.Writer, c.Request, nil)
	if err != nil {
		return // the upgrader has answered the client with an error
	}
	defer func() { _ = conn.Close() }()
	for {
		_, in, err := conn.ReadMessage()
		if err != nil {
			return
		}
		start := time.Now()
		var req message
		resp, herr := a.handle(in, &req)
		out, _ := json.Marshal(resp)
		werr := conn.WriteMessage(websocket.TextMessage, out)
		event := req.Event
		if !events[event] {
			event = "request/unknown"
		}
		a.m.ObserveMessage(event, time.Since(start), len(in), len(out), errors.Join(herr, werr))
		if werr != nil {
			return
		}
	}
}

// handle answers one WebSocket request.
func (a *api) handle(in []byte, req *message) (message, error) {
	fail := func(err error) (message, error) {
		data, _ := json.Marshal(gin.H{"description": err.Error()})
		return message{ID: req.ID, Event: "response/error", Data: data}, err
	}
	if err := json.Unmarshal(in, req); err != nil {
		return fail(fmt.Errorf("invalid request: %w", err))
	}
	var data any
	switch req.Event {
	case "request/status":
		data = gin.H{"status": "ok", "timestamp": now()}
	case "request/version":
		data = gin.H{"version": "3.0.0", "api_version": "v3"}
	case "request/scan":
		data = a.devices
	case "request/read":
		var out []reading
		for _, d := range a.devices {
			out = append(out, a.readingOf(d))
		}
		data = out
	case "request/read_device":
		var q struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(req.Data, &q)
		d, ok := a.devices[q.ID]
		if !ok {
			return fail(fmt.Errorf("device %q not found", q.ID))
		}
		data = a.readingOf(d)
	case "request/write_async":
		return fail(errors.New("device does not support writing"))
	default:
		return fail(fmt.Errorf("unknown event %q", req.Event))
	}
	raw, _ := json.Marshal(data)
	return message{ID: req.ID, Event: "response/" + req.Event[len("request/"):], Data: raw}, nil
}

// stream sends the readings of every device as Server-Sent Events, every
// interval (default 1s, ?interval=100ms), until the client leaves.
func (a *api) stream(c *gin.Context) {
	interval, err := time.ParseDuration(c.DefaultQuery("interval", "1s"))
	if err != nil || interval < 10*time.Millisecond || interval > time.Minute {
		c.JSON(http.StatusBadRequest, gin.H{"http_code": 400, "description": "interval: a duration from 10ms to 1m"})
		return
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	first := true
	c.Stream(func(w io.Writer) bool {
		if !first {
			select {
			case <-c.Request.Context().Done():
				return false
			case <-tick.C:
			}
		}
		first = false
		for _, d := range a.devices {
			c.SSEvent("reading", a.readingOf(d))
		}
		return true
	})
}
