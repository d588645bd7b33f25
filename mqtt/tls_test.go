package mqtt_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

func TestTLSConnections(t *testing.T) {
	pki := mqtttest.NewPKI(t)
	tlsPort, mtlsPort := mqtttest.FreePort(t), mqtttest.FreePort(t)
	listener := func(port int) []string {
		return []string{
			fmt.Sprintf("listener %d 127.0.0.1", port),
			"cafile " + pki.CA, "certfile " + pki.ServerCert, "keyfile " + pki.ServerKey,
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
		{"ssl with the broker's CA", tlsURL("ssl", tlsPort), pki.CA, "", "", false, ""},
		{"mqtts with the broker's CA", tlsURL("mqtts", tlsPort), pki.CA, "", "", false, ""},
		{"system roots do not know the test CA", tlsURL("ssl", tlsPort), "", "", "", false, "certificate"},
		{"insecure skips verification", tlsURL("ssl", tlsPort), "", "", "", true, ""},
		{"client certificate accepted", tlsURL("ssl", mtlsPort), pki.CA, pki.ClientCert, pki.ClientKey, false, ""},
		// With TLS 1.3 the refusal shows up as EOF or a reset, depending on timing.
		{"client certificate required", tlsURL("ssl", mtlsPort), pki.CA, "", "", false, "last attempt: network Error"},
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
	pki := mqtttest.NewPKI(t)
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ca, cert, key, wantErr string
	}{
		{"missing CA file", "/nonexistent/ca.pem", "", "", "read CA file"},
		{"CA file without certificates", garbage, "", "", "no PEM certificate"},
		{"certificate without key", pki.CA, pki.ClientCert, "", "together"},
		{"key without certificate", pki.CA, "", pki.ClientKey, "together"},
		{"certificate and key that do not match", pki.CA, pki.ClientCert, pki.ServerKey, "load client certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mqtt.TLSConfig(tt.ca, tt.cert, tt.key, false)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("TLSConfig = %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
	cfg, err := mqtt.TLSConfig(pki.CA, pki.ClientCert, pki.ClientKey, false)
	if err != nil || cfg.RootCAs == nil || len(cfg.Certificates) != 1 || cfg.InsecureSkipVerify || cfg.MinVersion < tls.VersionTLS12 {
		t.Fatalf("TLSConfig with CA and client pair = %+v, %v", cfg, err)
	}
}
