package huetest_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
)

const fixture = "../../testdata/bridge.json"

func TestNewServerServesAFixtureForATest(t *testing.T) {
	s := huetest.NewServer(t, fixture, emulator.WithKey("other-key"))
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || s.Bridge.Key() != "other-key" {
		t.Fatalf("URL %s, key %s", s.URL, s.Bridge.Key())
	}
	if body := get(t, s.URL+"/api/other-key/lights/3"); !strings.Contains(body, `"Desk lamp"`) {
		t.Errorf("with the chosen key: %.100s", body)
	}
	if body := get(t, s.URL+"/api/wrong/lights"); !strings.Contains(body, `"unauthorized user"`) {
		t.Errorf("with a wrong key: %.100s", body)
	}
}

func TestNewTLSServerServesHTTPSWithThePinnedCertificate(t *testing.T) {
	s := huetest.NewTLSServer(t, fixture)
	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") || len(s.Fingerprint) != 64 {
		t.Fatalf("URL %s, fingerprint %q", s.URL, s.Fingerprint)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNewModeServerPlaysAProWithACertificateOfItsCA(t *testing.T) {
	s, ca := huetest.NewModeServer(t, fixture, emulator.ModePro, emulator.CertGood)
	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") || s.HTTPURL != "" || ca == nil {
		t.Fatalf("URL %s, HTTPURL %q", s.URL, s.HTTPURL)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.CertPEM())
	conn, err := tls.Dial("tcp", strings.TrimPrefix(s.URL, "https://"), &tls.Config{
		InsecureSkipVerify: true, // the certificate names no host; checked below
		VerifyConnection: func(cs tls.ConnectionState) error {
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots})
			return err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if cn := conn.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != s.Bridge.BridgeID() {
		t.Errorf("CN %q, want %q", cn, s.Bridge.BridgeID())
	}
}
