package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/internal/testkit"
)

// fastPairing makes pairing ask every 50 ms for the test's duration.
func fastPairing(t *testing.T) {
	t.Helper()
	old := pairRetry
	pairRetry = 50 * time.Millisecond
	t.Cleanup(func() { pairRetry = old })
}

// pressAfter presses the link button once the bridge has refused n pairing
// attempts, as a person walking to the bridge would.
func pressAfter(t *testing.T, b *emulator.Bridge, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for posts(b) < n {
			if err := b.WaitRequests(ctx, len(b.Requests())+1); err != nil {
				return // the test reports what is missing
			}
		}
		b.PressLinkButton()
	}()
}

func posts(b *emulator.Bridge) int {
	n := 0
	for _, r := range b.Requests() {
		if r.Method == http.MethodPost && r.Path == "/api" && r.Status != 0 {
			n++
		}
	}
	return n
}

func TestPairingRetriesEverySecondByDefault(t *testing.T) {
	if pairRetry != time.Second {
		t.Fatalf("pairRetry = %v, want 1 s", pairRetry)
	}
}

func TestPairWaitsForTheLinkButtonThenEditsTheConfig(t *testing.T) {
	fastPairing(t)
	s := huetest.NewServer(t, fixture)
	example, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, example, 0o644); err != nil {
		t.Fatal(err)
	}
	pressAfter(t, s.Bridge, 3)
	out, errOut, code := cli(t, "pair", "--host", s.URL, "--config", path, "--timeout", "10s")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if n := posts(s.Bridge); n < 4 {
		t.Fatalf("%d pairing attempts, want 3 refused, then 1 accepted", n)
	}
	checkSpacing(t, s.Bridge, pairRetry)

	got := testkit.ReadText(t, path)
	clientKey := fileClientKey(t, got)
	want := strings.Replace(string(example), "  host: 192.168.1.2 ", "  host: "+s.URL+" ", 1)
	want = strings.Replace(want, `  username: "" `, `  username: "`+s.Bridge.Key()+`" `, 1)
	want = strings.Replace(want, `  clientkey: "" `, `  clientkey: "`+clientKey+`" `, 1)
	if got != want {
		t.Fatalf("the config changed beyond host, username and clientkey:\n%s", got)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	if strings.Contains(out+errOut, s.Bridge.Key()) || strings.Contains(out+errOut, clientKey) {
		t.Fatal("a key was printed without --print-key")
	}
	for _, line := range []string{`Found bridge "Philips hue" (id 001788FFFE123456, model BSB002, API 1.65.0)`,
		"Press the link button", "Paired. Wrote bridge.host, bridge.username, bridge.clientkey to " + path + " (mode 0600)."} {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q:\n%s", line, out)
		}
	}
	// The paired config works: validate reads the bridge with the new key.
	if out, errOut, code := cli(t, "validate", "--config", path); code != 0 {
		t.Fatalf("validate after pairing: exit %d\n%s%s", code, out, errOut)
	}
}

// checkSpacing checks that pairing attempts came one interval apart, not
// in a tight loop.
func checkSpacing(t *testing.T, b *emulator.Bridge, interval time.Duration) {
	t.Helper()
	var last time.Time
	for _, r := range b.Requests() {
		if r.Method != http.MethodPost {
			continue
		}
		if !last.IsZero() && r.Time.Sub(last) < interval*8/10 {
			t.Fatalf("attempts %v apart, want about %v", r.Time.Sub(last), interval)
		}
		last = r.Time
	}
}

func TestPairCreatesAMissingConfigAndPrintsTheKeyOnlyWhenAsked(t *testing.T) {
	fastPairing(t)
	s := huetest.NewServer(t, fixture)
	path := filepath.Join(t.TempDir(), "new.yaml")
	s.Bridge.PressLinkButton()
	out, errOut, code := cli(t, "pair", "--host", s.URL, "--config", path, "--print-key")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "API key: "+s.Bridge.Key()+"\n") {
		t.Fatalf("--print-key did not print the key:\n%s", out)
	}
	got := testkit.ReadText(t, path)
	if want := "bridge:\n  host: " + s.URL + "\n  username: \"" + s.Bridge.Key() + "\"\n  clientkey: \"" + fileClientKey(t, got) + "\"\n"; got != want {
		t.Fatalf("file = %q, want %q", got, want)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
}

func TestPairGivesUpAfterTheTimeoutAndLeavesTheFile(t *testing.T) {
	fastPairing(t)
	s := huetest.NewServer(t, fixture)
	path := testkit.WriteConfig(t, "# mine\nbridge: {host: old}\n")
	start := time.Now()
	out, errOut, code := cli(t, "pair", "--host", s.URL, "--config", path, "--timeout", "300ms")
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("took %v with a 300 ms timeout", elapsed)
	}
	if code != 1 || !strings.Contains(errOut, "the link button was not pressed within 300ms; run the command again") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if got := testkit.ReadText(t, path); got != "# mine\nbridge: {host: old}\n" {
		t.Fatalf("file changed: %q", got)
	}
	if n := posts(s.Bridge); n < 3 {
		t.Fatalf("only %d attempts in 300 ms at 50 ms", n)
	}
}

