package huetest

import (
	"crypto/tls"
	"io"
	"log"
	"net/http/httptest"
	"testing"

	"github.com/huegate/huegate/hue/emulator"
)

// TLSServer serves a Bridge over https, as current bridges do on port 443:
// with a self-signed certificate whose common name is the bridge id in lower
// case and which has no IP address in it, so only a pinned fingerprint can
// verify it.
type TLSServer struct {
	URL         string // https://127.0.0.1:port
	Bridge      *emulator.Bridge
	Fingerprint string // SHA-256 of the certificate, hex, as in bridge.cert_sha256
}

// NewTLSServer loads a fixture and serves it over https on a loopback port
// until the test ends.
func NewTLSServer(tb testing.TB, fixturePath string, opts ...emulator.Option) *TLSServer {
	tb.Helper()
	b, err := emulator.Load(fixturePath, opts...)
	if err != nil {
		tb.Fatalf("huetest: %v", err)
	}
	return ServeTLS(tb, b)
}

// ServeTLS serves b over https on a new loopback port with a new
// certificate: call it again for the same bridge to play a bridge whose
// certificate changed (reset, replaced, or someone in between).
func ServeTLS(tb testing.TB, b *emulator.Bridge) *TLSServer {
	tb.Helper()
	cert, fp, err := emulator.SelfSigned(b.BridgeID())
	if err != nil {
		tb.Fatalf("huetest: certificate: %v", err)
	}
	s := httptest.NewUnstartedServer(b)
	// Clients that refuse the certificate are the point of some tests; their
	// handshake errors are not news.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	s.StartTLS()
	tb.Cleanup(s.Close)
	return &TLSServer{URL: s.URL, Bridge: b, Fingerprint: fp}
}
