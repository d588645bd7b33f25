package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/app"
	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/mqtt/mqtttest"
	"github.com/rs/zerolog"
)

// BenchmarkStart is huegate's start-up with many mappings: parsing and
// checking the config, app.New and Start (names resolved on the emulated
// bridge, routes built, every topic subscribed on a real Mosquitto) up to
// "huegate running". Linear start-up takes about 10 times as long for
// 10,000 mappings as for 1,000.
func BenchmarkStart(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("mappings=%d", n), func(b *testing.B) { benchStart(b, n) })
	}
}

func benchStart(b *testing.B, n int) {
	broker := mqtttest.StartMosquitto(b)
	bridge := huetest.NewServer(b, fixture)
	yaml := manyMappings(bridge.URL, bridge.Bridge.Key(), broker.URL, n)
	for b.Loop() {
		cfg, err := config.Parse([]byte(yaml))
		if err != nil {
			b.Fatal(err)
		}
		a, err := app.New(cfg, app.Options{Log: zerolog.Nop()})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err = a.Start(ctx)
		cancel()
		b.StopTimer()
		_ = a.Stop(5 * time.Second)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// manyMappings is a config with n mappings, each a topic of its own for
// one of the fixture's lights.
func manyMappings(bridgeURL, key, brokerURL string, n int) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "bridge:\n  host: %s\n  username: %q\nmqtt:\n  broker: %s\n  client_id: huegate-bench\nhttp:\n  listen: \"\"\nmappings:\n", bridgeURL, key, brokerURL)
	lights := []string{"Desk lamp", "Spot #1", "LED+Strip", "Hall/Up", "Küche Decke"}
	for i := range n {
		fmt.Fprintf(&sb, "  - {topic: bench/room-%05d/level, lights: [%q]}\n", i, lights[i%len(lights)])
	}
	return sb.String()
}
