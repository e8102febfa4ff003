package ginprom_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-contrib/ginprom"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// get serves GET target on h, as a client would request it.
func get(h http.Handler, target string) {
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(context.Background(), http.MethodGet, target, nil))
}

// printMetrics scrapes /metrics on h and prints the samples whose name
// begins with one of prefixes. Durations vary from run to run, so the
// examples print counts, not sums.
func printMetrics(h http.Handler, prefixes ...string) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/metrics", nil))
	sc := bufio.NewScanner(w.Body)
	for sc.Scan() {
		line := sc.Text()
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				fmt.Println(line)
				break
			}
		}
	}
}

// A Gin application with the default metrics, grouped by route template.
func Example() {
	r := gin.New()
	// Create the metrics before registering routes, so that every route is
	// measured. This adds the middleware and GET /metrics.
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))

	r.GET("/users/:id", func(c *gin.Context) { c.String(http.StatusOK, "user %s", c.Param("id")) })

	get(r, "/users/1")
	get(r, "/users/2")
	get(r, "/no/such/page")

	printMetrics(r, "gin_http_request_duration_seconds_count", "gin_http_request_total")
	// Output:
	// gin_http_request_duration_seconds_count{method="GET",path="/users/:id",status="200"} 2
	// gin_http_request_duration_seconds_count{method="GET",path="<unmatched>",status="404"} 1
	// gin_http_request_total{method="GET",status="200"} 2
	// gin_http_request_total{method="GET",status="404"} 1
}

// The app-factory form: the metrics are made first, and attached to the
// engine when it is built. One Metrics may instrument several engines.
func ExampleNew() {
	m := ginprom.New(nil,
		ginprom.WithRegistry(prometheus.NewRegistry()),
		ginprom.WithDefaultsPrefix("shop"),
		ginprom.WithDefaultLabels(ginprom.Labels{"region": "eu-west"}),
	)

	newApp := func() *gin.Engine {
		r := gin.New()
		m.Instrument(r)
		r.GET("/cart", func(c *gin.Context) { c.Status(http.StatusNoContent) })
		return r
	}
	first, second := newApp(), newApp()
	get(first, "/cart")
	get(second, "/cart")

	printMetrics(first, "shop_http_request_total")
	// Output:
	// shop_http_request_total{method="GET",region="eu-west",status="204"} 2
}

// A counter of requests per item type. The label function runs after the
// handler, so it could also read the status; LimitValues keeps a client
// from creating a series per made-up type.
func ExampleMetrics_Counter() {
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))

	byType := m.Counter("items_requests", "Requests for items, by type.", ginprom.Labels{
		"type": ginprom.LimitValues(2, func(c *gin.Context) string { return c.Param("type") }),
	})
	r.GET("/items/:type", byType, func(c *gin.Context) { c.Status(http.StatusOK) })

	for _, t := range []string{"book", "book", "pen", "x1", "x2"} {
		get(r, "/items/"+t)
	}
	printMetrics(r, "items_requests_total")
	// Output:
	// items_requests_total{type="<overflow>"} 2
	// items_requests_total{type="book"} 2
	// items_requests_total{type="pen"} 1
}

// A gauge of the requests in progress on a slow route. Its series exists
// at 0 from the start, since its labels are static.
func ExampleMetrics_Gauge() {
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))

	inProgress := m.Gauge("reports_in_progress", "Reports being generated.", ginprom.Labels{"format": "pdf"})
	r.GET("/report", inProgress, func(c *gin.Context) {
		printMetrics(r, "reports_in_progress") // while the report is generated
		c.Status(http.StatusOK)
	})

	printMetrics(r, "reports_in_progress")
	get(r, "/report")
	printMetrics(r, "reports_in_progress")
	// Output:
	// reports_in_progress{format="pdf"} 0
	// reports_in_progress{format="pdf"} 1
	// reports_in_progress{format="pdf"} 0
}

// A histogram of the time spent in one route's handlers, with buckets of
// its own.
func ExampleMetrics_Histogram() {
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))

	r.POST("/upload",
		m.Histogram("upload_duration_seconds", "Time spent handling uploads.", nil,
			ginprom.WithMetricBuckets(0.1, 1, 10)),
		func(c *gin.Context) { c.Status(http.StatusCreated) })

	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/upload", nil)
	r.ServeHTTP(httptest.NewRecorder(), req)

	printMetrics(r, "upload_duration_seconds_count", `upload_duration_seconds_bucket{le="+Inf"}`)
	// Output:
	// upload_duration_seconds_bucket{le="+Inf"} 1
	// upload_duration_seconds_count 1
}

