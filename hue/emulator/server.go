package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server serves a Bridge over HTTP on a TCP port, like httptest.Server,
// and can drop off the network and come back on the same port.
type Server struct {
	URL    string // http://127.0.0.1:port, no trailing slash
	Bridge *Bridge

	addr string

	life sync.Mutex // serialises Stop, Restart and Close

	mu       sync.Mutex
	srv      *http.Server
	cancel   context.CancelFunc // ends the requests of the current listener
	served   chan struct{}      // closed when Serve has returned
	running  bool
	closed   bool
	inflight sync.WaitGroup
}

// Start serves b on addr ("127.0.0.1:0" picks a free port) until Close.
func Start(b *Bridge, addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: listen on %s: %w", addr, err)
	}
	s := &Server{Bridge: b, addr: ln.Addr().String()}
	s.URL = "http://" + s.addr
	s.serve(ln)
	return s, nil
}

func (s *Server) serve(ln net.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	srv := &http.Server{
		Handler:           http.HandlerFunc(s.handle),
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ReadHeaderTimeout: 10 * time.Second,
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
	s.Bridge.ServeHTTP(w, r)
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
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("emulator: restart: %w", err)
	}
	s.serve(ln)
	return nil
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
