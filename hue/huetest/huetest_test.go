package huetest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
)

const fixture = "../../testdata/bridge.json"

func TestNewServerServesAFixtureForATest(t *testing.T) {
	s := huetest.NewServer(t, fixture, emulator.WithKey("other-key"))
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || s.Bridge.Key() != "other-key" {
		t.Fatalf("URL %s, key %s", s.URL, s.Bridge.Key())
	}
	if body := get(t, s.URL+"/api/other-key/lights/3"); !strings.Contains(body, `"Desk lamp"`) {
		t.Errorf("with the chosen key: %.100s", body)
	}
	if body := get(t, s.URL+"/api/wrong/lights"); !strings.Contains(body, `"unauthorized user"`) {
		t.Errorf("with a wrong key: %.100s", body)
	}
}

func TestNewTLSServerServesHTTPSWithThePinnedCertificate(t *testing.T) {
	s := huetest.NewTLSServer(t, fixture)
	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") || len(s.Fingerprint) != 64 {
		t.Fatalf("URL %s, fingerprint %q", s.URL, s.Fingerprint)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
