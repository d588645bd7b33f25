package mqtttest

import (
	"io"
	"net"
	"sync"
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

	mu     sync.Mutex
	refuse bool
	conns  map[net.Conn]bool
}

// NewLink listens on a free loopback port and forwards to target
// (host:port); it is closed when the test ends.
func NewLink(tb testing.TB, target string) *Link {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Link{Addr: l.Addr().String(), target: target, l: l, conns: map[net.Conn]bool{}}
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
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

func (p *Link) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// Cut closes every connection and refuses new ones until Resume.
func (p *Link) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = true
	for c := range p.conns {
		c.Close()
	}
}

// Resume lets connections through again.
func (p *Link) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = false
}
