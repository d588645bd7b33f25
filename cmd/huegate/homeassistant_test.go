package main

import (
	"bytes"
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

func TestRunWithHomeAssistantPublishesDiscoveryAndTakesItsCommands(t *testing.T) {
	broker := mqtttest.StartMosquitto(t)
	bridge := huetest.NewServer(t, "../../testdata/bridge.json")
	discovery := mqtttest.Subscribe(t, broker.URL, "homeassistant/light/huegate/+/config")
	cfg := writeRunConfig(t, bridge.URL, broker.URL)
	p := startHuegate(t, []string{"HUEGATE_BRIDGE_USERNAME=" + bridge.Bridge.Key(), "HUEGATE_HOMEASSISTANT_ENABLED=true"},
		"run", "--config", cfg)

	m := discovery.WaitFor(t, 15*time.Second, func(m mqtttest.Message) bool {
		return m.Topic == "homeassistant/light/huegate/0017880102030405-0b/config"
	})
	if !bytes.Contains(m.Payload, []byte(`"command_topic":"huegate/lights/desk-lamp/set"`)) {
		t.Fatalf("desk lamp config: %s", m.Payload)
	}
	// What Home Assistant sends when the lamp is set to a colour.
	mqtttest.Publish(t, broker.URL, "huegate/lights/desk-lamp/set", []byte(`{"state":"ON","brightness":30,"color":{"x":0.25,"y":0.35}}`), false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := bridge.Bridge.WaitLight(ctx, "3", func(l emulator.LightState) bool { return l.Bri == 30 && l.XY == [2]float64{0.25, 0.35} }); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0", code)
	}
}
