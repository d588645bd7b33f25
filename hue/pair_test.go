package hue_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
)

func TestCreateUserWaitsForTheLinkButtonThenReturnsTheKey(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	c := newClient(t, s, "")
	ctx := context.Background()
	_, err := c.CreateUser(ctx, "huegate#test")
	if !hue.IsType(err, hue.ErrTypeLinkButton) || hue.Retryable(err) {
		t.Fatalf("before the button: %v, want error 101 (final: the caller decides to ask again)", err)
	}
	s.Bridge.PressLinkButton()
	cred, err := c.CreateUser(ctx, "huegate#test")
	if err != nil || cred.Username != s.Bridge.Key() {
		t.Fatalf("after the button: key %q, err %v", cred.Username, err)
	}
	// The client key the Entertainment API needs comes with it.
	if len(cred.ClientKey) != 32 {
		t.Fatalf("client key %q, want 32 hex digits", cred.ClientKey)
	}
	reqs := s.Bridge.Requests()
	if last := reqs[len(reqs)-1]; last.Method != "POST" || last.Path != "/api" ||
		string(last.Body) != `{"devicetype":"huegate#test","generateclientkey":true}` {
		t.Fatalf("request = %s %s %s", last.Method, last.Path, last.Body)
	}
}

func TestCreateUserRefusesAnswersWithoutAKey(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	c := newClient(t, s, "")
	_, err := c.CreateUser(context.Background(), strings.Repeat("x", 41)) // the bridge refuses long devicetypes
	if !hue.IsType(err, hue.ErrTypeInvalidValue) {
		t.Fatalf("err = %v, want bridge error 7", err)
	}
}

func TestDeviceTypeFitsTheBridgesLimit(t *testing.T) {
	tests := []struct{ host, want string }{
		{"raspberrypi", "huegate#raspberrypi"},
		{"pi.local", "huegate#pi"},
		{"a-very-long-hostname-indeed", "huegate#a-very-long-hostnam"},
		{"küchenrechner-im-keller", "huegate#küchenrechner-im-k"},
		{"", "huegate#host"},
		{"bad\x00name", "huegate#badname"},
	}
	for _, tt := range tests {
		got := hue.DeviceType(tt.host)
		if got != tt.want || len(got) > 40 || !utf8.ValidString(got) {
			t.Errorf("DeviceType(%q) = %q (%d bytes), want %q", tt.host, got, len(got), tt.want)
		}
	}
}

func TestPublicConfigNeedsNoKey(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	c := newClient(t, s, "")
	info, err := c.PublicConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := hue.BridgeInfo{Name: "Philips hue", BridgeID: "001788FFFE123456", ModelID: "BSB002",
		APIVersion: "1.65.0", SwVersion: "1965111030", MAC: "00:17:88:12:34:56"}
	if info != want {
		t.Fatalf("info = %+v, want %+v", info, want)
	}
}

func TestPublicConfigOfSomethingElseIsAnError(t *testing.T) {
	for _, body := range []string{"<html>router login</html>", "{}", `[{"error":{"type":4}}]`, ""} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, body) }))
		c, err := hue.New(hue.Config{Host: srv.URL, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.PublicConfig(context.Background())
		c.CloseIdle()
		srv.Close()
		if err == nil {
			t.Errorf("body %q was taken for a bridge", body)
		}
	}
}

func TestAPinnedHTTPSBridgeAnswersAndAChangedCertificateIsRefused(t *testing.T) {
	s := huetest.NewTLSServer(t, fixture)
	ctx := context.Background()
	fp, err := hue.PeerFingerprint(ctx, s.URL, time.Second)
	if err != nil || fp != s.Fingerprint {
		t.Fatalf("fingerprint %q, err %v; want %q", fp, err, s.Fingerprint)
	}
	if !hue.SameFingerprint(strings.ToUpper(fp), colons(fp)) {
		t.Fatal("the same fingerprint written in capitals with colons does not match")
	}
	c, err := hue.New(hue.Config{Host: s.URL, Username: s.Bridge.Key(), CertSHA256: fp, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdle()
	if _, err := c.Lights(ctx); err != nil {
		t.Fatalf("pinned bridge: %v", err)
	}

	other := huetest.ServeTLS(t, s.Bridge) // same bridge, new certificate
	c2, err := hue.New(hue.Config{Host: other.URL, Username: s.Bridge.Key(), CertSHA256: fp, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.CloseIdle()
	_, err = c2.Lights(ctx)
	if !errors.Is(err, hue.ErrCertChanged) || hue.Retryable(err) {
		t.Fatalf("changed certificate: %v, want ErrCertChanged, final", err)
	}
	for _, want := range []string{"huegate pair --host", "--trust-new-cert"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say how to re-pair (%q)", err, want)
		}
	}
	if strings.Contains(err.Error(), s.Bridge.Key()) {
		t.Fatal("the key is in the error")
	}
}

func TestPeerFingerprintOfAnHTTPBridgeIsEmpty(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	fp, err := hue.PeerFingerprint(context.Background(), s.URL, time.Second)
	if fp != "" || err != nil {
		t.Fatalf("fingerprint %q, err %v", fp, err)
	}
}

func TestScenesAreReadWithTheirGroups(t *testing.T) {
	s := huetest.NewServer(t, fixture)
	c := newClient(t, s, s.Bridge.Key())
	scenes, err := c.Scenes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sc := range scenes {
		got = append(got, sc.Group+"/"+sc.Name+"/"+sc.Type+"/"+strings.Join(sc.Lights, ","))
	}
	want := "/Night light/LightScene/3,12 1/Relax/GroupScene/2,3,5,7 2/Concentrate/GroupScene/1,20"
	if strings.Join(got, " ") != want {
		t.Fatalf("scenes = %q\nwant     %q", strings.Join(got, " "), want)
	}
	if !scenes[0].Recycle || scenes[1].Recycle {
		t.Fatal("recycle flags lost")
	}
}

func TestRealScenesDecode(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "hue-fixtures", "v1-full-state", "yetanotherhueapi-hueRoot.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("real captures not available: %v", err)
	}
	b, err := emulator.New(data)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.Start(b, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := newClient(t, srv, b.Key())
	scenes, err := c.Scenes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(scenes) == 0 {
		t.Fatal("no scenes decoded from a real bridge dump")
	}
	for _, sc := range scenes {
		if sc.ID == "" || sc.Name == "" {
			t.Fatalf("scene without id or name: %+v", sc)
		}
	}
}

func colons(hex string) string {
	var parts []string
	for i := 0; i+2 <= len(hex); i += 2 {
		parts = append(parts, hex[i:i+2])
	}
	return strings.Join(parts, ":")
}
