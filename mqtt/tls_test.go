package mqtt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

func TestTLSConnections(t *testing.T) {
	pki := newTestPKI(t)
	tlsPort, mtlsPort := mqtttest.FreePort(t), mqtttest.FreePort(t)
	listener := func(port int) []string {
		return []string{
			fmt.Sprintf("listener %d 127.0.0.1", port),
			"cafile " + pki.caFile, "certfile " + pki.serverCert, "keyfile " + pki.serverKey,
		}
	}
	conf := append(listener(tlsPort), append(listener(mtlsPort), "require_certificate true")...)
	b := mqtttest.StartMosquitto(t, conf...)
	tlsURL := func(scheme string, port int) string { return fmt.Sprintf("%s://127.0.0.1:%d", scheme, port) }

	tests := []struct {
		name          string
		broker        string
		ca, cert, key string
		insecure      bool
		wantErr       string // "" if the connection must work
	}{
		{"ssl with the broker's CA", tlsURL("ssl", tlsPort), pki.caFile, "", "", false, ""},
		{"mqtts with the broker's CA", tlsURL("mqtts", tlsPort), pki.caFile, "", "", false, ""},
		{"system roots do not know the test CA", tlsURL("ssl", tlsPort), "", "", "", false, "certificate"},
		{"insecure skips verification", tlsURL("ssl", tlsPort), "", "", "", true, ""},
		{"client certificate accepted", tlsURL("ssl", mtlsPort), pki.caFile, pki.clientCert, pki.clientKey, false, ""},
		// With TLS 1.3 the refusal shows up as EOF or a reset, depending on timing.
		{"client certificate required", tlsURL("ssl", mtlsPort), pki.caFile, "", "", false, "last attempt: network Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := mqtt.TLSConfig(tt.ca, tt.cert, tt.key, tt.insecure)
			if err != nil {
				t.Fatal(err)
			}
			c := newClient(t, tt.broker, func(o *mqtt.Options) {
				o.TLS = cfg
				o.ConnectRetryInterval = 20 * time.Millisecond
			})
			if tt.wantErr == "" {
				rec := mqtttest.Subscribe(t, b.URL, "tls/#")
				connect(t, c)
				must(t, c.Publish("tls/hello", []byte("over TLS"), false))
				rec.WaitFor(t, waitLong, seen("tls/hello", "over TLS"))
				return
			}
			// Wait in short steps until an attempt has failed: a loaded
			// machine may not finish the first handshake in one step.
			for deadline := time.Now().Add(waitLong); time.Now().Before(deadline); {
				ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
				err = c.Connect(ctx)
				cancel()
				if err == nil || strings.Contains(err.Error(), "last attempt") {
					break
				}
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Connect = %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestTLSConfigRejectsBadFiles(t *testing.T) {
	pki := newTestPKI(t)
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ca, cert, key, wantErr string
	}{
		{"missing CA file", "/nonexistent/ca.pem", "", "", "read CA file"},
		{"CA file without certificates", garbage, "", "", "no PEM certificate"},
		{"certificate without key", pki.caFile, pki.clientCert, "", "together"},
		{"key without certificate", pki.caFile, "", pki.clientKey, "together"},
		{"certificate and key that do not match", pki.caFile, pki.clientCert, pki.serverKey, "load client certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mqtt.TLSConfig(tt.ca, tt.cert, tt.key, false)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("TLSConfig = %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
	cfg, err := mqtt.TLSConfig(pki.caFile, pki.clientCert, pki.clientKey, false)
	if err != nil || cfg.RootCAs == nil || len(cfg.Certificates) != 1 || cfg.InsecureSkipVerify || cfg.MinVersion < tls.VersionTLS12 {
		t.Fatalf("TLSConfig with CA and client pair = %+v, %v", cfg, err)
	}
}

// testPKI is a throwaway CA with a server certificate for 127.0.0.1 and a
// client certificate, written as PEM files.
type testPKI struct {
	caFile, serverCert, serverKey, clientCert, clientKey string
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "huegate test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	p := testPKI{caFile: writePEM(t, dir, "ca.pem", "CERTIFICATE", caDER)}
	p.serverCert, p.serverKey = issue(t, dir, "server", ca, caKey, x509.ExtKeyUsageServerAuth, 2)
	p.clientCert, p.clientKey = issue(t, dir, "client", ca, caKey, x509.ExtKeyUsageClientAuth, 3)
	return p
}

func issue(t *testing.T, dir, name string, ca *x509.Certificate, caKey *ecdsa.PrivateKey, usage x509.ExtKeyUsage, serial int64) (certFile, keyFile string) {
	t.Helper()
	key := newKey(t)
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
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, dir, name+".pem", "CERTIFICATE", der), writePEM(t, dir, name+".key", "EC PRIVATE KEY", keyDER)
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func writePEM(t *testing.T, dir, name, blockType string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
