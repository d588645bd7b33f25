package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// With the broker down when huegate starts, the first poll's sync publish
// (the bridge's state wins at start) cannot go out; it must go out once the
// broker is there, not be lost.
func TestSyncAtStartWaitsForTheBroker(t *testing.T) {
	broker := mqtttest.StartMosquitto(t)
	bridge := huetest.NewServer(t, fixture)
	broker.Kill()
	m := deskMapping()
	m.Sync = true
	client := mqttClient(t, broker)
	gw, err := gateway.New(gateway.Options{
		Broker: client, Bridges: map[string]gateway.Bridge{"default": hueClient(t, bridge)},
		State: &gateway.StateOptions{Prefix: "huegate", PollInterval: time.Hour}, Log: testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := gw.Start(ctx, []mapping.Mapping{m}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = gw.Shutdown(context.Background())
		client.Close(2 * time.Second)
	})
	// Start reads the lights once; the first poll reads lights and groups.
	if err := bridge.Bridge.WaitRequests(ctx, 3); err != nil {
		t.Fatal(err)
	}
	broker.Restart()
	topic := mqtttest.Subscribe(t, broker.URL, "lights")
	if err := client.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	topic.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "180" })
	if n := len(bridge.Bridge.Commands()); n != 0 {
		t.Fatalf("%d commands: the sync publish came back as a command", n)
	}
}
