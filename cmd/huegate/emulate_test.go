package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/internal/testkit"
)

func startEmulate(t *testing.T, args ...string) (url, key string) {
	t.Helper()
	c := startCommand(t, append([]string{"emulate", "--listen", "127.0.0.1:0", "--stream-port", "0", "--ca-dir", t.TempDir()}, args...)...)
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

// emulated is what `huegate emulate` printed about where it is.
type emulated struct {
	main, httpURL, httpsURL, caFile, streamPort string
	pointAt                                     string // the line that says how to point huegate at it
}

// startEmulateMode runs emulate with the given flags and reads the lines
// a user (or a process test) reads.
func startEmulateMode(t *testing.T, args ...string) emulated {
	t.Helper()
	args = append([]string{"emulate", "--listen", "127.0.0.1:0", "--latency", "0s"}, args...)
	if !slices.Contains(args, "old") { // the default port, 2100, would be one for all
		args = append(args, "--stream-port", "0")
	}
	c := startCommand(t, args...)
	c.waitStdout(t, `Command ceiling`)
	out := c.stdout.String()
	find := func(re string) string {
		if m := regexp.MustCompile(`(?m)^` + re + `$`).FindStringSubmatch(out); m != nil {
			return m[1]
		}
		return ""
	}
	return emulated{
		main:       find(`Hue bridge emulator on (\S+), loaded from .*`),
		httpURL:    find(`HTTP URL: (\S+)`),
		httpsURL:   find(`HTTPS URL: (\S+)`),
		caFile:     find(`bridge\.ca_file: (.+)`),
		streamPort: find(`bridge\.stream_port: (\d+)`),
		pointAt:    find(`  point huegate at it with  (.+)`),
	}
}

// bridgeClient is an https client that trusts the CA in caFile and checks
// the certificate's CN against the fixture's bridge id, as the Hue
// developer documentation advises.
func bridgeClient(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", caFile)
	}
	tr := &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true, // VerifyConnection verifies: the certificate names no host
		VerifyConnection: func(cs tls.ConnectionState) error {
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			leaf := cs.PeerCertificates[0]
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter}); err != nil {
				return err
			}
			if leaf.Subject.CommonName != fixtureBridgeID {
				return fmt.Errorf("certificate of %q, not of this bridge", leaf.Subject.CommonName)
			}
			return nil
		},
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

const fixtureBridgeID = "001788fffe123456"

func getWithKey(c *http.Client, url string) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("hue-application-key", emulator.DefaultKey)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestEmulatePrintsWhereEachModeServes(t *testing.T) {
	for _, mode := range []string{"old", "gen2", "pro"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			e := startEmulateMode(t, "--mode", mode, "--ca-dir", dir)
			plain := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			v1 := "/api/" + emulator.DefaultKey + "/lights"
			v2 := emulator.V2ResourcePath + "/light"

			if mode != "pro" {
				if e.main != e.httpURL || !strings.HasPrefix(e.httpURL, "http://127.0.0.1:") {
					t.Fatalf("printed %+v", e)
				}
				if code, err := getWithKey(plain, e.httpURL+v1); err != nil || code != 200 {
					t.Errorf("plain http v1: %d %v", code, err)
				}
			}
			if mode == "old" {
				if e.httpsURL != "" || e.caFile != "" || e.streamPort != "" {
					t.Errorf("an old bridge printed https: %+v", e)
				}
				return
			}
			if !strings.HasPrefix(e.httpsURL, "https://127.0.0.1:") || e.caFile != filepath.Join(dir, "ca.pem") {
				t.Fatalf("printed %+v", e)
			}
			if port, err := strconv.Atoi(e.streamPort); err != nil || port <= 0 {
				t.Errorf("bridge.stream_port: %q", e.streamPort)
			}
			if !strings.Contains(e.pointAt, "stream_port: "+e.streamPort+"}") {
				t.Errorf("the config line lacks the stream port %s: %q", e.streamPort, e.pointAt)
			}
			c := bridgeClient(t, e.caFile)
			for _, path := range []string{v1, v2, emulator.AuthPath} {
				if code, err := getWithKey(c, e.httpsURL+path); err != nil || code != 200 {
					t.Errorf("https %s: %d %v", path, code, err)
				}
			}
			if mode == "pro" {
				if e.main != e.httpsURL || e.httpURL != "" {
					t.Errorf("printed %+v", e)
				}
				// A plain http request to the Pro gets no data.
				code, err := getWithKey(plain, strings.Replace(e.httpsURL, "https:", "http:", 1)+v1)
				if err == nil && code != http.StatusBadRequest {
					t.Errorf("plain http to the Pro: %d", code)
				}
			}
		})
	}
}

