package hue

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"
)

// endpoint is where a bridge answers. A host typed with a scheme is used as
// typed. A host without one means https first: the first request finds out
// whether the bridge speaks TLS, and only a bridge that has no https at all
// is reached over plain http. A certificate that fails never leads to http:
// that would hand the key to whoever made it fail.
type endpoint struct {
	hostport string // as typed, port optional
	timeout  time.Duration
	plain    func(base string) // hears the fall back to http; may be nil

	mu      sync.Mutex
	decided string // scheme://host[:port] once known
}

func newEndpoint(scheme, hostport string, timeout time.Duration, plain func(string)) *endpoint {
	e := &endpoint{hostport: hostport, timeout: timeout, plain: plain}
	if scheme != "" {
		e.decided = scheme + "://" + hostport
	}
	return e
}

// current is the base URL as far as it is known.
func (e *endpoint) current() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.decided != "" {
		return e.decided
	}
	return "https://" + e.hostport
}

// base is the bridge's scheme://host[:port], trying the bridge once if that
// is not known yet. An unreachable bridge leaves it open for the next try.
func (e *endpoint) base(ctx context.Context) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.decided != "" {
		return e.decided, nil
	}
	scheme, err := probeScheme(ctx, e.hostport, e.timeout)
	if err != nil {
		return "", err
	}
	e.decided = scheme + "://" + e.hostport
	if scheme == "http" && e.plain != nil {
		e.plain(e.decided)
	}
	return e.decided, nil
}

// probeScheme opens a TLS handshake to the bridge (port 443 unless the host
// names one) and sends nothing over it. A handshake, whatever the
// certificate, means https; an answer that is not TLS on a named port, or a
// refused 443 with port 80 open, means http.
func probeScheme(ctx context.Context, hostport string, timeout time.Duration) (string, error) {
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, port, named := splitPort(hostport)
	if !named {
		port = "443"
	}
	d := tls.Dialer{Config: &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // only asks whether TLS is spoken; nothing is sent over this connection
	}}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err == nil {
		conn.Close()
		return "https", nil
	}
	var rec tls.RecordHeaderError
	switch {
	case errors.As(err, &rec) && named:
		return "http", nil
	case errors.Is(err, syscall.ECONNREFUSED) && !named && open(ctx, net.JoinHostPort(host, "80")):
		return "http", nil
	}
	return "", fmt.Errorf("bridge at %s: %w", hostport, err)
}

// splitPort splits host[:port]; named reports whether a port was given.
func splitPort(hostport string) (host, port string, named bool) {
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		return h, p, true
	}
	if len(hostport) > 1 && hostport[0] == '[' && hostport[len(hostport)-1] == ']' {
		return hostport[1 : len(hostport)-1], "", false
	}
	return hostport, "", false
}

func open(ctx context.Context, addr string) bool {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}
