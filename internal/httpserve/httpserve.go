// Package httpserve is how huegate serves HTTP (the control page, /metrics
// and /healthz, the built-in broker's WebSocket listener): with limits on
// connections and how long they may sit idle, so that clients that open
// connections and keep them cannot take the file descriptors huegate needs
// for its broker and its bridges, and with the server's own error lines in
// huegate's log.
package httpserve

import (
	"bytes"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/net/netutil"
)

// Limits bound what clients can hold.
type Limits struct {
	// MaxConns is how many connections the listener holds at once,
	// WebSockets included; further ones wait in the kernel's accept queue,
	// costing huegate nothing, until one closes.
	MaxConns int
	// ReadHeaderTimeout closes a connection that has not sent a request's
	// headers in time: one that connects and says nothing.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a kept-alive connection with no request for that
	// long.
	IdleTimeout time.Duration
	// WriteTimeout bounds writing a response (not a WebSocket, whose
	// upgrade clears it).
	WriteTimeout time.Duration
}

// Default are the limits of every listener huegate serves HTTP on. 256
// connections leave room for the control page's 64 WebSockets, and take a
// quarter of the usual 1,024 file descriptors at most.
var Default = Limits{
	MaxConns:          256,
	ReadHeaderTimeout: 10 * time.Second,
	IdleTimeout:       30 * time.Second,
	WriteTimeout:      30 * time.Second,
}

// Listen listens on addr (TCP), holding at most l.MaxConns connections.
func (l Limits) Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return netutil.LimitListener(ln, l.MaxConns), nil
}

// Server is an http.Server for h with these limits, logging its errors
// (such as "http: Accept error: ... too many open files") to log at warn
// level instead of as plain text on stderr.
func (l Limits) Server(h http.Handler, logger zerolog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		IdleTimeout:       l.IdleTimeout,
		WriteTimeout:      l.WriteTimeout,
		ErrorLog:          log.New(logWriter{logger}, "", 0),
	}
}

// logWriter turns each line the standard library logs into a zerolog
// warning.
type logWriter struct{ log zerolog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.log.Warn().Msg(string(bytes.TrimSpace(p)))
	return len(p), nil
}
