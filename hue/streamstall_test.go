package hue_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
)

// A bridge that takes the event stream's request and never answers it
// must not hold the stream (and one of the client's connections) forever:
// the stream's request waits for the answer no longer than any other.
func TestAStreamWhoseAnswerNeverComesEnds(t *testing.T) {
	cert, fp, err := emulator.SelfSigned("001788fffe123456")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	defer close(stop)
	c, err := hue.New(hue.Config{Host: srv.URL, Username: "key", CertSHA256: fp, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdle()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	err = c.Stream(ctx, func() {}, func() {})
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("Stream returned after %v (%v), want about the request timeout", took, err)
	}
	if !hue.Retryable(err) {
		t.Errorf("Stream = %v, want a retryable error", err)
	}
}
