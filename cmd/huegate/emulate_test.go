package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/internal/testkit"
)

func startEmulate(t *testing.T, args ...string) (url, key string) {
	t.Helper()
	c := startCommand(t, append([]string{"emulate", "--listen", "127.0.0.1:0"}, args...)...)
	m := c.waitStdout(t, `Hue bridge emulator on (http://\S+), loaded from .*\nAPI key: (\S+)\n`)
	return m[1], m[2]
}

func lightNames(t *testing.T, url, key string) []string {
	t.Helper()
	c, err := hue.New(hue.Config{Host: url, Username: key})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdle()
	lights, err := c.Lights(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range lights {
		names = append(names, l.Name)
	}
	return names
}

func TestEmulateServesTheFixtureAndAnswers429AboveItsRate(t *testing.T) {
	url, key := startEmulate(t, "--rate", "2", "--latency", "0s")
	if key != emulator.DefaultKey {
		t.Fatalf("printed key %q", key)
	}
	got := strings.Join(lightNames(t, url, key), ", ")
	if got != "Küche Decke, Lámpara sala, Desk lamp, Spot #1, LED+Strip, Hall/Up, Coffee machine, Garden lantern" {
		t.Fatalf("lights = %s", got)
	}

	// Three commands in a row (well within a second): the third is over the
	// ceiling of 2 per second.
	var codes []int
	for range 3 {
		req, _ := http.NewRequest(http.MethodPut, url+"/api/"+key+"/lights/3/state", strings.NewReader(`{"on":true,"bri":100}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != http.StatusTooManyRequests {
		t.Fatalf("status codes = %v, want [200 200 429]", codes)
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestEmulateLoadsAFixtureFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mine.json")
	dump := `{"lights":{"9":{"name":"Only lamp","type":"Dimmable light","state":{"on":false,"bri":1,"reachable":true}}}}`
	if err := os.WriteFile(path, []byte(dump), 0o600); err != nil {
		t.Fatal(err)
	}
	url, key := startEmulate(t, "--fixture", path)
	if got := lightNames(t, url, key); len(got) != 1 || got[0] != "Only lamp" {
		t.Fatalf("lights = %v", got)
	}
}

func TestEmulateRefusesABrokenFixture(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(broken, []byte(`{"lights": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{broken, filepath.Join(dir, "absent.json")} {
		got, _, code := runFor(t, "emulate", "--listen", "127.0.0.1:0", "--fixture", path)
		if code != 2 || !strings.Contains(got, "--fixture") {
			t.Errorf("%s: exit %d, stderr %q", path, code, got)
		}
	}
}

// `huegate pair` works against `huegate emulate`: its button is pressed at
// start with --link-button, or over the API.
func TestPairWithTheEmulator(t *testing.T) {
	fastPairing(t)
	url, key := startEmulate(t, "--link-button", "--latency", "0s")
	path := filepath.Join(t.TempDir(), "config.yaml")
	out, errOut, code := cli(t, "pair", "--host", url, "--config", path, "--timeout", "5s")
	if code != 0 {
		t.Fatalf("pair with --link-button: exit %d\n%s%s", code, out, errOut)
	}

	url, key = startEmulate(t, "--latency", "0s")
	req, _ := http.NewRequest(http.MethodPut, url+"/api/"+key+"/config", strings.NewReader(`{"linkbutton":true}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	path = filepath.Join(t.TempDir(), "config.yaml")
	if out, errOut, code := cli(t, "pair", "--host", url, "--config", path, "--timeout", "5s"); code != 0 {
		t.Fatalf("pair after PUT /config: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(testkit.ReadText(t, path), "username:") {
		t.Fatalf("no key saved:\n%s", testkit.ReadText(t, path))
	}
}
