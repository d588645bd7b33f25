package embedded

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
	"github.com/huegate/huegate/internal/httpserve"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/rs/zerolog"
)

// wsListener serves MQTT over WebSocket (subprotocol "mqtt"), for browser
// clients such as mqtt.js and Paho JS. Unlike mochi's own WebSocket
// listener it binds its port in Init, so a port that is taken is an error
// from Start instead of a log line after start-up, and Address reports the
// port actually bound.
type wsListener struct {
	id       string
	addr     string
	log      zerolog.Logger // the HTTP server's own errors
	ln       net.Listener
	srv      *http.Server
	upgrader websocket.Upgrader
	origins  map[string]bool // allowed besides loopback pages
	gate     gate

	mu        sync.Mutex
	establish listeners.EstablishFn
	closed    bool
}

func newWSListener(id, addr string, origins []string, log zerolog.Logger) *wsListener {
	l := &wsListener{id: id, addr: addr, origins: map[string]bool{}, log: log}
	for _, o := range origins {
		l.origins[strings.ToLower(strings.TrimSuffix(o, "/"))] = true
	}
	l.upgrader = websocket.Upgrader{Subprotocols: []string{"mqtt"}, CheckOrigin: l.originOK}
	return l
}

// originOK lets in clients that are not browsers (no Origin), pages served
// from this machine (a loopback origin) and the origins configured in
// mqtt.ws_origins. Any other web page open in the user's browser would
// otherwise reach a loopback listener and drive the lights.
func (l *wsListener) originOK(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if l.origins[strings.ToLower(origin)] {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false // "null" (a file, a sandbox) only when listed
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (l *wsListener) ID() string       { return l.id }
func (l *wsListener) Protocol() string { return "ws" }

func (l *wsListener) Address() string {
	if l.ln != nil {
		return l.ln.Addr().String()
	}
	return l.addr
}

// Init binds the port, within httpserve's limits: browser clients that
// open connections and keep them cannot take the file descriptors huegate
// needs (an MQTT client's WebSocket counts until it closes).
func (l *wsListener) Init(*slog.Logger) error {
	ln, err := httpserve.Default.Listen(l.addr)
	if err != nil {
		return err
	}
	l.ln = ln
	l.srv = httpserve.Default.Server(l, l.log)
	return nil
}

func (l *wsListener) Serve(establish listeners.EstablishFn) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.establish = establish
	l.mu.Unlock()
	_ = l.srv.Serve(l.ln) // returns once Close closes the server
}

// stop stops accepting and waits for connections on their way to mochi.
func (l *wsListener) stop() {
	l.mu.Lock()
	already := l.closed
	l.closed = true
	l.mu.Unlock()
	if !already {
		if l.srv != nil {
			_ = l.srv.Close()
		}
		if l.ln != nil {
			_ = l.ln.Close() // in case Serve never ran
		}
	}
	l.gate.stop()
}

// Close stops accepting, then lets mochi disconnect this listener's
// clients (hijacked connections are not the http.Server's any more).
func (l *wsListener) Close(closeClients listeners.CloseFn) {
	l.stop()
	closeClients(l.id)
	closeClients(browserID(l.id))
}

// browserID is the listener id under which browsers on listener id connect.
func browserID(id string) string { return id + "-browser" }

func (l *wsListener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if l.gate.open.Load() >= maxConns {
		l.gate.refused.Add(1)
		http.Error(w, "too many connections", http.StatusServiceUnavailable)
		return
	}
	c, err := l.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered with an HTTP error
	}
	defer c.Close()
	if !l.gate.admit(c.UnderlyingConn()) {
		return
	}
	defer l.gate.done()
	c.SetReadLimit(maxPacketSize + 8) // a packet and its fixed header
	l.mu.Lock()
	establish := l.establish
	l.mu.Unlock()
	if establish == nil {
		return
	}
	// A page in a browser (it sends Origin) joins under a listener id of
	// its own, so the auth hook can ask it to log in wherever users exist.
	id := l.id
	if r.Header.Get("Origin") != "" {
		id = browserID(l.id)
	}
	l.gate.hand(id, &wsConn{Conn: c.UnderlyingConn(), ws: c}, establish)
}

// wsConn presents a WebSocket as the byte stream mochi reads packets from:
// each binary message is a run of bytes, and each write is one message.
type wsConn struct {
	net.Conn // for addresses and deadlines
	ws       *websocket.Conn

	r   io.Reader // the message being read, if any
	wmu sync.Mutex
}

var errNotBinary = errors.New("websocket message is not binary")

func (c *wsConn) Read(p []byte) (int, error) {
	for {
		if c.r == nil {
			op, r, err := c.ws.NextReader()
			if err != nil {
				return 0, err
			}
			if op != websocket.BinaryMessage {
				return 0, errNotBinary
			}
			c.r = r
		}
		n, err := c.r.Read(p)
		if errors.Is(err, io.EOF) {
			c.r = nil
			if n == 0 {
				continue // an empty message, or the end of one: read the next
			}
			err = nil
		}
		return n, err
	}
}

func (c *wsConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.ws.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (c *wsConn) Close() error { return c.ws.Close() }
