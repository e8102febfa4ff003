package ginprom

import (
	"bytes"
	"net"
	"net/http"
	"strings"
)

// countingConn is a hijacked connection that counts the bytes it carries,
// one atomic addition per read or write, whatever the messages on it. The
// upgrade's 101 response is not counted, so that out is the same whichever
// library upgrades: when the handler writes it on the connection, the
// response head (the bytes up to its blank line) is skipped.
type countingConn struct {
	net.Conn
	s       *session
	head    bool // the response head may still be written on the connection
	started bool // something was written
	ended   int  // how much of "\r\n\r\n" the head's last bytes hold
}

func (cc *countingConn) Read(b []byte) (int, error) {
	n, err := cc.Conn.Read(b)
	if n > 0 {
		cc.s.addIn(n)
	}
	return n, err
}

func (cc *countingConn) Write(b []byte) (int, error) {
	n, err := cc.Conn.Write(b)
	counted := b[:n]
	if cc.head {
		counted = cc.skipHead(counted)
	}
	if len(counted) > 0 {
		cc.s.addOut(len(counted))
	}
	return n, err
}

// skipHead returns what of b follows the 101 response's head: all of b if
// the first bytes written are not an HTTP response, none while the head
// goes on.
func (cc *countingConn) skipHead(b []byte) []byte {
	if !cc.started && len(b) > 0 {
		cc.started = true
		if !bytes.HasPrefix(b, []byte("HTTP/")) {
			cc.head = false
			return b
		}
	}
	const end = "\r\n\r\n"
	for i, c := range b {
		switch c {
		case end[cc.ended]:
			cc.ended++
		case '\r':
			cc.ended = 1
		default:
			cc.ended = 0
		}
		if cc.ended == len(end) {
			cc.head = false
			return b[i+1:]
		}
	}
	return nil
}

// websocketRequest reports what c.IsWebsocket() reports, without its
// allocations: the Upgrade header is "websocket" and Connection has the
// token "upgrade", case aside. An ordinary request, without Upgrade, costs
// one map lookup.
func websocketRequest(r *http.Request) bool {
	up := r.Header["Upgrade"]
	return len(up) > 0 && websocketUpgrade(r, up[0])
}

// websocketUpgrade is websocketRequest for a request whose first Upgrade
// header is up.
func websocketUpgrade(r *http.Request, up string) bool {
	return strings.EqualFold(up, "websocket") && containsFold(r.Header.Get("Connection"), "upgrade")
}

// containsFold reports whether s contains sub, ASCII case aside, without
// allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == sub[0] && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
