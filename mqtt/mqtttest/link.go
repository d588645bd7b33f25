package mqtttest

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Link forwards TCP connections to a broker and can cut them: the client on
// the other side loses its broker, as when the network drops, while the
// broker stays up and keeps the client's session.
type Link struct {
	Addr string // 127.0.0.1:PORT, to give the client
	URL  string // tcp://127.0.0.1:PORT

	target string
	l      net.Listener
	wg     sync.WaitGroup

	mu      sync.Mutex
	refuse  bool
	conns   map[net.Conn]bool
	flowing chan struct{} // closed while bytes pass; open while frozen
}

// NewLink listens on a free loopback port and forwards to target
// (host:port); it is closed when the test ends.
func NewLink(tb testing.TB, target string) *Link {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Link{Addr: l.Addr().String(), target: target, l: l, conns: map[net.Conn]bool{}, flowing: make(chan struct{})}
	close(p.flowing)
	p.URL = "tcp://" + p.Addr
	p.wg.Add(1)
	go p.serve()
	tb.Cleanup(func() {
		l.Close()
		p.Cut()
		p.wg.Wait()
	})
	return p
}

func (p *Link) serve() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		p.mu.Lock()
		if err != nil || p.refuse {
			p.mu.Unlock()
			c.Close()
			if up != nil {
				up.Close()
			}
			continue
		}
		p.conns[c], p.conns[up] = true, true
		p.wg.Add(2)
		p.mu.Unlock()
		pair := &pair{a: c, b: up}
		pair.open.Store(2)
		go p.pipe(c, up, pair)
		go p.pipe(up, c, pair)
	}
}

// pair is a connection and its forward, closed once both directions ended.
type pair struct {
	a, b net.Conn
	open atomic.Int32
}

// pipe forwards src to dst until src ends, then passes the end on as TCP
// does (a half close) and the pair is closed once both directions ended. A
// dst that stopped taking data is drained, not closed: closing a socket
// with unread data resets it, and the peer loses what it had not read yet
// (a broker would lose a client's last packets).
func (p *Link) pipe(dst, src net.Conn, pr *pair) {
	defer p.wg.Done()
	_, _ = io.Copy(&writeOrDrain{w: dst}, gated{src, p})
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	if pr.open.Add(-1) > 0 {
		return
	}
	pr.a.Close()
	pr.b.Close()
	p.mu.Lock()
	delete(p.conns, pr.a)
	delete(p.conns, pr.b)
	p.mu.Unlock()
}

// writeOrDrain writes until the first failure, then discards.
type writeOrDrain struct {
	w    io.Writer
	dead bool
}

func (d *writeOrDrain) Write(b []byte) (int, error) {
	if !d.dead {
		if _, err := d.w.Write(b); err != nil {
			d.dead = true
		}
	}
	return len(b), nil
}

// gated reads from a connection and holds what it read while the link is
// frozen.
type gated struct {
	net.Conn
	p *Link
}

func (g gated) Read(b []byte) (int, error) {
	n, err := g.Conn.Read(b)
	g.p.mu.Lock()
	flowing := g.p.flowing
	g.p.mu.Unlock()
	<-flowing
	return n, err
}

// Cut closes every connection and refuses new ones until Resume. It ends
// a freeze.
func (p *Link) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = true
	p.flow()
	for c := range p.conns {
		c.Close()
	}
}

// Freeze stops forwarding without closing anything, as a broker that hangs
// (or a network that swallows packets) does: connections stay open, new
// ones are taken, and what either side sends waits until Resume.
func (p *Link) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.flowing:
		p.flowing = make(chan struct{})
	default: // frozen already
	}
}

// Resume lets connections through again, and what waited in a freeze.
func (p *Link) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = false
	p.flow()
}

// flow ends a freeze; callers hold p.mu.
func (p *Link) flow() {
	select {
	case <-p.flowing:
	default:
		close(p.flowing)
	}
}
