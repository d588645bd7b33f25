package hue_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
)

// testCA is the emulator's stand-in for the Hue root, written to a file as
// bridge.ca_file names it.
func testCA(t *testing.T) (*emulator.CA, string) {
	t.Helper()
	ca, err := emulator.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, ca.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return ca, path
}

// serveMode serves the fixture as a bridge of mode m showing a certificate
// of kind k from ca.
func serveMode(t *testing.T, ca *emulator.CA, m emulator.Mode, k emulator.CertKind) *emulator.Server {
	t.Helper()
	b, err := emulator.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	opt := emulator.ServeOptions{Mode: m}
	if m != emulator.ModeOld {
		cert, err := ca.Cert(k, b.BridgeID())
		if err != nil {
			t.Fatal(err)
		}
		opt.Cert = &cert
	}
	s, err := emulator.StartMode(b, "127.0.0.1:0", opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// hostPort is what a user types: the address without a scheme.
func hostPort(url string) string {
	_, rest, _ := strings.Cut(url, "://")
	return rest
}

// A host without a scheme is https when the bridge has it, verified
// against the Hue roots (here the test CA in bridge.ca_file) and the bridge
// id, with no pin; plain http only for a bridge with no https at all, and
// then the caller hears of it once.
func TestAHostWithoutASchemeIsHTTPSFirst(t *testing.T) {
	ca, caFile := testCA(t)
	for _, tt := range []struct {
		mode  emulator.Mode
		base  string
		plain bool
	}{
		{emulator.ModeOld, "http://", true},
		{emulator.ModeGen2, "https://", false},
		{emulator.ModePro, "https://", false},
	} {
		t.Run(tt.mode.String(), func(t *testing.T) {
			s := serveMode(t, ca, tt.mode, emulator.CertGood)
			var plain atomic.Int32
			c, err := hue.New(hue.Config{Host: hostPort(s.URL), Username: s.Bridge.Key(), CAFile: caFile, Timeout: 2 * time.Second,
				PlainHTTP: func(string) { plain.Add(1) }})
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdle()
			for range 2 {
				if lights, err := c.Lights(context.Background()); err != nil || len(lights) == 0 {
					t.Fatalf("Lights = %d, %v", len(lights), err)
				}
			}
			if !strings.HasPrefix(c.Base(), tt.base) {
				t.Errorf("base %s, want %s...", c.Base(), tt.base)
			}
			if got := plain.Load(); (got == 1) != tt.plain || got > 1 {
				t.Errorf("told of plain http %d times, want %v once", got, tt.plain)
			}
		})
	}
}

// A certificate that is not the bridge's own is refused before the key
// goes anywhere, with a message that says what to do, and is final. A
// gen-2 bridge also speaks http on the same port: a bad certificate must
// not make huegate fall back to it.
func TestCertificatesThatAreNotTheBridgesAreRefusedBeforeTheKeyIsSent(t *testing.T) {
	ca, caFile := testCA(t)
	for _, tt := range []struct {
		kind    emulator.CertKind
		problem hue.CertProblem
		says    string
	}{
		{emulator.CertWrongCN, hue.CertWrongBridge, "certificate for " + emulator.WrongCN},
		{emulator.CertOtherRoot, hue.CertUntrusted, "not issued by the Hue root CA"},
		{emulator.CertSelfSigned, hue.CertSelfSigned, "huegate pair --host"},
	} {
		for _, mode := range []emulator.Mode{emulator.ModeGen2, emulator.ModePro} {
			t.Run(tt.kind.String()+"/"+mode.String(), func(t *testing.T) {
				s := serveMode(t, ca, mode, tt.kind)
				key := s.Bridge.Key()
				c, err := hue.New(hue.Config{Host: hostPort(s.URL), Username: key, CAFile: caFile, Timeout: 2 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				defer c.CloseIdle()
				_, err = c.Lights(context.Background())
				var ce *hue.CertError
				if !errors.As(err, &ce) || ce.Problem != tt.problem || hue.Retryable(err) {
					t.Fatalf("Lights = %v, want a final CertError %d", err, tt.problem)
				}
				if !strings.Contains(err.Error(), tt.says) || strings.Contains(err.Error(), key) {
					t.Errorf("error %q: want it to say %q, without the key", err, tt.says)
				}
				if err := c.SetLight(context.Background(), "3", hue.State{Fields: hue.FieldOn, On: true}); !errors.As(err, &ce) {
					t.Errorf("SetLight = %v, want the CertError again", err)
				}
				for _, r := range s.Bridge.Requests() {
					if strings.Contains(r.Path, key) || r.Method != "GET" {
						t.Errorf("%s %s reached the bridge", r.Method, strings.ReplaceAll(r.Path, key, "<key>"))
					}
				}
			})
		}
	}
}

// Without bridge.ca_file, the emulator's test CA is just another root.
func TestOnlyTheHueRootsAreTrustedByDefault(t *testing.T) {
	ca, _ := testCA(t)
	s := serveMode(t, ca, emulator.ModePro, emulator.CertGood)
	c, err := hue.New(hue.Config{Host: hostPort(s.URL), Username: s.Bridge.Key(), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdle()
	_, err = c.PublicConfig(context.Background())
	var ce *hue.CertError
	if !errors.As(err, &ce) || ce.Problem != hue.CertUntrusted {
		t.Fatalf("PublicConfig = %v, want CertUntrusted", err)
	}
}

// A self-signed bridge is reached through its pin, as before.
func TestASelfSignedBridgeIsReachedThroughItsPin(t *testing.T) {
	b, err := emulator.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	cert, fp, err := emulator.SelfSigned(b.BridgeID())
	if err != nil {
		t.Fatal(err)
	}
	s, err := emulator.StartMode(b, "127.0.0.1:0", emulator.ServeOptions{Mode: emulator.ModePro, Cert: &cert})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := hue.New(hue.Config{Host: hostPort(s.URL), Username: b.Key(), CertSHA256: fp, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdle()
	if _, err := c.Lights(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestACAFileThatHoldsNoCertificateIsAConfigError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{path, filepath.Join(t.TempDir(), "missing.pem")} {
		if _, err := hue.New(hue.Config{Host: "127.0.0.1:1", CAFile: file}); err == nil || !strings.Contains(err.Error(), "bridge.ca_file") {
			t.Errorf("New with ca_file %s = %v, want an error naming bridge.ca_file", file, err)
		}
	}
}
