package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/huegate/huegate/hue/entertainment"
)

// The stream's network side. Clients talk to a plain UDP socket on the
// stream port, which relays each client's datagrams, over a UDP socket of
// its own (a flow), to the DTLS listener on a loopback port. The relay is
// there for SetStreamNoHandshake: it can swallow every datagram, of
// handshakes and of open sessions alike, which the DTLS listener alone
// cannot be told to do.

// relayInterval is how often the bridge puts streamed frames onto the
// lights: ~25 Hz, as real bridges relay.
const relayInterval = 40 * time.Millisecond

// handshakeTimeout bounds a session's handshake, so a client that stops
// half-way holds nothing for long.
const handshakeTimeout = 5 * time.Second

// maxFlows caps the clients relayed at once; datagrams from more are
// dropped until one's session ends.
const maxFlows = 64

// ErrStreamPort wraps the errors of opening the stream's UDP port, so a
// caller can tell them from those of the HTTP port.
var ErrStreamPort = errors.New("emulator: stream port")

// streamServer serves the Entertainment stream of one bridge until close.
type streamServer struct {
	b      *Bridge
	pub    *net.UDPConn // the stream port clients see
	ln     *entertainment.Listener
	inner  *net.UDPAddr // ln's address
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	flows  map[netip.AddrPort]*flow // by client address
	conns  map[*entertainment.Conn]struct{}
}

// flow carries one client's datagrams to the DTLS listener and back.
type flow struct {
	client netip.AddrPort
	conn   *net.UDPConn // connected to the listener; its local address is the client's there
}

// startStream serves b's stream on addr (UDP host:port; port 0 picks one).
func startStream(b *Bridge, addr string) (*streamServer, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrStreamPort, addr, err)
	}
	pub, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrStreamPort, addr, err)
	}
	ln, err := entertainment.Listen("127.0.0.1:0", b.pskOf)
	if err != nil {
		_ = pub.Close()
		return nil, fmt.Errorf("emulator: DTLS listener: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &streamServer{b: b, pub: pub, ln: ln, inner: ln.Addr().(*net.UDPAddr), ctx: ctx, cancel: cancel,
		flows: map[netip.AddrPort]*flow{}, conns: map[*entertainment.Conn]struct{}{}}
	s.wg.Add(3)
	go s.relayIn()
	go s.accept()
	go s.tick()
	return s, nil
}

// addr is the stream port's address.
func (s *streamServer) addr() *net.UDPAddr { return s.pub.LocalAddr().(*net.UDPAddr) }

// relayIn hands each client datagram to the client's flow.
func (s *streamServer) relayIn() {
	defer s.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, from, err := s.pub.ReadFromUDPAddrPort(buf)
		if err != nil {
			return // closed
		}
		if s.b.noHandshake.Load() {
			continue
		}
		if f := s.flowOf(from); f != nil {
			_, _ = f.conn.Write(buf[:n])
		}
	}
}

// flowOf is the client's flow, opened on its first datagram; nil when
// there are too many or the server is closing.
func (s *streamServer) flowOf(client netip.AddrPort) *flow {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.flows[client]; ok || s.closed || len(s.flows) >= maxFlows {
		return f
	}
	conn, err := net.DialUDP("udp", nil, s.inner)
	if err != nil {
		return nil
	}
	f := &flow{client: client, conn: conn}
	s.flows[client] = f
	s.wg.Add(1)
	go s.relayOut(f)
	return f
}

// relayOut sends what the DTLS listener answers a flow back to its client.
func (s *streamServer) relayOut(f *flow) {
	defer s.wg.Done()
	defer f.conn.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := f.conn.Read(buf)
		if err != nil {
			return // closed, or drained after its session
		}
		if !s.b.noHandshake.Load() {
			_, _ = s.pub.WriteToUDPAddrPort(buf[:n], f.client)
		}
	}
}

// flowDrain is how long a flow whose session is over still relays back:
// the session's goodbye (its close_notify) may still be on its way.
const flowDrain = 100 * time.Millisecond

// dropFlow retires the flow whose address at the listener is inner: its
// session is over. It relays back for flowDrain more, then relayOut
// closes it. A client that keeps sending gets a new flow.
func (s *streamServer) dropFlow(inner net.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for client, f := range s.flows {
		if f.conn.LocalAddr().String() == inner.String() {
			_ = f.conn.SetReadDeadline(time.Now().Add(flowDrain))
			delete(s.flows, client)
		}
	}
}

func (s *streamServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return // closed
		}
		if !s.track(c) {
			_ = c.Close()
			continue
		}
		s.wg.Add(1)
		go s.serveConn(c)
	}
}

// track notes a connection close must close; false once closing.
func (s *streamServer) track(c *entertainment.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// serveConn runs one session: its handshake, then its datagrams until the
// client, the bridge (stop, silence) or close ends it.
func (s *streamServer) serveConn(c *entertainment.Conn) {
	defer s.wg.Done()
	defer s.dropFlow(c.RemoteAddr())
	defer s.untrack(c)
	ctx, cancel := context.WithTimeout(s.ctx, handshakeTimeout)
	err := c.HandshakeContext(ctx)
	cancel()
	if err != nil {
		return
	}
	ses := s.b.openSession(c.Identity(), func() { _ = c.Close() })
	defer s.b.closeSession(ses)
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		s.b.datagram(ses, buf[:n])
	}
}

func (s *streamServer) untrack(c *entertainment.Conn) {
	_ = c.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// tick runs the relay's ticks until close.
func (s *streamServer) tick() {
	defer s.wg.Done()
	t := time.NewTicker(relayInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.b.relayTick()
		}
	}
}

// close stops serving and returns once every goroutine has ended.
func (s *streamServer) close() {
	s.mu.Lock()
	s.closed = true
	conns := make([]*entertainment.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	for _, f := range s.flows {
		_ = f.conn.Close()
	}
	s.mu.Unlock()
	s.cancel()
	_ = s.pub.Close()
	_ = s.ln.Close()
	for _, c := range conns {
		_ = c.Close()
	}
	s.wg.Wait()
}
