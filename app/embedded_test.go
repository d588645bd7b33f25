package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/gorilla/websocket"
	"github.com/huegate/huegate/app"
	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mqtttest"
	"github.com/rs/zerolog"
)

// startEmbedded is `huegate run` with `mqtt.broker: embedded` on free
// loopback ports, Home Assistant discovery on.
func startEmbedded(t *testing.T) (*app.App, *testkit.Buffer) {
	t.Helper()
	hideEnvironment(t)
	bridge := huetest.NewServer(t, fixture)
	cfg, err := config.Parse([]byte(fmt.Sprintf(`bridge: {host: %s, username: %q}
mqtt: {broker: embedded, listen: "127.0.0.1:0", ws_listen: "127.0.0.1:0", client_id: huegate}
http: {listen: ""}
homeassistant: {enabled: true}
mappings:
  - {topic: lights, lights: [3]}
`, bridge.URL, bridge.Bridge.Key())))
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.Buffer{}
	a, err := app.New(cfg, app.Options{Log: zerolog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(5 * time.Second) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return a, logs
}

// Through the assembly: on the built-in broker, a client cannot speak for
// huegate (its status, a light's state, a Home Assistant config), cannot
// take huegate's client id, and a page from another site cannot open the
// WebSocket; huegate stays connected and online throughout.
func TestTheBuiltInBrokerKeepsHuegatesTopicsAndIDToHuegate(t *testing.T) {
	a, logs := startEmbedded(t)
	url := "tcp://" + a.Broker().Addr()
	const config = "homeassistant/light/huegate/0017880102030405-0b/config"
	mqtttest.Subscribe(t, url, config).WaitFor(t, 10*time.Second, func(m mqtttest.Message) bool { return len(m.Payload) > 0 })

	spoofer := mqtttest.NewPublisher(t, url)
	spoofer.Publish("huegate/status", []byte("offline"), 0, true)
	spoofer.Publish("huegate/lights/desk-lamp/state", []byte(`{"on":false}`), 0, true)
	spoofer.Publish(config, nil, 0, true)
	// Allowed, and after the spoofs. Not a mapped topic: a light changing
	// now would have huegate publish its state retained while the late
	// subscriber below scans the retained messages, which mochi v2.7.9 does
	// without a lock (mochi-mqtt/server#200).
	spoofer.Publish("sketch/value", []byte("9"), 1, false)

	late := mqtttest.Subscribe(t, url, "#")
	late.WaitFor(t, 10*time.Second, func(m mqtttest.Message) bool { return m.Topic == "huegate/status" && string(m.Payload) == "online" })
	late.WaitFor(t, 10*time.Second, func(m mqtttest.Message) bool { return m.Topic == config && len(m.Payload) > 0 })
	late.WaitFor(t, 10*time.Second, func(m mqtttest.Message) bool {
		return m.Topic == "huegate/lights/desk-lamp/state" && string(m.Payload) != `{"on":false}`
	})

	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("huegate").SetAutoReconnect(false).SetConnectTimeout(5 * time.Second))
	if tok := c.Connect(); tok.WaitTimeout(10*time.Second) && tok.Error() == nil {
		c.Disconnect(0)
		t.Error("a client took huegate's client id")
	}
	_, resp, err := websocket.DefaultDialer.Dial("ws://"+a.Broker().WSAddr()+"/mqtt", http.Header{"Origin": {"http://evil.example.com"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("a foreign page's handshake: %v %v, want 403", resp, err)
	}
	if !a.Connected() {
		t.Error("huegate lost the broker")
	}
	if n := logs.Count("mqtt disconnected"); n > 0 {
		t.Errorf("huegate was disconnected %d times:\n%s", n, logs)
	}
}
