package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// demo is a running `huegate demo` with the addresses it printed.
type demo struct {
	*bgCommand
	mqttURL, wsURL, bridgeURL, key, httpURL string
	bridge                                  *hue.Client
}

func startDemo(t *testing.T) *demo {
	t.Helper()
	c := startCommand(t, "demo", "--mqtt-listen", "127.0.0.1:0", "--ws-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0")
	c.waitStdout(t, "Ctrl-C stops")
	d := &demo{bgCommand: c}
	d.mqttURL = c.waitStdout(t, `MQTT broker +(tcp://\S+)`)[1]
	d.wsURL = "ws://" + c.waitStdout(t, `MQTT WebSocket +ws://(\S+)`)[1] + "/mqtt"
	m := c.waitStdout(t, `Hue emulator +(http://\S+) \(API key (\S+)\)`)
	d.bridgeURL, d.key = m[1], m[2]
	d.httpURL = "http://" + c.waitStdout(t, `Metrics, health +http://(\S+)/metrics`)[1]
	var err error
	if d.bridge, err = hue.New(hue.Config{Host: d.bridgeURL, Username: d.key}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.bridge.CloseIdle)
	return d
}

// waitBri polls the emulated bridge over HTTP until every light in ids is
// on at bri.
func (d *demo) waitBri(t *testing.T, bri uint8, ids ...string) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, "lights "+strings.Join(ids, ",")+" at "+strconv.Itoa(int(bri)), func() bool {
		lights, err := d.bridge.Lights(context.Background())
		if err != nil {
			return false
		}
		on := 0
		for _, l := range lights {
			for _, id := range ids {
				if l.ID == id && l.State.On && l.State.Bri == bri {
					on++
				}
			}
		}
		return on == len(ids)
	})
}

func TestDemoMovesEmulatedLightsFromPlainAndWebSocketClients(t *testing.T) {
	d := startDemo(t)

	// A plain MQTT client sees huegate come online on the demo's broker.
	status := mqtttest.Subscribe(t, d.mqttURL, "huegate/#")
	status.WaitFor(t, 10*time.Second, func(m mqtttest.Message) bool {
		return m.Topic == "huegate/status" && string(m.Payload) == "online"
	})

	mqtttest.Publish(t, d.mqttURL, "lights", []byte("200"), false)
	d.waitBri(t, 200, "1", "2")
	// ... and the new state comes back over MQTT.
	status.WaitFor(t, 10*time.Second, func(m mqtttest.Message) bool {
		return m.Topic == "huegate/lights/küche-decke/state" && bytes.Contains(m.Payload, []byte(`"bri":200`))
	})

	// A browser-style client over WebSocket drives the knob's lamp.
	mqtttest.Publish(t, d.wsURL, "lamp/knob", []byte("1023"), false)
	d.waitBri(t, 254, "3")

	mqtttest.Publish(t, d.mqttURL, "lights", []byte("banana"), false)

	var body string
	testkit.Eventually(t, 10*time.Second, "the rejected payload and an empty queue in /metrics", func() bool {
		_, body = testkit.Get(t, d.httpURL+"/metrics")
		return strings.Contains(body, `huegate_messages_rejected_total{reason="not_a_number",topic="lights"} 1`) &&
			strings.Contains(body, "huegate_command_queue_depth 0\n")
	})
	for _, want := range []string{
		`huegate_messages_received_total{topic="lights"} 2`,
		`huegate_messages_received_total{topic="lamp/knob"} 1`,
		`huegate_bridge_commands_total{kind="light",result="ok"} 3`,
		`huegate_bridge_request_duration_seconds_count{bridge="default",op="set_light"} 3`,
		`huegate_last_value_latency_seconds_count 3`,
		`huegate_mqtt_connected 1`,
		`huegate_bridge_reachable{bridge="default"} 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	code, health := testkit.Get(t, d.httpURL+"/healthz")
	var h struct{ Status string }
	if err := json.Unmarshal([]byte(health), &h); err != nil || code != http.StatusOK || h.Status != "ok" {
		t.Errorf("/healthz = %d %s", code, health)
	}

	// Each bridge command was logged as it happened, with the light's name.
	logs := d.stderr.String()
	for _, want := range []string{`"light":"1","name":"Küche Decke"`, `"light":"2","name":"Lámpara sala"`, `"light":"3","name":"Desk lamp"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("no bridge command logged for %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}

func TestDemoNamesATakenPortAndTheFlagToChangeIt(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	next := "127.0.0.1:0 (any free port)"

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--mqtt-listen", addr}, "pick another with --mqtt-listen " + next},
		{[]string{"--mqtt-listen", "127.0.0.1:0", "--ws-listen", addr}, "pick another with --ws-listen " + next},
		{[]string{"--mqtt-listen", "127.0.0.1:0", "--ws-listen", "", "--http-listen", addr}, "pick another with --http-listen " + next},
		{[]string{"--bridge-listen", addr}, "pick another with --bridge-listen " + next},
	} {
		args := append([]string{"demo", "--ws-listen", "", "--http-listen", ""}, tt.args...)
		got, logged, code := runFor(t, args...)
		if code != 1 {
			t.Fatalf("%v: exit %d, want 1; stderr:\n%s%s", tt.args, code, logged, got)
		}
		if logged != "" || strings.Count(got, "\n") != 1 || !strings.Contains(got, "port "+port+" ("+addr+") is already in use") || !strings.Contains(got, tt.want) {
			t.Errorf("%v: stderr = %q, want only one line naming port %s and %q", tt.args, logged+got, port, tt.want)
		}
	}
}

func TestDemoRefusesABrokerOffLoopback(t *testing.T) {
	got, _, code := runFor(t, "demo", "--mqtt-listen", "0.0.0.0:1883")
	if code != 2 || !strings.Contains(got, "--mqtt-listen 0.0.0.0:1883: the demo's broker lets anyone in") {
		t.Fatalf("exit %d, stderr %q", code, got)
	}
}

func TestRunRefusesTheBuiltInBrokerOffLoopbackWithoutUsers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	cfg := "bridge: {host: 127.0.0.1, username: k}\nmqtt: {broker: embedded, listen: '0.0.0.0:1883'}\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	got, _, code := runFor(t, "run", "--config", path)
	if code != 2 || !strings.Contains(got, "mqtt.listen: 0.0.0.0:1883 is not a loopback address, so the built-in broker needs mqtt.users") {
		t.Fatalf("exit %d, stderr %q", code, got)
	}
}

func TestRunNamesTheConfigKeyOfATakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	path := filepath.Join(t.TempDir(), "config.yaml")
	cfg := "bridge: {host: 127.0.0.1, username: k}\nhttp: {listen: ''}\nmqtt: {broker: embedded, ws_listen: '', listen: '" + taken.Addr().String() + "'}\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	got, _, code := runFor(t, "run", "--config", path)
	want := "mqtt.listen: " + taken.Addr().String() + " is already in use by another program; set mqtt.listen to a free address"
	if code != 1 || !strings.Contains(got, want) {
		t.Fatalf("exit %d, stderr %q, want %q", code, got, want)
	}
}