func TestPairFailsAtOnceWhenNoBridgeAnswers(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	s.Stop()
	path := filepath.Join(t.TempDir(), "c.yaml")
	start := time.Now()
	_, errOut, code := cli(t, "pair", "--host", s.URL, "--config", path)
	if code != 1 || !strings.Contains(errOut, "no Hue bridge answers at "+s.URL) || time.Since(start) > 2*time.Second {
		t.Fatalf("exit %d after %v:\n%s", code, time.Since(start), errOut)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("a config file was written without a key")
	}
}

func TestPairRefusesAFileItCannotEditBeforeTheButton(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	path := testkit.WriteConfig(t, "bridges:\n  up: {host: a}\n  down: {host: b}\n")
	_, errOut, code := cli(t, "pair", "--host", s.URL, "--config", path)
	if code != 1 || !strings.Contains(errOut, "names several bridges (up, down): choose one with --bridge") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if n := len(s.Bridge.Requests()); n != 0 {
		t.Fatalf("%d requests to the bridge before the config was known to be writable", n)
	}
}

func TestPairAnHTTPSBridgePinsItsCertificate(t *testing.T) {
	fastPairing(t)
	s := huetest.NewTLSServer(t, fixture)
	path := filepath.Join(t.TempDir(), "config.yaml")
	s.Bridge.PressLinkButton()
	out, errOut, code := cli(t, "pair", "--host", s.URL, "--config", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if pin, _, _ := config.FileValue(path, "bridge", "cert_sha256"); pin != s.Fingerprint {
		t.Fatalf("pinned %q, want %q", pin, s.Fingerprint)
	}
	if !strings.Contains(out, "bridge.cert_sha256") {
		t.Fatalf("output does not mention the pin:\n%s", out)
	}
	// The pin works for later connections.
	if out, errOut, code := cli(t, "lights", "--config", path, "--json"); code != 0 || !strings.Contains(out, "Küche Decke") {
		t.Fatalf("lights over the pin: exit %d\n%s", code, errOut)
	}
}

func TestPairRefusesAChangedCertificateUnlessTold(t *testing.T) {
	fastPairing(t)
	s := huetest.NewTLSServer(t, fixture)
	other := huetest.ServeTLS(t, s.Bridge)
	// The file pinned another certificate for this very host.
	content := "bridge:\n  host: " + s.URL + "\n  username: \"old\"\n  cert_sha256: \"" + other.Fingerprint + "\"\n"
	path := testkit.WriteConfig(t, content)
	s.Bridge.PressLinkButton()
	_, errOut, code := cli(t, "pair", "--host", s.URL, "--config", path)
	if code != 1 || !strings.Contains(errOut, "shows a different certificate than the one pinned") ||
		!strings.Contains(errOut, "--trust-new-cert") || !strings.Contains(errOut, "now:    "+s.Fingerprint) {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if got := testkit.ReadText(t, path); got != content {
		t.Fatalf("file changed: %q", got)
	}
	if posts(s.Bridge) != 0 {
		t.Fatal("asked the bridge for a key after the certificate check failed")
	}
	out, errOut, code := cli(t, "pair", "--host", s.URL, "--config", path, "--trust-new-cert")
	if code != 0 {
		t.Fatalf("with --trust-new-cert: exit %d\n%s%s", code, out, errOut)
	}
	if pin, _, _ := config.FileValue(path, "bridge", "cert_sha256"); pin != s.Fingerprint {
		t.Fatalf("pin %q, want the new %q", pin, s.Fingerprint)
	}
}

func TestCountdownRoundsUp(t *testing.T) {
	for _, tt := range []struct {
		left time.Duration
		want string
	}{{59200 * time.Millisecond, "60 s left"}, {time.Second, "1 s left"}, {1, "1 s left"}, {60 * time.Second, "60 s left"}} {
		if got := countdown(tt.left); got != tt.want {
			t.Errorf("countdown(%v) = %q, want %q", tt.left, got, tt.want)
		}
	}
}

// The README's systemd section pairs with only --config: the host is the
// one in the file.
func TestPairWithoutHostUsesTheConfiguredOne(t *testing.T) {
	fastPairing(t)
	s := huetest.NewServer(t, fixture)
	path := testkit.WriteConfig(t, "bridge:\n  host: "+s.URL+"\n")
	s.Bridge.PressLinkButton()
	out, errOut, code := cli(t, "pair", "--config", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if got := testkit.ReadText(t, path); !strings.Contains(got, `username: "`+s.Bridge.Key()+`"`) {
		t.Fatalf("no key saved:\n%s", got)
	}

	empty := testkit.WriteConfig(t, "mqtt:\n  broker: tcp://127.0.0.1:1883\n")
	out, errOut, code = cli(t, "pair", "--config", empty)
	if code != 2 || !strings.Contains(errOut, "give --host") || !strings.Contains(errOut, "bridge.host") {
		t.Fatalf("exit %d without a host anywhere\n%s%s", code, out, errOut)
	}
}

// fileClientKey is the bridge.clientkey pairing wrote: 32 hex digits.
func fileClientKey(t *testing.T, file string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^  clientkey: "([0-9A-Fa-f]{32})"`).FindStringSubmatch(file)
	if m == nil {
		t.Fatalf("no bridge.clientkey of 32 hex digits in the file:\n%s", file)
	}
	return m[1]
}
