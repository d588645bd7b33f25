package mqtttest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// PKI is a throwaway certificate authority with a server certificate for
// 127.0.0.1 and a client certificate, written as PEM files in a temporary
// directory.
type PKI struct {
	CA                    string // the CA certificate
	ServerCert, ServerKey string
	ClientCert, ClientKey string
}

// NewPKI generates a PKI valid for an hour.
func NewPKI(tb testing.TB) PKI {
	tb.Helper()
	dir := tb.TempDir()
	caKey := newKey(tb)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mqtttest CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatalf("mqtttest: CA certificate: %v", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		tb.Fatalf("mqtttest: CA certificate: %v", err)
	}
	p := PKI{CA: writePEM(tb, dir, "ca.pem", "CERTIFICATE", caDER)}
	p.ServerCert, p.ServerKey = issue(tb, dir, "server", ca, caKey, x509.ExtKeyUsageServerAuth, 2)
	p.ClientCert, p.ClientKey = issue(tb, dir, "client", ca, caKey, x509.ExtKeyUsageClientAuth, 3)
	return p
}

// Listener returns mosquitto.conf lines for a TLS listener on port using
// the PKI's server certificate; with clientCert, clients must show a
// certificate from the same CA.
func (p PKI) Listener(port int, clientCert bool) []string {
	lines := []string{
		fmt.Sprintf("listener %d 127.0.0.1", port),
		"cafile " + p.CA, "certfile " + p.ServerCert, "keyfile " + p.ServerKey,
	}
	if clientCert {
		lines = append(lines, "require_certificate true")
	}
	return lines
}

// PasswordFile writes a mosquitto password file with one user, using
// mosquitto_passwd; the test is skipped where it is not installed.
func PasswordFile(tb testing.TB, user, password string) string {
	tb.Helper()
	bin, err := exec.LookPath("mosquitto_passwd")
	if err != nil {
		tb.Skip("mqtttest: mosquitto_passwd not found; it comes with mosquitto")
	}
	path := filepath.Join(tb.TempDir(), "passwd")
	if out, err := exec.Command(bin, "-c", "-b", path, user, password).CombinedOutput(); err != nil {
		tb.Fatalf("mqtttest: mosquitto_passwd: %v: %s", err, out)
	}
	return path
}

func issue(tb testing.TB, dir, name string, ca *x509.Certificate, caKey *ecdsa.PrivateKey, usage x509.ExtKeyUsage, serial int64) (certFile, keyFile string) {
	tb.Helper()
	key := newKey(tb)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		tb.Fatalf("mqtttest: %s certificate: %v", name, err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		tb.Fatalf("mqtttest: %s key: %v", name, err)
	}
	return writePEM(tb, dir, name+".pem", "CERTIFICATE", der), writePEM(tb, dir, name+".key", "EC PRIVATE KEY", keyDER)
}

func newKey(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("mqtttest: key: %v", err)
	}
	return key
}

func writePEM(tb testing.TB, dir, name, blockType string, der []byte) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
		tb.Fatalf("mqtttest: %v", err)
	}
	return path
}