func TestEmulateCertificatesFailForTheirReason(t *testing.T) {
	dir := t.TempDir()
	for kind, want := range map[string]string{
		"wrong-cn":    `certificate of "001788fffe999999"`,
		"other-root":  "certificate signed by unknown authority",
		"self-signed": "certificate signed by unknown authority",
	} {
		t.Run(kind, func(t *testing.T) {
			e := startEmulateMode(t, "--mode", "pro", "--ca-dir", dir, "--cert", kind)
			_, err := getWithKey(bridgeClient(t, e.caFile), e.httpsURL+"/api/config")
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want %q", kind, err, want)
			}
		})
	}
}

func TestEmulateKeepsItsCABetweenRuns(t *testing.T) {
	dir := t.TempDir()
	first := startEmulateMode(t, "--ca-dir", dir)
	pem := testkit.ReadText(t, first.caFile)
	if fi, err := os.Stat(filepath.Join(dir, "ca-key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("ca-key.pem: %v %v", fi, err)
	}
	second := startEmulateMode(t, "--mode", "pro", "--ca-dir", dir)
	if second.caFile != first.caFile || testkit.ReadText(t, second.caFile) != pem {
		t.Error("a second run made another CA")
	}
	// The first run's CA verifies the second's certificate.
	if code, err := getWithKey(bridgeClient(t, first.caFile), second.httpsURL+"/api/config"); err != nil || code != 200 {
		t.Errorf("second run: %d %v", code, err)
	}
}

// Emulators started at once on an empty --ca-dir agree on one CA.
func TestEmulatorsStartedAtOnceShareOneCA(t *testing.T) {
	dir := t.TempDir()
	cas := make(chan *emulator.CA, 8)
	for range cap(cas) {
		go func() {
			ca, err := emulatorCA(dir)
			if err != nil {
				t.Error(err)
			}
			cas <- ca
		}()
	}
	var first *emulator.CA
	for range cap(cas) {
		ca := <-cas
		switch {
		case ca == nil:
		case first == nil:
			first = ca
		case !ca.Certificate().Equal(first.Certificate()):
			t.Error("two CAs")
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ca.lock")); !os.IsNotExist(err) {
		t.Errorf("lock left behind: %v", err)
	}
}

func TestEmulateRefusesBrokenCAFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, _, code := runFor(t, "emulate", "--listen", "127.0.0.1:0", "--ca-dir", dir)
	if code == 0 || !strings.Contains(got, "--ca-dir") || !strings.Contains(got, "remove ca.pem") {
		t.Errorf("exit %d, %q", code, got)
	}
}

func TestEmulateRefusesUnknownModesAndCertificates(t *testing.T) {
	for _, args := range [][]string{
		{"--mode", "gen3"},
		{"--cert", "forged"},
		{"--mode", "old", "--cert", "wrong-cn"},
		{"--mode", "old", "--stream-port", "2100"},
		{"--stream-port", "-1"},
	} {
		got, _, code := runFor(t, append([]string{"emulate", "--listen", "127.0.0.1:0", "--ca-dir", t.TempDir()}, args...)...)
		if code != 2 || !strings.Contains(got, "--"+strings.TrimPrefix(args[len(args)-2], "--")) {
			t.Errorf("%v: exit %d, %q", args, code, got)
		}
	}
}
