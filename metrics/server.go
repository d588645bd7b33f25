package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/huegate/huegate/internal/httpserve"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
)

// Handler serves /metrics and /healthz.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("GET /healthz", m.serveHealth)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = fmt.Fprintln(w, "huegate: /metrics (Prometheus), /healthz (200 healthy, 503 with reasons)")
	})
	return mux
}

// Server serves a handler over HTTP until Close.
type Server struct {
	srv    *http.Server
	ln     net.Listener
	served chan struct{}
}

// Serve listens on addr at once (so a taken port is an error here) and
// serves h in the background, within httpserve's limits (connections held,
// idle time), logging the server's own errors to log.
func Serve(addr string, h http.Handler, log zerolog.Logger) (*Server, error) {
	ln, err := httpserve.Default.Listen(addr)
	if err != nil {
		return nil, fmt.Errorf("metrics and health: listen on %s: %w", addr, err)
	}
	s := &Server{
		srv:    httpserve.Default.Server(h, log.With().Str("part", "http").Logger()),
		ln:     ln,
		served: make(chan struct{}),
	}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln) // ErrServerClosed once Close runs
	}()
	return s, nil
}

// Addr is the address listened on, with the port actually bound.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close lets requests in progress finish (within ctx), then stops.
func (s *Server) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = s.srv.Close()
	}
	<-s.served
	return err
}
