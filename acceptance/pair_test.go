package acceptance

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/huegate/huegate/mqtt/mqtttest"
)

// proBridge runs `huegate emulate --mode pro` with its link button pressed
// and the certificate kind cert, and returns its address without a scheme
// and the bridge.ca_file it prints.
func proBridge(t *testing.T, cert string) (host, caFile string) {
	t.Helper()
	p := huegate(t, "emulate", "--mode", "pro", "--cert", cert, "--listen", "127.0.0.1:0", "--fixture", fixture,
		"--ca-dir", t.TempDir(), "--link-button", "--log-format", "json", "--stream-port", "0")
	url := p.stdout.waitMatch(t, emulatorHTTPS)[1]
	return strings.TrimPrefix(url, "https://"), p.stdout.waitMatch(t, emulatorCAFile)[1]
}

// README "With your own bridge": `huegate pair --host <address>` against a
// Bridge Pro (https only, no description.xml) pairs from the address alone
// and stores the key and the client key, readable by the user only.
func TestPairAnHTTPSOnlyBridgeFromItsAddress(t *testing.T) {
	t.Parallel()
	host, caFile := proBridge(t, "good")
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	env := []string{"HUEGATE_BRIDGE_CA_FILE=" + caFile} // the emulator's stand-in for the Hue root
	p := startProcessEnv(t, env, binary, "pair", "--host", host, "--config", cfg)
	if code := p.exitCode(t, wait); code != 0 {
		t.Fatalf("pair: exit %d", code)
	}
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	file := string(data)
	for _, re := range []string{`(?m)^  host: ` + regexp.QuoteMeta(host) + `$`, `(?m)^  username: "\S{20,}"$`, `(?m)^  clientkey: "[0-9A-F]{32}"$`} {
		if !regexp.MustCompile(re).MatchString(file) {
			t.Errorf("the config lacks %s:\n%s", re, file)
		}
	}
	if strings.Contains(file, "cert_sha256") {
		t.Errorf("a pin was stored for a certificate from the root:\n%s", file)
	}
	if st, _ := os.Stat(cfg); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	key := regexp.MustCompile(`clientkey: "(\w+)"`).FindStringSubmatch(file)[1]
	if strings.Contains(p.stdout.String()+p.stderr.String(), key) {
		t.Error("pair printed the client key")
	}

	// huegate runs on what pair wrote, over https and CLIP v2.
	broker := startBroker(t)
	run := startProcessEnv(t, env, binary, "run", "--config", withBroker(t, cfg, broker), "--log-format", "json")
	run.stderr.waitLog(t, "huegate running", 1, func(l logLine) bool { return l.str("message") == "huegate running" })
}

// A bridge whose certificate names another bridge, or comes from another
// root, is refused by pair and by run, with a line that says what to do.
func TestPairAndRunRefuseACertificateThatIsNotTheBridges(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ cert, says string }{
		{"wrong-cn", "certificate is for another bridge"},
		{"other-root", "not issued by the Hue root CA"},
	} {
		t.Run(tt.cert, func(t *testing.T) {
			t.Parallel()
			host, caFile := proBridge(t, tt.cert)
			cfg := filepath.Join(t.TempDir(), "config.yaml")
			env := []string{"HUEGATE_BRIDGE_CA_FILE=" + caFile}
			p := startProcessEnv(t, env, binary, "pair", "--host", host, "--config", cfg)
			if code := p.exitCode(t, wait); code == 0 {
				t.Fatal("pair accepted the certificate")
			}
			if out := p.stderr.String(); !strings.Contains(out, "refusing to pair") || !strings.Contains(out, tt.says) {
				t.Errorf("pair's error does not say why:\n%s", out)
			}
			if _, err := os.Stat(cfg); err == nil {
				t.Error("pair wrote a config")
			}

			// run, given a key as if paired before the certificate changed.
			broker := startBroker(t)
			conf := filepath.Join(t.TempDir(), "config.yaml")
			content := "bridge: {host: " + host + ", username: some-key-0123456789abcdef}\nmqtt: {broker: " + broker + "}\nhttp: {listen: \"\"}\n" +
				"mappings:\n  - {topic: lights, lights: [\"Desk lamp\"]}\n"
			if err := os.WriteFile(conf, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			r := startProcessEnv(t, env, binary, "run", "--config", conf)
			if code := r.exitCode(t, wait); code == 0 {
				t.Fatal("run accepted the certificate")
			}
			if out := r.stderr.String(); !strings.Contains(out, tt.says) {
				t.Errorf("run's error does not say why:\n%s", out)
			}
		})
	}
}

// startBroker starts Mosquitto for one test and returns its URL.
func startBroker(t *testing.T) string {
	t.Helper()
	needTools(t)
	return mqtttest.StartMosquitto(t).URL
}

// withBroker adds the broker and no HTTP listener to a config pair wrote,
// as a user edits it next.
func withBroker(t *testing.T, cfg, broker string) string {
	t.Helper()
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, "mqtt: {broker: "+broker+"}\nhttp: {listen: \"\"}\n"...)
	if err := os.WriteFile(cfg, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}
