package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/internal/testkit"
)

// tlsBridge serves the fixture as a bridge of mode m showing a certificate
// of kind k, and writes a config naming the CA in bridge.ca_file, as the
// emulator's output says to.
func tlsBridge(t *testing.T, m emulator.Mode, k emulator.CertKind) (s *emulator.Server, config string) {
	t.Helper()
	ca, err := emulator.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, ca.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := emulator.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Cert(k, b.BridgeID())
	if err != nil {
		t.Fatal(err)
	}
	s, err = emulator.StartMode(b, "127.0.0.1:0", emulator.ServeOptions{Mode: m, Cert: &cert})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	config = filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(config, []byte("bridge:\n  ca_file: "+caFile+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return s, config
}

// A Bridge Pro (https only) pairs from its address alone: https first, its
// certificate checked against the Hue root and its id, so no pin is stored;
// the client key comes with the API key.
func TestPairWithoutASchemeReachesAnHTTPSOnlyBridge(t *testing.T) {
	fastPairing(t)
	s, path := tlsBridge(t, emulator.ModePro, emulator.CertGood)
	host := strings.TrimPrefix(s.URL, "https://")
	s.Bridge.PressLinkButton()
	out, errOut, code := cli(t, "pair", "--host", host, "--config", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	got := testkit.ReadText(t, path)
	for _, line := range []string{"  host: " + host + "\n", `  username: "` + s.Bridge.Key() + `"`, `  clientkey: "` + fileClientKey(t, got) + `"`} {
		if !strings.Contains(got, line) {
			t.Errorf("the file lacks %q:\n%s", line, got)
		}
	}
	if strings.Contains(got, "cert_sha256") {
		t.Errorf("a pin was stored for a certificate the Hue root vouches for:\n%s", got)
	}
	if !strings.Contains(out, "at "+s.URL+".") || errOut != "" {
		t.Errorf("output does not say it found the bridge over https, or warned:\n%s%s", out, errOut)
	}
}

// A certificate for another bridge, or from another root, is refused
// before the link button matters: nothing is asked, the file stays.
func TestPairRefusesACertificateThatIsNotTheBridges(t *testing.T) {
	fastPairing(t)
	for _, tt := range []struct {
		kind emulator.CertKind
		says string
	}{
		{emulator.CertWrongCN, "certificate is for another bridge"},
		{emulator.CertOtherRoot, "not issued by the Hue root CA"},
	} {
		t.Run(tt.kind.String(), func(t *testing.T) {
			s, path := tlsBridge(t, emulator.ModePro, tt.kind)
			before := testkit.ReadText(t, path)
			s.Bridge.PressLinkButton()
			out, errOut, code := cli(t, "pair", "--host", strings.TrimPrefix(s.URL, "https://"), "--config", path)
			if code == 0 {
				t.Fatalf("paired:\n%s", out)
			}
			if !strings.Contains(errOut, "refusing to pair") || !strings.Contains(errOut, tt.says) {
				t.Errorf("stderr does not say why:\n%s", errOut)
			}
			if posts(s.Bridge) != 0 {
				t.Error("a pairing request reached the bridge")
			}
			if testkit.ReadText(t, path) != before {
				t.Error("the config file changed")
			}
		})
	}
}

// An older bridge with a self-signed certificate is pinned on first use,
// as before, without --host https://.
func TestPairPinsASelfSignedBridge(t *testing.T) {
	fastPairing(t)
	s, path := tlsBridge(t, emulator.ModePro, emulator.CertSelfSigned)
	s.Bridge.PressLinkButton()
	out, errOut, code := cli(t, "pair", "--host", strings.TrimPrefix(s.URL, "https://"), "--config", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if got := testkit.ReadText(t, path); !strings.Contains(got, `  cert_sha256: "`) {
		t.Fatalf("no pin stored:\n%s", got)
	}
	// The paired config works.
	if out, errOut, code := cli(t, "lights", "--config", path); code != 0 {
		t.Fatalf("lights after pairing: exit %d\n%s%s", code, out, errOut)
	}
}
