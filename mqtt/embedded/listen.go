package embedded

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"
)

// connectWait is how long a new connection may take to send CONNECT.
// mochi has no such limit: a socket that never logs in is held until it
// closes, a goroutine, a buffer and a file each. Tests shorten it.
var connectWait = 5 * time.Second

// maxConns caps the connections open on one listener, logged in or not. A
// home has a few dozen MQTT clients at most.
const maxConns = 512

// gate admits at most maxConns connections to a listener at once, gives
// each connectWait to log in (mochi sets the keepalive deadline once
// CONNECT has been read), and lets the broker close without racing a
// connection being handed to mochi: mochi's Close and EstablishConnection
// touch the same fields unguarded.
type gate struct {
	open    atomic.Int64
	refused atomic.Int64 // connections closed at once because the listener was full

	mu       sync.Mutex
	stopped  bool
	starting sync.WaitGroup // connections handed to mochi that it has not read yet
}

// admit reports whether c may go on; if not, c is closed. A caller that
// was admitted calls done when c has ended.
func (g *gate) admit(c net.Conn) bool {
	if g.open.Add(1) > maxConns {
		g.open.Add(-1)
		g.refused.Add(1)
		_ = c.Close()
		return false
	}
	_ = c.SetDeadline(time.Now().Add(connectWait))
	return true
}

func (g *gate) done() { g.open.Add(-1) }

// hand gives c to mochi through establish, unless the listener is
// stopping. mochi reads CONNECT first: by then it has built its client.
func (g *gate) hand(id string, c net.Conn, establish listeners.EstablishFn) {
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		_ = c.Close()
		return
	}
	g.starting.Add(1)
	g.mu.Unlock()
	fr := &firstRead{Conn: c, done: g.starting.Done}
	defer fr.once.Do(fr.done) // mochi gave up before reading
	_ = establish(id, fr)
}

// stop hands no more connections to mochi and waits for those on their way.
func (g *gate) stop() {
	g.mu.Lock()
	g.stopped = true
	g.mu.Unlock()
	g.starting.Wait()
}

// firstRead tells when a connection is first read from.
type firstRead struct {
	net.Conn
	once sync.Once
	done func()
}

func (c *firstRead) Read(p []byte) (int, error) {
	c.once.Do(c.done)
	return c.Conn.Read(p)
}

// tcpListener is MQTT over TCP behind a gate. It binds its port in Init,
// so a taken port is an error from Start.
type tcpListener struct {
	id   string
	addr string
	ln   net.Listener
	gate gate

	closed atomic.Bool
}

func newTCPListener(id, addr string) *tcpListener { return &tcpListener{id: id, addr: addr} }

func (l *tcpListener) ID() string       { return l.id }
func (l *tcpListener) Protocol() string { return "tcp" }

func (l *tcpListener) Address() string {
	if l.ln != nil {
		return l.ln.Addr().String()
	}
	return l.addr
}

func (l *tcpListener) Init(*slog.Logger) error {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return err
	}
	l.ln = ln
	return nil
}

// Serve accepts until Close. A failed Accept that is not the close (too
// many open files, say) is waited out briefly instead of spinning.
func (l *tcpListener) Serve(establish listeners.EstablishFn) {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			if l.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(50 * time.Millisecond) // backs off a transient accept error, as net/http does
			continue
		}
		if !l.gate.admit(c) {
			continue
		}
		go func() {
			defer l.gate.done()
			l.gate.hand(l.id, c, establish) // returns when the client has gone
		}()
	}
}

// stop stops accepting and waits for connections on their way to mochi.
func (l *tcpListener) stop() {
	l.closed.Store(true)
	if l.ln != nil {
		_ = l.ln.Close()
	}
	l.gate.stop()
}

func (l *tcpListener) Close(closeClients listeners.CloseFn) {
	l.stop()
	closeClients(l.id)
}
