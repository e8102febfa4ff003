package ginprom

// SynseSchema returns the HTTP and WebSocket application metrics of Synse Server
// (vapor-ware/synse-server), with prometheus_client's default buckets
// (ginprom's [DefaultBuckets]).
//
// The HTTP families keep Synse's five labels; endpoint, the raw path in
// Synse, holds the route template, and ip, the client address, is empty.
// The WebSocket families are the messages of [Metrics.ObserveMessage],
// labelled by its event; the bytes returned are labelled by the request's
// event, where Synse labels them by the response's. synse_websocket_session_count
// counts open sessions by route, WebSocket and event stream alike, where
// Synse labels them by client address.
func SynseSchema() Schema {
	http := []Label{
		{Name: "method", Value: Method},
		{Name: "template", Value: Route},
		{Name: "endpoint", Value: Route},
		{Name: "http_code", Value: Status},
		{Name: "ip", Value: Const("")},
	}
	event := []Label{{Name: "event", Value: Event}}
	return Schema{
		Duration:        Family{Name: "synse_http_request_latency_sec", Help: "The time it takes for an HTTP request to be fulfilled", Labels: http},
		Requests:        Family{Name: "synse_http_request_count_total", Help: "The total number of HTTP requests processed", Labels: http},
		ResponseBytes:   Family{Name: "synse_http_response_bytes_total", Help: "The total number of bytes returned in HTTP API responses", Labels: http},
		Messages:        Family{Name: "synse_websocket_request_count_total", Help: "The total number of WebSocket requests processed", Labels: event},
		MessageErrors:   Family{Name: "synse_websocket_error_response_count_total", Help: "The total number of error responses returned by the WebSocket API", Labels: event},
		MessageDuration: Family{Name: "synse_websocket_request_latency_sec", Help: "The time it takes for a WebSocket request to be fulfilled", Labels: event},
		MessageBytesIn:  Family{Name: "synse_websocket_request_bytes_total", Help: "The total number of bytes received from WebSocket requests", Labels: event},
		MessageBytesOut: Family{Name: "synse_websocket_response_bytes_total", Help: "The total number of bytes returned from the WebSocket API", Labels: event},
		SessionsOpen: Family{
			Name: "synse_websocket_session_count", Help: "The total number of active WebSocket sessions connected to Synse Server",
			Labels: []Label{{Name: "source", Value: Route}},
		},
	}
}
