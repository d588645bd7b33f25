package hue

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
)

// The embedded roots are the two Signify publishes, byte for byte: their
// SHA-256 fingerprints as published alongside them.
func TestTheHueRootsAreEmbedded(t *testing.T) {
	want := map[string]string{
		"root-bridge":    "f0bd8e6509e82f774d63bc009d5388c969fe3dcf7d6d541d6351b72b898d8acf",
		"Hue Root CA 01": "d8b89448b2af8e1676185ac07219ee9dcbc8f01c122a026a2a4b7b5cfe0328b8",
	}
	names, err := rootFiles.ReadDir("roots")
	if err != nil || len(names) != len(want) {
		t.Fatalf("roots: %v, %v", names, err)
	}
	for _, n := range names {
		data, _ := rootFiles.ReadFile("roots/" + n.Name())
		block, _ := pem.Decode(data)
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if got := Fingerprint(cert.Raw); got != want[cert.Subject.CommonName] {
			t.Errorf("%s (%s): fingerprint %s", n.Name(), cert.Subject.CommonName, got)
		}
		if !cert.IsCA {
			t.Errorf("%s is not a CA", n.Name())
		}
	}
}

// Once a bridge has proven its id, every later connection must show a
// certificate for that id: another device answering at the address later
// is refused even with a certificate from the same root.
func TestEveryConnectionAfterTheFirstMustNameTheSameBridge(t *testing.T) {
	root, leafFor := testChain(t)
	tr := &trust{roots: x509.NewCertPool()}
	tr.roots.AddCert(root)
	good := tls.ConnectionState{PeerCertificates: []*x509.Certificate{leafFor("001788fffe123456")}}
	other := tls.ConnectionState{PeerCertificates: []*x509.Certificate{leafFor("001788fffe654321")}}
	if err := tr.verify(other); err != nil {
		t.Fatalf("before the bridge said its id, a chained certificate passes the connection check: %v", err)
	}
	if err := tr.checkIdentity(&other, "001788FFFE123456"); err == nil {
		t.Fatal("a certificate for another bridge id matched")
	}
	if err := tr.checkIdentity(&good, "001788FFFE123456"); err != nil {
		t.Fatalf("the bridge's own certificate (id in upper case from /api/config): %v", err)
	}
	if err := tr.verify(good); err != nil {
		t.Fatal(err)
	}
	var ce *CertError
	if err := tr.verify(other); !errors.As(err, &ce) || ce.Problem != CertWrongBridge || !strings.Contains(err.Error(), "001788fffe654321") {
		t.Fatalf("verify(other bridge) = %v, want CertWrongBridge naming it", err)
	}
}
