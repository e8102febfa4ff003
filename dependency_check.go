package ginprom

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// HTTPCheck returns a check for [Metrics.WatchDependency] that sends GET
// url with client and passes when the answer's status is 2xx. It reads and
// closes the body, so that the connection can be reused, and honours the
// check's context, so the watch's timeout ends a request that hangs. A
// transport error, or any other status, fails the check; the error names
// the status, never the body.
//
// A nil client is a client of its own with the default transport: give the
// check a client that [Metrics.InstrumentClient] does not wrap, or every
// check counts as an outgoing call of the application.
//
// HTTPCheck panics if url is empty.
func HTTPCheck(url string, client *http.Client) func(ctx context.Context) error {
	if url == "" {
		panic("ginprom: HTTPCheck: the URL is empty; give the dependency's health URL")
	}
	if client == nil {
		client = &http.Client{}
	}
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		if cerr := resp.Body.Close(); err == nil {
			err = cerr
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return fmt.Errorf("ginprom: HTTPCheck: GET %s answered %d", url, resp.StatusCode)
		}
		return err
	}
}