// A summary with quantiles, labelled with the status the client got.
func ExampleMetrics_Summary() {
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))

	r.GET("/search",
		m.Summary("search_duration_seconds", "Time spent searching.",
			ginprom.Labels{"status": func(c *gin.Context) string { return strconv.Itoa(c.Writer.Status()) }},
			ginprom.WithMetricObjectives(map[float64]float64{0.5: 0.05, 0.99: 0.001})),
		func(c *gin.Context) {
			if c.Query("q") == "" {
				c.AbortWithStatus(http.StatusBadRequest)
				return
			}
			c.Status(http.StatusOK)
		})

	get(r, "/search?q=gin")
	get(r, "/search")
	printMetrics(r, "search_duration_seconds_count")
	// Output:
	// search_duration_seconds_count{status="200"} 1
	// search_duration_seconds_count{status="400"} 1
}

// Routes can be left out of the default metrics (DoNotTrack) or of every
// metric (ExcludeAllMetrics).
func ExampleMetrics_DoNotTrack() {
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))
	pings := m.Counter("pings", "Pings received.", nil)

	r.GET("/ping", m.DoNotTrack(), pings, func(c *gin.Context) { c.String(http.StatusOK, "pong") })
	r.GET("/debug", m.ExcludeAllMetrics(), pings, func(c *gin.Context) { c.Status(http.StatusOK) })

	get(r, "/ping")
	get(r, "/debug")
	printMetrics(r, "pings_total", "gin_http_request_total")
	// Output:
	// pings_total 1
}

// RegisterDefault puts decorators on every route registered afterwards,
// here a counter labelled by route template.
func ExampleMetrics_RegisterDefault() {
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))
	m.RegisterDefault(m.Counter("route_requests", "Requests by route.", ginprom.Labels{
		"route": func(c *gin.Context) string { return c.FullPath() },
	}))

	r.GET("/a", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/b/:id", func(c *gin.Context) { c.Status(http.StatusOK) })
	get(r, "/a")
	get(r, "/b/1")
	get(r, "/b/2")
	get(r, "/metrics") // the metrics route is never decorated

	printMetrics(r, "route_requests_total")
	// Output:
	// route_requests_total{route="/a"} 1
	// route_requests_total{route="/b/:id"} 2
}

// An info metric carries the application's version in its labels.
func ExampleMetrics_Info() {
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))
	m.Info("app_info", "Application information.", prometheus.Labels{"version": "1.0.3", "commit": "9f1c2e4"})

	printMetrics(r, "app_info")
	// Output:
	// app_info{commit="9f1c2e4",version="1.0.3"} 1
}

// The metrics behind basic auth: every metrics route of the instance asks
// for the credentials, and rejected scrapes are not counted.
func ExampleWithMetricsMiddleware() {
	r := gin.New()
	ginprom.New(r,
		ginprom.WithRegistry(prometheus.NewRegistry()),
		ginprom.WithMetricsMiddleware(gin.BasicAuth(gin.Accounts{"prometheus": "s3cret"})),
	)

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/metrics", nil))
	fmt.Println("without credentials:", w.Code)

	req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/metrics", nil)
	req.SetBasicAuth("prometheus", "s3cret")
	w = httptest.NewRecorder()
	r.ServeHTTP(w, req)
	fmt.Println("with credentials:", w.Code)
	// Output:
	// without credentials: 401
	// with credentials: 200
}

