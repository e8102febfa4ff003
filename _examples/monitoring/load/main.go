// Command load sends the monitoring example a realistic mix of traffic:
// several routes, client errors (400, 404), server errors (500), panics,
// scans of URLs that match no route, and slow requests.
//
//	go run ./load                          # 20 requests a second to localhost:8080 until stopped
//	go run ./load -n 500 -rate 0           # 500 requests as fast as 4 workers go, then a summary
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// request is one kind of request of the mix, with its weight.
type request struct {
	weight int
	method string
	path   func() string
	body   func() string
}

func fixed(s string) func() string { return func() string { return s } }

var mix = []request{
	{10, http.MethodGet, fixed("/"), nil},
	{30, http.MethodGet, func() string { return fmt.Sprintf("/users/%d", 1+rand.IntN(999)) }, nil},
	{5, http.MethodGet, func() string { return fmt.Sprintf("/users/%d", 1000+rand.IntN(9000)) }, nil}, // 404
	{3, http.MethodGet, fixed("/users/me"), nil},                                                      // 400
	{15, http.MethodPost, fixed("/orders"), func() string { return `{"item":"book","quantity":` + fmt.Sprint(1+rand.IntN(5)) + `}` }},
	{2, http.MethodPost, fixed("/orders"), fixed("")}, // 400
	{15, http.MethodGet, func() string { return "/search?q=" + []string{"go", "gin", "prometheus"}[rand.IntN(3)] }, nil},
	{2, http.MethodGet, fixed("/search"), nil}, // 400
	{3, http.MethodGet, fixed("/slow"), nil},
	{1, http.MethodGet, fixed("/panic"), nil}, // 500 and an exception
	{5, http.MethodGet, func() string { // scans: no route, one series
		return []string{"/wp-login.php", "/.env", "/admin.php", "/cgi-bin/test.cgi", "/.git/config"}[rand.IntN(5)] + fmt.Sprintf("?x=%d", rand.IntN(1e6))
	}, nil},
}

func main() {
	target := flag.String("target", "http://localhost:8080", "base URL of the monitoring example")
	n := flag.Int("n", 0, "requests to send in all; 0 sends until interrupted")
	rate := flag.Float64("rate", 20, "requests a second in all; 0 sends as fast as the workers go")
	workers := flag.Int("workers", 4, "requests in flight at once")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	counts, err := run(ctx, strings.TrimRight(*target, "/"), *n, *rate, *workers)
	codes := make([]int, 0, len(counts))
	for code := range counts {
		codes = append(codes, code)
	}
	sort.Ints(codes)
	for _, code := range codes {
		fmt.Printf("%d %d\n", code, counts[code])
	}
	if err != nil {
		log.Fatal(err)
	}
}

// run sends the requests and returns how many got each status.
func run(ctx context.Context, target string, n int, rate float64, workers int) (map[int]int, error) {
	total := 0
	for _, r := range mix {
		total += r.weight
	}
	jobs := make(chan request)
	go func() {
		defer close(jobs)
		var tick <-chan time.Time
		if rate > 0 {
			t := time.NewTicker(time.Duration(float64(time.Second) / rate))
			defer t.Stop()
			tick = t.C
		}
		for i := 0; n == 0 || i < n; i++ {
			if tick != nil {
				select {
				case <-tick:
				case <-ctx.Done():
					return
				}
			}
			select {
			case jobs <- pick(total):
			case <-ctx.Done():
				return
			}
		}
	}()

	client := &http.Client{Timeout: 10 * time.Second}
	var (
		mu     sync.Mutex
		counts = map[int]int{}
		failed atomic.Value
		wg     sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				code, err := send(ctx, client, target, r)
				if err != nil {
					if ctx.Err() == nil {
						failed.Store(err)
					}
					continue
				}
				mu.Lock()
				counts[code]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return counts, err
	}
	return counts, nil
}

func pick(total int) request {
	i := rand.IntN(total)
	for _, r := range mix {
		if i < r.weight {
			return r
		}
		i -= r.weight
	}
	return mix[0]
}

func send(ctx context.Context, client *http.Client, target string, r request) (int, error) {
	var body io.Reader
	if r.body != nil {
		body = strings.NewReader(r.body())
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target+r.path(), body)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}
