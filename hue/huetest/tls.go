package huetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"io"
	"log"
	"math/big"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TLSServer serves a Bridge over https, as current bridges do on port 443:
// with a self-signed certificate whose common name is the bridge id in lower
// case and which has no IP address in it, so only a pinned fingerprint can
// verify it.
type TLSServer struct {
	URL         string // https://127.0.0.1:port
	Bridge      *Bridge
	Fingerprint string // SHA-256 of the certificate, hex, as in bridge.cert_sha256
}

// NewTLSServer loads a fixture and serves it over https on a loopback port
// until the test ends.
func NewTLSServer(tb testing.TB, fixturePath string, opts ...Option) *TLSServer {
	tb.Helper()
	b, err := Load(fixturePath, opts...)
	if err != nil {
		tb.Fatalf("huetest: %v", err)
	}
	return ServeTLS(tb, b)
}

// ServeTLS serves b over https on a new loopback port with a new
// certificate: call it again for the same bridge to play a bridge whose
// certificate changed (reset, replaced, or someone in between).
func ServeTLS(tb testing.TB, b *Bridge) *TLSServer {
	tb.Helper()
	cert, fp, err := selfSigned(b.bridgeID())
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

func (b *Bridge) bridgeID() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	id, _ := b.config["bridgeid"].(string)
	if id == "" {
		id = "001788fffe000000"
	}
	return strings.ToLower(id)
}

func selfSigned(cn string) (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Philips Hue"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	sum := sha256.Sum256(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, hex.EncodeToString(sum[:]), nil
}
