package gateway_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// A broker killed with SIGKILL and restarted on the same port, without
// persistence: huegate reconnects, subscribes again, republishes online and
// every state, and a value published after the restart reaches the lights.
func TestABrokerKilledAndRestartedLosesNoLaterValue(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stateOn(time.Hour))
	first := mqtttest.Subscribe(t, s.broker.URL, "huegate/lights/desk-lamp/state")
	first.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return len(m.Payload) > 0 })
	// Runs after the gateway's own callback, which republishes the states:
	// by then the subscriptions are made and online is out.
	setUp := make(chan time.Time, 4)
	s.client.OnConnect(func() { setUp <- time.Now() })

	killed := time.Now()
	s.broker.Kill()
	testkit.Eventually(t, 10*time.Second, "huegate to notice", func() bool { return !s.client.Connected() })
	s.broker.Restart()
	restarted := time.Now()
	var back time.Time
	select {
	case back = <-setUp:
	case <-time.After(15 * time.Second):
		t.Fatal("huegate did not resubscribe within 15 s of the restart")
	}
	t.Logf("resubscribed, online and states republished %v after the broker accepted connections (%v after the kill)",
		back.Sub(restarted).Round(time.Millisecond), back.Sub(killed).Round(time.Millisecond))

	// The publishes may still be on their way: the first observer may get
	// them live; once it has, a second one must get them retained.
	topics := []string{"huegate/status", "huegate/bridge/status", "huegate/lights/desk-lamp/state", "huegate/groups/living-room/state"}
	again := mqtttest.Subscribe(t, s.broker.URL, "huegate/#")
	for _, topic := range topics {
		again.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == topic })
	}
	later := mqtttest.Subscribe(t, s.broker.URL, "huegate/#")
	for _, topic := range topics {
		m := later.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == topic })
		if !m.Retained || len(m.Payload) == 0 {
			t.Errorf("%s after the restart: %v", topic, m)
		}
	}
	sent := time.Now()
	mqttPublish(t, s, "lights", "77")
	for _, id := range []string{"3", "5", "2"} {
		s.waitLight(t, id, func(l emulator.LightState) bool { return l.On && l.Bri == 77 })
	}
	t.Logf("a value published after the restart reached all three lights in %v", time.Since(sent).Round(time.Millisecond))
	again.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool {
		return m.Topic == "huegate/lights/desk-lamp/state" && bytes.Contains(m.Payload, []byte(`"bri":77`))
	})
}
