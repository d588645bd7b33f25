package embedded

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
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

	mu        sync.Mutex
	establish listeners.EstablishFn
	closed    bool
}

func newWSListener(id, addr string, log zerolog.Logger) *wsListener {
	return &wsListener{
		id:   id,
		addr: addr,
		log:  log,
		upgrader: websocket.Upgrader{
			Subprotocols: []string{"mqtt"},
			// Browser sketches are served from anywhere (a file, an online
			// editor): any origin may connect. Access is the auth hook's job.
			CheckOrigin: func(*http.Request) bool { return true },
		},
	}
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

// Close stops accepting, then lets mochi disconnect this listener's
// clients (hijacked connections are not the http.Server's any more).
func (l *wsListener) Close(closeClients listeners.CloseFn) {
	l.mu.Lock()
	already := l.closed
	l.closed = true
	l.mu.Unlock()
	if already {
		return
	}
	if l.srv != nil {
		_ = l.srv.Close()
	}
	if l.ln != nil {
		_ = l.ln.Close() // in case Serve never ran
	}
	closeClients(l.id)
}

func (l *wsListener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := l.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered with an HTTP error
	}
	defer c.Close()
	c.SetReadLimit(maxPacketSize + 8) // a packet and its fixed header
	l.mu.Lock()
	establish := l.establish
	l.mu.Unlock()
	if establish == nil {
		return
	}
	_ = establish(l.id, &wsConn{Conn: c.UnderlyingConn(), ws: c})
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
