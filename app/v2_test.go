package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/app"
	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mqtttest"
	"github.com/rs/zerolog"
)

// startOnBridge starts huegate, as `huegate run` builds it, for a bridge of
// the given mode with the address typed without a scheme and the test CA in
// bridge.ca_file; api is bridge.api.
func startOnBridge(t *testing.T, mode emulator.Mode, api, mappings string) (*emulator.Server, *mqtttest.Broker, *testkit.Buffer) {
	t.Helper()
	srv, broker, logs, _ := startOn(t, onBridge{mode: mode, api: api}, mappings)
	return srv, broker, logs
}

// onBridge is the bridge startOn runs huegate against: its mode, bridge.api,
// and whether it serves the Entertainment stream (with clientKey in
// bridge.clientkey, which the bridge knows unless bridgeKey says otherwise).
type onBridge struct {
	mode      emulator.Mode
	api       string
	stream    bool
	clientKey string
	bridgeKey string
	more      string // more keys under bridge:, e.g. "stream_port: 1"
}

func startOn(t *testing.T, on onBridge, mappings string) (*emulator.Server, *mqtttest.Broker, *testkit.Buffer, *app.App) {
	t.Helper()
	hideEnvironment(t)
	broker := mqtttest.StartMosquitto(t)
	var opts []emulator.Option
	if on.bridgeKey != "" {
		opts = append(opts, emulator.WithClientKey(on.bridgeKey))
	} else if on.clientKey != "" {
		opts = append(opts, emulator.WithClientKey(on.clientKey))
	}
	srv, ca := huetest.NewModeServerOpts(t, fixture, serveOptions(on), emulator.CertGood, opts...)
	caFile := ""
	if ca != nil {
		caFile = filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(caFile, ca.CertPEM(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	more := on.more
	if on.stream {
		more = fmt.Sprintf("stream_port: %d, clientkey: %q, %s", srv.StreamPort(), on.clientKey, more)
	}
	_, host, _ := strings.Cut(srv.URL, "://")
	yaml := fmt.Sprintf("bridge: {host: %q, username: %q, ca_file: %q, api: %s, %s poll_interval: 200ms}\n"+
		"mqtt: {broker: %s, client_id: huegate-v2}\nhttp: {listen: \"\"}\nmappings:\n%s",
		host, srv.Bridge.Key(), caFile, on.api, more, broker.URL, mappings)
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	logs := &testkit.Buffer{}
	a, err := app.New(cfg, app.Options{Log: zerolog.New(logs), Version: "1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(5 * time.Second) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return srv, broker, logs, a
}

// waitPut waits for a PUT whose path starts with prefix and whose body
// holds want, and returns it.
func waitPut(t *testing.T, b *emulator.Bridge, from int, prefix, want string) emulator.Request {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for n := from + 1; ; n++ {
		if err := b.WaitRequests(ctx, n); err != nil {
			t.Fatalf("no PUT %s... with %s; the bridge saw:\n%v", prefix, want, describe(b.Requests()[from:]))
		}
		r := b.Requests()[n-1]
		if r.Method == http.MethodPut && strings.HasPrefix(r.Path, prefix) && bytes.Contains(r.Body, []byte(want)) {
			return r
		}
	}
}

func describe(reqs []emulator.Request) string {
	var sb strings.Builder
	for _, r := range reqs {
		fmt.Fprintf(&sb, "  %s %s %s\n", r.Method, r.Path, r.Body)
	}
	return sb.String()
}

// On a bridge with CLIP v2, commands go as v2 PUTs, and a 10-bit knob's
// midpoint lands with v2's finer steps: 512 of 0..1023 is 50.05 %, where
// v1's 254 steps would give 127 (50.0 %).
func TestCommandsGoOverCLIPv2WithFinerBrightness(t *testing.T) {
	srv, broker, _ := startOnBridge(t, emulator.ModeGen2, "auto", `  - {topic: knob, lights: ["Hall/Up"], range: [0, 1023]}
  - {topic: room, groups: ["Kitchen"]}
`)
	b := srv.Bridge
	from := len(b.Requests())
	mqtttest.Publish(t, broker.URL, "knob", []byte("512"), false)
	r := waitPut(t, b, from, "/clip/v2/resource/light/", `"dimming":{"brightness":50.05}`)
	if got := b.V1Of(strings.TrimPrefix(r.Path, "/clip/v2/resource/light/")); got != "/lights/12" {
		t.Fatalf("the PUT went to %s, want light 12 (Hall/Up)", got)
	}
	if l, _ := b.Light("12"); !l.On || l.Brightness != 50.05 || l.Bri != 127 {
		t.Fatalf("light 12 = on %v, brightness %v %%, bri %d; want on at 50.05 %% (bri 127)", l.On, l.Brightness, l.Bri)
	}

	from = len(b.Requests())
	mqtttest.Publish(t, broker.URL, "room", []byte("254"), false)
	r = waitPut(t, b, from, "/clip/v2/resource/grouped_light/", `"brightness":100`)
	if got := b.V1Of(strings.TrimPrefix(r.Path, "/clip/v2/resource/grouped_light/")); got != "/groups/2" {
		t.Fatalf("the group PUT went to %s, want group 2 (Kitchen)", got)
	}

	from = len(b.Requests())
	mqtttest.Publish(t, broker.URL, "huegate/groups/living-room/set", []byte(`{"scene":"Relax"}`), false)
	r = waitPut(t, b, from, "/clip/v2/resource/scene/", `"recall":{"action":"active"`)
	if got := b.V1Of(strings.TrimPrefix(r.Path, "/clip/v2/resource/scene/")); got != "/scenes/R3laxLivingRm01" {
		t.Fatalf("the recall went to %s, want the Relax scene", got)
	}

	for _, r := range b.Requests() {
		if r.Method == http.MethodPut && strings.HasPrefix(r.Path, "/api/") {
			t.Errorf("a v1 command reached a v2 bridge: %s %s", r.Path, r.Body)
		}
	}
}

// bridge.api v1 keeps a v2 bridge on v1, over https.
func TestBridgeAPIV1KeepsCommandsOnV1(t *testing.T) {
	srv, broker, _ := startOnBridge(t, emulator.ModePro, "v1", `  - {topic: knob, lights: ["Hall/Up"], range: [0, 1023]}
`)
	from := len(srv.Bridge.Requests())
	mqtttest.Publish(t, broker.URL, "knob", []byte("512"), false)
	waitPut(t, srv.Bridge, from, "/api/", `"bri":127`)
	for _, r := range srv.Bridge.Requests() {
		if strings.HasPrefix(r.Path, "/clip/v2/resource/") {
			t.Errorf("bridge.api v1 sent a v2 request: %s %s", r.Method, r.Path)
		}
	}
}

// An old bridge (http only) is reached over http, with one warning that
// says so, and speaks v1.
func TestAnOldBridgeIsReachedOverHTTPWithAWarning(t *testing.T) {
	srv, broker, logs := startOnBridge(t, emulator.ModeOld, "auto", `  - {topic: knob, lights: ["Hall/Up"], range: [0, 1023]}
`)
	from := len(srv.Bridge.Requests())
	mqtttest.Publish(t, broker.URL, "knob", []byte("512"), false)
	waitPut(t, srv.Bridge, from, "/api/", `"bri":127`)
	if n := strings.Count(logs.String(), "the bridge has no https"); n != 1 {
		t.Errorf("%d warnings about plain http, want 1:\n%s", n, logs.String())
	}
}

func serveOptions(on onBridge) emulator.ServeOptions {
	opt := emulator.ServeOptions{Mode: on.mode}
	if on.stream {
		opt.StreamAddr = "127.0.0.1:0"
	}
	return opt
}