// Health checks and static files left out of the metrics. Each expression
// is anchored at the start of the path.
func ExampleWithExcludedPaths() {
	r := gin.New()
	ginprom.New(r,
		ginprom.WithRegistry(prometheus.NewRegistry()),
		ginprom.WithExcludedPaths("/health$", `/static/.*\.(css|js)$`),
	)
	r.GET("/health", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/static/*file", func(c *gin.Context) { c.Status(http.StatusOK) })

	get(r, "/health")
	get(r, "/static/site.css")
	get(r, "/static/logo.png")
	printMetrics(r, "gin_http_request_duration_seconds_count")
	// Output:
	// gin_http_request_duration_seconds_count{method="GET",path="/static/*file",status="200"} 1
}

// Exclusions match the path Gin routed, not the URL as the client spelled
// it: under RemoveExtraSlash, "//health" is the health check, excluded, and
// "/static/../login" is the login page, measured.
func ExampleWithExcludedPaths_routedPath() {
	r := gin.New()
	r.RemoveExtraSlash = true
	ginprom.New(r,
		ginprom.WithRegistry(prometheus.NewRegistry()),
		ginprom.WithExcludedPaths("/health$", "/static/"),
	)
	r.GET("/health", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/login", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/static/*file", func(c *gin.Context) { c.Status(http.StatusOK) })

	get(r, "//health")
	get(r, "/static/../login")
	get(r, "/static//site.css")
	printMetrics(r, "gin_http_request_duration_seconds_count")
	// Output:
	// gin_http_request_duration_seconds_count{method="GET",path="/login",status="200"} 1
}

// Requests grouped by a label of your own: here the API version, taken
// from the route template.
func ExampleGroupByFunc() {
	apiVersion := func(c *gin.Context) string {
		if v, _, ok := strings.Cut(strings.TrimPrefix(c.FullPath(), "/"), "/"); ok {
			return v
		}
		return "none"
	}
	r := gin.New()
	ginprom.New(r,
		ginprom.WithRegistry(prometheus.NewRegistry()),
		ginprom.WithGroupBy(ginprom.GroupByFunc("api", apiVersion)),
	)
	r.GET("/v1/users", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/v2/users", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/v2/orders", func(c *gin.Context) { c.Status(http.StatusOK) })

	get(r, "/v1/users")
	get(r, "/v2/users")
	get(r, "/v2/orders")
	printMetrics(r, "gin_http_request_duration_seconds_count")
	// Output:
	// gin_http_request_duration_seconds_count{api="v1",method="GET",status="200"} 1
	// gin_http_request_duration_seconds_count{api="v2",method="GET",status="200"} 2
}

// The metrics on a port of their own, next to the application's.
func ExampleMetrics_StartHTTPServer() {
	m := ginprom.New(nil, ginprom.WithRegistry(prometheus.NewRegistry()))
	m.Info("app_info", "Application information.", prometheus.Labels{"version": "1.0.3"})

	srv, err := m.StartHTTPServer("127.0.0.1:0") // port 0: any free port
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			fmt.Println(err)
		}
	}()

	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://"+srv.Addr+"/metrics", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		if err := resp.Body.Close(); err != nil {
			fmt.Println(err)
		}
	}()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "app_info") {
			fmt.Println(sc.Text())
		}
	}
	// Output:
	// app_info{version="1.0.3"} 1
}

// Dependencies watched in the background, each checked every 30 seconds
// with a 2-second timeout: 1 while the check returns nil, 0 after an error,
// a panic or a timeout. The first check has run when WatchDependency
// returns; Close stops every watcher and waits for them.
func ExampleMetrics_WatchDependency() {
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))
	defer m.Close()

	ping := func(ctx context.Context) error { return nil } // say, db.PingContext
	m.WatchDependency("postgres", ping,
		ginprom.WatchInterval(30*time.Second), ginprom.WatchTimeout(2*time.Second))
	stop := m.WatchDependency("redis", func(ctx context.Context) error {
		return errors.New("dial tcp 10.0.0.7:6379: connect: connection refused")
	})

	printMetrics(r, "gin_dependency_up")
	stop() // the redis watcher ends, and its series goes away
	printMetrics(r, "gin_dependency_up")
	// Output:
	// gin_dependency_up{name="postgres"} 1
	// gin_dependency_up{name="redis"} 0
	// gin_dependency_up{name="postgres"} 1
}

// An HTTP dependency watched through its health URL.
func ExampleHTTPCheck() {
	search := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable) // still starting
	}))
	defer search.Close()
	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))
	defer m.Close()

	m.WatchDependency("search", ginprom.HTTPCheck(search.URL+"/healthz", nil))
	printMetrics(r, "gin_dependency_up")
	// Output:
	// gin_dependency_up{name="search"} 0
}

// Outgoing requests to a dependency, timed by name, method and status; the
// URLs never become labels.
func ExampleMetrics_InstrumentClient() {
	billing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/invoices/missing" {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer billing.Close()

	r := gin.New()
	m := ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()))
	client := &http.Client{Transport: m.InstrumentClient("billing", nil)} // nil: http.DefaultTransport
	defer client.CloseIdleConnections()

	for _, path := range []string{"/invoices/1", "/invoices/2", "/invoices/missing"} {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, billing.URL+path, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		_, err = io.Copy(io.Discard, resp.Body)
		if cerr := resp.Body.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	printMetrics(r, "gin_dependency_request_duration_seconds_count")
	// Output:
	// gin_dependency_request_duration_seconds_count{method="GET",name="billing",status="200"} 2
	// gin_dependency_request_duration_seconds_count{method="GET",name="billing",status="404"} 1
}

// The Big Brother protocol: request_seconds, response_size_bytes and
// application_info, unprefixed, with isError by status and errorMessage set
// by the handler.
func ExampleWithBigBrother() {
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithBigBrother("1.4.2"))

	r.GET("/orders/:id", func(c *gin.Context) {
		if c.Param("id") == "0" {
			ginprom.SetErrorMessage(c, "no such order")
			c.String(http.StatusNotFound, "not found")
			return
		}
		c.String(http.StatusOK, "order %s", c.Param("id"))
	})

	get(r, "/orders/7")
	get(r, "/orders/0")

	printMetrics(r, "request_seconds_count", "response_size_bytes", "application_info")
	// Output:
	// application_info{version="1.4.2"} 1
	// request_seconds_count{addr="/orders/:id",errorMessage="",isError="false",method="GET",status="200",type="http"} 1
	// request_seconds_count{addr="/orders/:id",errorMessage="no such order",isError="true",method="GET",status="404",type="http"} 1
	// response_size_bytes{addr="/orders/:id",errorMessage="",isError="false",method="GET",status="200",type="http"} 7
	// response_size_bytes{addr="/orders/:id",errorMessage="no such order",isError="true",method="GET",status="404",type="http"} 9
}

// SetErrorMessage is the only source of errorMessage; a fixed message per
// kind of error keeps the series few. Messages are cut to 256 bytes, and
// past 100 distinct ones new messages are recorded as Overflow.
func ExampleSetErrorMessage() {
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithBigBrother("1.0.0"))
	r.POST("/payments", func(c *gin.Context) {
		ginprom.SetErrorMessage(c, "card declined") // not err.Error(), which may hold request data
		c.Status(http.StatusPaymentRequired)
	})

	w := httptest.NewRecorder()
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/payments", nil)
	req.Header.Set("errorMessage", "a client cannot set it")
	r.ServeHTTP(w, req)

	printMetrics(r, "request_seconds_count")
	// Output:
	// request_seconds_count{addr="/payments",errorMessage="card declined",isError="true",method="POST",status="402",type="http"} 1
}

// OpenTelemetry's HTTP server names, as its Prometheus exporter spells
// them: unknown methods are _OTHER, error_type is set for server errors,
// and unmatched requests get no http_route.
func ExampleWithSemconv() {
	r := gin.New()
	ginprom.New(r, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithSemconv())
	r.GET("/users/:id", func(c *gin.Context) { c.String(http.StatusOK, "user") })
	r.GET("/fail", func(c *gin.Context) { c.Status(http.StatusBadGateway) })

	get(r, "/users/1")
	get(r, "https://example.com/users/2")
	get(r, "/fail")
	get(r, "/no/such/page")

	printMetrics(r, "http_server_request_duration_seconds_count")
	// Output:
	// http_server_request_duration_seconds_count{error_type="",http_request_method="GET",http_response_status_code="200",http_route="/users/:id",url_scheme="http"} 1
	// http_server_request_duration_seconds_count{error_type="",http_request_method="GET",http_response_status_code="200",http_route="/users/:id",url_scheme="https"} 1
	// http_server_request_duration_seconds_count{error_type="",http_request_method="GET",http_response_status_code="404",http_route="",url_scheme="http"} 1
	// http_server_request_duration_seconds_count{error_type="502",http_request_method="GET",http_response_status_code="502",http_route="/fail",url_scheme="http"} 1
}

// A batch job: it does its work, records it on the instance's registry,
// pushes everything to a Pushgateway and exits. The test server here stands
// in for the gateway and prints where the push went.
func ExampleMetrics_Push() {
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.Method, r.URL.Path)
	}))
	defer gateway.Close()

	reg := prometheus.NewRegistry()
	m := ginprom.New(nil, ginprom.WithRegistry(reg), ginprom.WithoutDefaults(),
		// One group per instance; the host name unless told otherwise.
		ginprom.WithPushInstance("importer-1"))
	imported := prometheus.NewCounter(prometheus.CounterOpts{Name: "import_rows_total", Help: "Rows imported."})
	reg.MustRegister(imported)

	imported.Add(42) // the work

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Push(ctx, gateway.URL, "nightly_import"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// PUT /metrics/job/nightly_import/instance/importer-1
}

// A worker that runs for a while and cannot be scraped pushes periodically,
// and a last time when it stops.
func ExampleMetrics_StartPushing() {
	var mu sync.Mutex
	var last string
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		last = r.Method + " " + r.URL.Path
	}))
	defer gateway.Close()

	m := ginprom.New(nil, ginprom.WithRegistry(prometheus.NewRegistry()), ginprom.WithPushInstance("worker-3"))
	stop := m.StartPushing(gateway.URL, "queue_worker", 15*time.Second)

	// ... the work, until it is time to go ...

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := stop(ctx) // the last push, with the final values
	mu.Lock()
	defer mu.Unlock()
	fmt.Println(last, err)
	// Output:
	// PUT /metrics/job/queue_worker/instance/worker-3 <nil>
}
