package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// Mappings whose topics total more than 1 MiB, on a Mosquitto that takes
// packets of at most 64 KiB: huegate subscribes in packets the broker
// takes, and a value on the last topic lands. With one SUBSCRIBE for every
// topic, Mosquitto dropped huegate on every attempt and it never started.
func TestMappingsLargerThanTheBrokersPacketLimitSubscribe(t *testing.T) {
	broker := mqtttest.StartMosquitto(t, "max_packet_size 65536")
	var yaml strings.Builder
	yaml.WriteString("mappings:\n")
	const n, pad = 1700, 640
	last := ""
	for i := range n {
		last = fmt.Sprintf("rooms/%04d/%s", i, strings.Repeat("t", pad))
		light := "Desk lamp"
		if i == n-1 {
			light = "Spot #1"
		}
		fmt.Fprintf(&yaml, "  - {topic: %s, lights: [%q]}\n", last, light)
	}
	if size := n * len(last); size <= 1<<20 {
		t.Fatalf("the topics total %d bytes, not more than 1 MiB", size)
	}
	s := startHuegate(t, broker, time.Hour, yaml.String())
	mqtttest.Publish(t, broker.URL, last, []byte("99"), false)
	testkit.Eventually(t, 10*time.Second, "light 5 at 99", func() bool { l, _ := s.bridge.Bridge.Light("5"); return l.On && l.Bri == 99 })
	if n := strings.Count(broker.Logs(), "oversize packet"); n != 0 {
		t.Fatalf("Mosquitto dropped huegate %d times for an oversize packet", n)
	}
}
