package schemas

import "github.com/gin-contrib/ginprom"

// Synse returns the HTTP and WebSocket application metrics of Synse Server
// (vapor-ware/synse-server), with prometheus_client's default buckets
// (ginprom's [ginprom.DefaultBuckets]).
//
// The HTTP families keep Synse's five labels; endpoint, the raw path in
// Synse, holds the route template, and ip, the client address, is empty.
// The WebSocket families are the messages of [ginprom.Metrics.ObserveMessage],
// labelled by its event; the bytes returned are labelled by the request's
// event, where Synse labels them by the response's. synse_websocket_session_count
// counts open sessions by route, WebSocket and event stream alike, where
// Synse labels them by client address.
func Synse() ginprom.Schema {
	http := []ginprom.Label{
		{Name: "method", Value: ginprom.Method},
		{Name: "template", Value: ginprom.Route},
		{Name: "endpoint", Value: ginprom.Route},
		{Name: "http_code", Value: ginprom.Status},
		{Name: "ip", Value: ginprom.Const("")},
	}
	event := []ginprom.Label{{Name: "event", Value: ginprom.Event}}
	return ginprom.Schema{
		Duration:        ginprom.Family{Name: "synse_http_request_latency_sec", Help: "The time it takes for an HTTP request to be fulfilled", Labels: http},
		Requests:        ginprom.Family{Name: "synse_http_request_count_total", Help: "The total number of HTTP requests processed", Labels: http},
		ResponseBytes:   ginprom.Family{Name: "synse_http_response_bytes_total", Help: "The total number of bytes returned in HTTP API responses", Labels: http},
		Messages:        ginprom.Family{Name: "synse_websocket_request_count_total", Help: "The total number of WebSocket requests processed", Labels: event},
		MessageErrors:   ginprom.Family{Name: "synse_websocket_error_response_count_total", Help: "The total number of error responses returned by the WebSocket API", Labels: event},
		MessageDuration: ginprom.Family{Name: "synse_websocket_request_latency_sec", Help: "The time it takes for a WebSocket request to be fulfilled", Labels: event},
		MessageBytesIn:  ginprom.Family{Name: "synse_websocket_request_bytes_total", Help: "The total number of bytes received from WebSocket requests", Labels: event},
		MessageBytesOut: ginprom.Family{Name: "synse_websocket_response_bytes_total", Help: "The total number of bytes returned from the WebSocket API", Labels: event},
		SessionsOpen: ginprom.Family{
			Name: "synse_websocket_session_count", Help: "The total number of active WebSocket sessions connected to Synse Server",
			Labels: []ginprom.Label{{Name: "source", Value: ginprom.Route}},
		},
	}
}
