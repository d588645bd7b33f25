package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// 10,000 mappings on a broker that answers: the stop unsubscribes them in
// one go, publishes offline and disconnects well within the 5 s the README
// promises. Before, one UNSUBSCRIBE per topic, each waiting for its answer,
// took 18.9 s.
func TestStoppingWith10000MappingsTakesUnder5s(t *testing.T) {
	const n = 10000
	broker := mqtttest.StartMosquitto(t, "log_type debug") // to see the UNSUBSCRIBE
	var b strings.Builder
	b.WriteString("mappings:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {topic: many/%d, lights: [3]}\n", i)
	}
	started := time.Now()
	s := startHuegate(t, broker, time.Second, b.String())
	if got := len(s.app.Topics()); got != n {
		t.Fatalf("%d topics subscribed, want %d", got, n)
	}
	up := time.Since(started)
	status := mqtttest.Subscribe(t, broker.URL, "huegate/status")
	status.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "online" })
	mqtttest.Publish(t, broker.URL, fmt.Sprintf("many/%d", n-1), []byte("99"), false)
	waitLight(t, s.bridge.Bridge, "3", func(l emulator.LightState) bool { return l.On && l.Bri == 99 })

	stop := time.Now()
	if err := s.app.Stop(5 * time.Second); err != nil {
		t.Errorf("stop: %v", err)
	}
	took := time.Since(stop)
	if took > 5*time.Second {
		t.Errorf("stop took %v with %d mappings, want at most 5 s", took, n)
	}
	status.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "offline" })
	if logs := broker.Logs(); !strings.Contains(logs, "Received UNSUBSCRIBE from huegate-test") ||
		!strings.Contains(logs, fmt.Sprintf("huegate-test many/%d\n", n-1)) {
		t.Error("the broker did not get huegate's unsubscribe: it would queue messages for a session nobody resumes")
	}
	t.Logf("%d mappings: started in %v, stopped in %v", n, up.Round(time.Millisecond), took.Round(time.Millisecond))
}
