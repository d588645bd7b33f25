package hue

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

// testChain makes a root and a function issuing leaves for a common name.
// (Package emulator has the same for servers; internal tests cannot import
// it without a cycle through huetest.)
func testChain(t *testing.T) (*x509.Certificate, func(cn string) *x509.Certificate) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test root"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(der)
	serial := int64(1)
	return root, func(cn string) *x509.Certificate {
		serial++
		lk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		lt := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		}
		d, err := x509.CreateCertificate(rand.Reader, lt, root, &lk.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		leaf, _ := x509.ParseCertificate(d)
		return leaf
	}
}

// A certificate outside its validity by this machine's clock (a board
// without a real-time clock, before NTP) is refused with a message about
// the clock, and is worth a retry: the clock gets set, the bridge does not
// change.
func TestACertificateOutsideItsValidityBlamesTheClockAndIsRetried(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	from := time.Now().Add(24 * time.Hour) // the clock is a day behind
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test root"},
		NotBefore: from, NotAfter: from.Add(1000 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	root, _ := x509.ParseCertificate(der)
	lk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	lt := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "001788fffe123456"},
		NotBefore: from, NotAfter: from.Add(100 * time.Hour),
	}
	d, err := x509.CreateCertificate(rand.Reader, lt, root, &lk.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(d)
	pool := x509.NewCertPool()
	pool.AddCert(root)
	tr := &trust{roots: pool}
	err = tr.verify(tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}})
	var ce *ClockError
	if !errors.As(err, &ce) || !Retryable(err) || !strings.Contains(err.Error(), "clock") {
		t.Fatalf("verify = %v (retryable %v), want a retryable ClockError", err, Retryable(err))
	}
	var cert *CertError
	if errors.As(err, &cert) {
		t.Errorf("a clock problem reads as a certificate that is not the bridge's: %v", err)
	}
}
