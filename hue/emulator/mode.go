package emulator

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Mode is the kind of bridge a Server plays, as far as the network can
// tell: which schemes its port answers and where CLIP v2 is served.
type Mode int

const (
	// ModeOld is a bridge of before CLIP v2: plain http, REST v1 only (the
	// event stream only if the bridge was made WithEventStream).
	ModeOld Mode = iota
	// ModeGen2 is today's square bridge (BSB002): one port answers plain
	// http and https alike; v1 is on both, CLIP v2, /auth/v1 and the event
	// stream on https only.
	ModeGen2
	// ModePro is the Hue Bridge Pro (BSB003): https only, v1 and v2 on it.
	// A plain http request gets the 400 net/http answers to it, no data.
	ModePro
)

var modeNames = [...]string{"old", "gen2", "pro"}

func (m Mode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode reads a Mode's name: old, gen2 or pro.
func ParseMode(s string) (Mode, error) {
	for i, name := range modeNames {
		if s == name {
			return Mode(i), nil
		}
	}
	return 0, fmt.Errorf("unknown bridge mode %q: want old, gen2 or pro", s)
}

// tlsConfig is what the https side of a bridge offers: HTTP/1.1, as
// bridges speak, with the given certificate.
func tlsConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	}
}

// tlsHandshake is the first byte of every TLS connection: the record type
// of a handshake. No HTTP request starts with it.
const tlsHandshake = 0x16

// sniffTimeout is how long a connection may stay silent before its first
// byte tells http from https; an idle one is then dropped.
const sniffTimeout = 10 * time.Second

// sniffListener serves http and https on one port, as the square bridge
// does: a connection whose first byte opens a TLS handshake is handed on
// as a *tls.Conn (net/http sees it and serves https), any other as it is.
// Each connection is sniffed in its own goroutine, so one silent client
// holds up nobody.
type sniffListener struct {
	net.Listener
	tls    *tls.Config
	conns  chan net.Conn // unbuffered: a connection is never left in it
	done   chan struct{} // closed by Close
	failed chan struct{} // closed when the inner Accept fails
	err    error         // why it failed; set before failed is closed
	once   sync.Once
	wg     sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	pending map[net.Conn]bool // connections whose first byte has not come
}

func newSniffListener(ln net.Listener, cfg *tls.Config) *sniffListener {
	l := &sniffListener{
		Listener: ln,
		tls:      cfg,
		conns:    make(chan net.Conn),
		done:     make(chan struct{}),
		failed:   make(chan struct{}),
		pending:  map[net.Conn]bool{},
	}
	l.wg.Add(1)
	go l.acceptLoop()
	return l
}

func (l *sniffListener) acceptLoop() {
	defer l.wg.Done()
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			l.err = err
			close(l.failed)
			return
		}
		l.wg.Add(1)
		go l.sniff(c)
	}
}

func (l *sniffListener) sniff(c net.Conn) {
	defer l.wg.Done()
	if !l.track(c, true) {
		_ = c.Close()
		return
	}
	_ = c.SetReadDeadline(time.Now().Add(sniffTimeout))
	first := make([]byte, 1)
	_, err := io.ReadFull(c, first)
	l.track(c, false)
	if err != nil {
		_ = c.Close()
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	conn := net.Conn(&peekedConn{Conn: c, first: first})
	if first[0] == tlsHandshake {
		conn = tls.Server(conn, l.tls)
	}
	select {
	case l.conns <- conn:
	case <-l.done:
		_ = conn.Close()
	}
}

// track adds a connection to (or removes it from) those Close must close
// itself; it refuses to add one once the listener is closed.
func (l *sniffListener) track(c net.Conn, add bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !add {
		delete(l.pending, c)
		return true
	}
	if l.closed {
		return false
	}
	l.pending[c] = true
	return true
}

func (l *sniffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-l.failed:
		return nil, l.err
	}
}

// Close stops accepting, drops the connections still being sniffed, and
// returns once every goroutine of the listener has ended.
func (l *sniffListener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.done)
		err = l.Listener.Close()
		l.mu.Lock()
		l.closed = true
		for c := range l.pending {
			_ = c.Close()
		}
		l.mu.Unlock()
		l.wg.Wait()
	})
	return err
}

// peekedConn gives back the byte read to sniff the connection before
// what follows it.
type peekedConn struct {
	net.Conn
	first []byte
}

func (c *peekedConn) Read(p []byte) (int, error) {
	if len(c.first) > 0 {
		n := copy(p, c.first)
		c.first = c.first[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// NetConn is the connection underneath, as tls.Conn.NetConn gives it.
func (c *peekedConn) NetConn() net.Conn { return c.Conn }
