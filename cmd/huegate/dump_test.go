package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/huegate/huegate/hue/huetest"
)

// whitelisted are the keys in the project fixture's whitelist.
var whitelisted = []string{"fakewhitelistkeyone000000000000000000001", "fakewhitelistkeytwo000000000000000000002"}

func writeYAML(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDumpFromTheEmulatorHasNoSecretsAndReplays(t *testing.T) {
	srv := huetest.NewServer(t, "../../testdata/bridge.json")
	cfg := writeYAML(t, "bridge: {host: '"+srv.URL+"', username: '"+srv.Bridge.Key()+"'}\n")
	out := filepath.Join(t.TempDir(), "mine.json")

	var stdout, stderr bytes.Buffer
	if code := execute([]string{"dump", "--config", cfg, "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	dump, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range append([]string{srv.Bridge.Key()}, whitelisted...) {
		if bytes.Contains(dump, []byte(secret)) {
			t.Errorf("the dump holds key %s", secret)
		}
		if strings.Contains(stderr.String(), secret) {
			t.Errorf("the output shows key %s", secret)
		}
	}

	// What dump writes, emulate serves.
	url, key := startEmulate(t, "--fixture", out)
	if got := strings.Join(lightNames(t, url, key), ", "); got != "Küche Decke, Lámpara sala, Desk lamp, Spot #1, LED+Strip, Hall/Up, Coffee machine, Garden lantern" {
		t.Fatalf("replayed lights = %s", got)
	}

	// Without --out it goes to standard output, the same bytes.
	stdout.Reset()
	if code := execute([]string{"dump", "--config", cfg}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !bytes.Equal(stdout.Bytes(), dump) {
		t.Fatal("dump to standard output differs from dump to a file")
	}
}

func TestDumpWithAWrongKeySaysSoAndWritesNothing(t *testing.T) {
	srv := huetest.NewServer(t, "../../testdata/bridge.json")
	const wrong = "notthekey0123456789abcdefnotthekey01"
	cfg := writeYAML(t, "bridge: {host: '"+srv.URL+"', username: '"+wrong+"'}\n")
	out := filepath.Join(t.TempDir(), "mine.json")
	var stdout, stderr bytes.Buffer
	code := execute([]string{"dump", "--config", cfg, "--out", out}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "unauthorized") || strings.Contains(stderr.String(), wrong) {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("a file was written: %v", err)
	}
}

func TestDumpAsksWhichBridgeWhenThereAreSeveral(t *testing.T) {
	cfg := writeYAML(t, "bridges:\n  up: {host: 127.0.0.1, username: a}\n  down: {host: 127.0.0.1, username: b}\n")
	var stdout, stderr bytes.Buffer
	code := execute([]string{"dump", "--config", cfg}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "pick one with --bridge") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}
