package emulator

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Server serves a Bridge over HTTP on a TCP port, like httptest.Server,
// and can drop off the network and come back on the same port. It plays
// one Mode: an old http-only bridge, today's square bridge or the Pro.
type Server struct {
	// URL is the bridge's base URL, no trailing slash: http://127.0.0.1:port
	// for ModeOld, https://127.0.0.1:port for ModeGen2 and ModePro.
	URL string
	// HTTPURL is the plain http URL of the same port where it answers plain
	// http (ModeOld, ModeGen2), "" for ModePro.
	HTTPURL string
	Bridge  *Bridge
	Mode    Mode

	addr       string
	tls        *tls.Config   // nil in ModeOld; kept so Restart shows the same certificate
	streamAddr string        // the stream's UDP address, "" if it serves none
	stream     *streamServer // nil while stopped; guarded by life

	life sync.Mutex // serialises Stop, Restart and Close

	mu       sync.Mutex
	srv      *http.Server
	cancel   context.CancelFunc // ends the requests of the current listener
	served   chan struct{}      // closed when Serve has returned
	running  bool
	closed   bool
	inflight sync.WaitGroup
}

// ServeOptions says how StartMode serves a bridge.
type ServeOptions struct {
	Mode Mode
	// Cert is the certificate the https side shows; ModeGen2 and ModePro
	// need one. CA.Cert makes the right one and the wrong ones.
	Cert *tls.Certificate
	// StreamAddr is the UDP address (host:port; port 0 picks one) to serve
	// the Entertainment stream on, as a bridge does on port 2100; "" serves
	// none. ModeOld has no stream.
	StreamAddr string
}

// Start serves b over plain http on addr ("127.0.0.1:0" picks a free
// port) until Close: StartMode with ModeOld.
func Start(b *Bridge, addr string) (*Server, error) {
	return StartMode(b, addr, ServeOptions{Mode: ModeOld})
}

// StartMode serves b on addr as the bridge opt.Mode says. ModeGen2 and
// ModePro turn the bridge's event stream on, as those bridges have one;
// SetEventStream(false) takes it away again.
func StartMode(b *Bridge, addr string, opt ServeOptions) (*Server, error) {
	s := &Server{Bridge: b, Mode: opt.Mode}
	switch opt.Mode {
	case ModeOld:
	case ModeGen2, ModePro:
		if opt.Cert == nil {
			return nil, fmt.Errorf("emulator: mode %v needs a certificate", opt.Mode)
		}
		s.tls = tlsConfig(*opt.Cert)
	default:
		return nil, fmt.Errorf("emulator: unknown %v", opt.Mode)
	}
	if opt.StreamAddr != "" && opt.Mode == ModeOld {
		return nil, errors.New("emulator: an old bridge has no Entertainment stream (StreamAddr)")
	}
	ln, err := s.listen(addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: listen on %s: %w", addr, err)
	}
	if opt.StreamAddr != "" {
		if s.stream, err = startStream(b, opt.StreamAddr); err != nil {
			_ = ln.Close()
			return nil, err
		}
		s.streamAddr = s.stream.addr().String() // Restart reopens this port
	}
	s.addr = ln.Addr().String()
	s.URL, s.HTTPURL = "http://"+s.addr, "http://"+s.addr
	switch opt.Mode {
	case ModeGen2:
		s.URL = "https://" + s.addr
	case ModePro:
		s.URL, s.HTTPURL = "https://"+s.addr, ""
	}
	if opt.Mode != ModeOld {
		b.SetEventStream(true)
	}
	s.serve(ln)
	return s, nil
}

// listen opens the port and wraps it for the mode's schemes.
func (s *Server) listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	switch s.Mode {
	case ModeGen2:
		return newSniffListener(ln, s.tls), nil
	case ModePro:
		return tls.NewListener(ln, s.tls), nil
	default:
		return ln, nil
	}
}

func (s *Server) serve(ln net.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	srv := &http.Server{
		Handler:           http.HandlerFunc(s.handle),
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ReadHeaderTimeout: 10 * time.Second,
	}
	if s.tls != nil {
		// Clients that refuse the certificate, or speak http to the Pro, are
		// the point of some tests; their handshake errors are not news.
		srv.ErrorLog = log.New(io.Discard, "", 0)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln) // returns ErrServerClosed once Stop closes it
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.srv, s.cancel, s.served, s.running = srv, cancel, served, true
}

// handle counts requests in flight so Stop can wait for them; a request
// that slips in while stopping is dropped, its connection is closing.
func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if !s.running {
		s.mu.Unlock()
		return
	}
	s.inflight.Add(1)
	s.mu.Unlock()
	defer s.inflight.Done()
	// Only ModeOld serves the event stream (if the bridge has one) on plain
	// http; a gen2 bridge keeps everything v2 to https.
	s.Bridge.serve(w, r, reach{v2: r.TLS != nil, stream: r.TLS != nil || s.Mode == ModeOld})
}

// Stop takes the bridge off the network: it closes the listener and every
// open connection, and ends the requests in flight (hanging or delayed
// ones included). New connections are refused until Restart.
func (s *Server) Stop() {
	s.life.Lock()
	defer s.life.Unlock()
	s.stop()
}

func (s *Server) stop() {
	if s.stream != nil {
		s.stream.close()
		s.stream = nil
	}
	s.mu.Lock()
	if !s.running {
		s.mu.Unlock()
		return
	}
	s.running = false
	srv, cancel, served := s.srv, s.cancel, s.served
	s.mu.Unlock()
	_ = srv.Close()
	cancel() // wakes handlers still waiting out a latency or a hang
	<-served
	s.inflight.Wait()
	// The bridge is gone from the network: it comes back, as one that
	// rebooted, with no area streaming.
	s.Bridge.endAllStreams()
}

// Restart listens again on the same address after Stop, with the same
// bridge and its state. It does nothing if the server is running.
func (s *Server) Restart() error {
	s.life.Lock()
	defer s.life.Unlock()
	s.mu.Lock()
	running, closed := s.running, s.closed
	s.mu.Unlock()
	switch {
	case closed:
		return errors.New("emulator: restart: server is closed")
	case running:
		return nil
	}
	ln, err := s.listen(s.addr)
	if err != nil {
		return fmt.Errorf("emulator: restart: %w", err)
	}
	if s.streamAddr != "" {
		if s.stream, err = startStream(s.Bridge, s.streamAddr); err != nil {
			_ = ln.Close()
			return fmt.Errorf("emulator: restart: %w", err)
		}
	}
	s.serve(ln)
	return nil
}

// StreamPort is the UDP port of the Entertainment stream, 0 if the server
// serves none.
func (s *Server) StreamPort() int {
	if s.streamAddr == "" {
		return 0
	}
	ap, err := netip.ParseAddrPort(s.streamAddr)
	if err != nil {
		return 0
	}
	return int(ap.Port())
}

// Close stops the server for good.
func (s *Server) Close() {
	s.life.Lock()
	defer s.life.Unlock()
	s.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
}
