package gateway_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt/mqtttest"
	"github.com/rs/zerolog"
)

// A command cut off by shutdown was abandoned by huegate, not refused by
// the bridge: it must not be logged as a rejection.
func TestShutdownAbandonsACommandInFlightQuietly(t *testing.T) {
	broker := mqtttest.StartMosquitto(t)
	bridge := huetest.NewServer(t, fixture, emulator.WithLatency(400*time.Millisecond))
	logs := &testkit.Buffer{}
	client := mqttClient(t, broker)
	gw, err := gateway.New(gateway.Options{
		Broker: client, Bridges: map[string]gateway.Bridge{"default": hueClient(t, bridge)}, Log: zerolog.New(logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := gw.Start(ctx, []mapping.Mapping{deskMapping()}); err != nil {
		t.Fatal(err)
	}
	if err := client.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer client.Close(2 * time.Second)
	mqtttest.Publish(t, broker.URL, "lights", []byte("99"), false)
	testkit.Eventually(t, 10*time.Second, "the command to reach the bridge", func() bool { return len(bridge.Bridge.Commands()) > 0 })

	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelShort()
	if err := gw.Shutdown(short); err == nil {
		t.Fatal("Shutdown reported everything sent while the command was still in flight")
	}
	if strings.Contains(logs.String(), "rejected") {
		t.Fatalf("an abandoned command was logged as rejected:\n%s", logs)
	}
}
