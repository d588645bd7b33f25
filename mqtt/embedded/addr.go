package embedded

import (
	"fmt"
	"net"
	"strings"
)

// IsLoopback reports whether a listen address (host:port) binds only to the
// loopback interface. An empty host, 0.0.0.0, [::] and hostnames other than
// localhost bind further, or might.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ListenError is a listener that could not open its address. Callers can
// test the cause with errors.Is, e.g. errors.Is(err, syscall.EADDRINUSE)
// for a port another program holds.
type ListenError struct {
	Listener string // "tcp" or "websocket"
	Addr     string
	Err      error
}

func (e *ListenError) Error() string {
	return fmt.Sprintf("built-in broker: open the %s listener on %s: %v", e.Listener, e.Addr, e.Err)
}

func (e *ListenError) Unwrap() error { return e.Err }
