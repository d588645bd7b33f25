package gateway_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

func deskMapping() mapping.Mapping {
	return mapping.Mapping{
		Topic:  "lights",
		Lights: []mapping.Ref{{Name: "Desk lamp"}, {ID: "5"}, {Name: "lámpara sala"}},
		Range:  mapping.DefaultRange,
	}
}

func TestABurstEndsWithEveryLightAtTheLastValueWithinBudget(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stackOptions{lightRate: 10, bridgeOpt: []emulator.Option{emulator.WithRate(10), emulator.WithLatency(5 * time.Millisecond)}})
	pub := mqttPublisher(t, s)
	for i := 1; i <= 1000; i++ {
		payload := strconv.Itoa(i%250 + 1)
		if i == 1000 {
			payload = "200"
		}
		pub.Publish("lights", []byte(payload), 1, false)
		if i == 500 {
			for _, junk := range []string{"NaN", "bright", "1e999", "\xff", " "} {
				pub.Publish("lights", []byte(junk), 1, false)
			}
		}
	}
	for _, id := range []string{"3", "5", "2"} {
		s.waitLight(t, id, func(l emulator.LightState) bool { return l.On && l.Bri == 200 })
	}
	cmds := s.bridge.Bridge.Commands()
	for _, c := range cmds {
		if c.Status == 429 {
			t.Fatalf("the bridge answered 429 to %s", c.Path)
		}
	}
	if n := maxPerWindow(cmds, time.Second); n > 11 {
		t.Fatalf("%d commands in one second; the budget is 10 (+1 at a window's edge)", n)
	}
	received, coalesced, _, _, rejected := s.events.snapshot()
	if received != 1005 {
		t.Errorf("received %d messages, want 1005", received)
	}
	if rejected["not_a_number"] != 2 || rejected["not_finite"] != 1 || rejected["invalid_utf8"] != 1 || rejected["empty"] != 1 {
		t.Errorf("rejected = %v", rejected)
	}
	if coalesced == 0 || len(cmds) > 300 {
		t.Errorf("%d commands for 1000 messages (coalesced %d): values were queued, not coalesced", len(cmds), coalesced)
	}
	t.Logf("1000 messages -> %d bridge commands, %d coalesced", len(cmds), coalesced)
}

func TestAnIdleLightGetsItsValueAtOnce(t *testing.T) {
	onLights := mapping.Mapping{Topic: "lights", Lights: []mapping.Ref{{ID: "1"}, {ID: "3"}, {ID: "7"}}, Range: mapping.DefaultRange, Transition: 100 * time.Millisecond}
	s := newStack(t, []mapping.Mapping{onLights}, stackOptions{})
	mqttPublish(t, s, "lights", "0")
	for _, id := range []string{"1", "3", "7"} {
		s.waitLight(t, id, func(l emulator.LightState) bool { return !l.On })
	}
	cmds := s.bridge.Bridge.Commands()
	if len(cmds) != 3 {
		t.Fatalf("%d commands for one value on three lights, want 3", len(cmds))
	}
	for _, c := range cmds {
		if string(c.Body) != `{"on":false,"transitiontime":1}` {
			t.Fatalf("off body = %s", c.Body)
		}
	}
}

func TestScalingAndRangesReachTheBridge(t *testing.T) {
	knob := mapping.Mapping{Topic: "lamp/knob", Lights: []mapping.Ref{{ID: "7"}}, Range: mapping.Range{Min: 0, Max: 1023}, Transition: 0}
	s := newStack(t, []mapping.Mapping{deskMapping(), knob}, stackOptions{})
	mqttPublish(t, s, "lamp/knob", "512")
	s.waitLight(t, "7", func(l emulator.LightState) bool { return l.On && l.Bri == 127 })
	cmds := s.bridge.Bridge.Commands()
	if got := string(cmds[len(cmds)-1].Body); got != `{"on":true,"bri":127,"transitiontime":0}` {
		t.Fatalf("body = %s", got)
	}
	mqttPublish(t, s, "lights", "50%")
	s.waitLight(t, "3", func(l emulator.LightState) bool { return l.On && l.Bri == 127 })
}

func mqttPublisher(t *testing.T, s *stack) *mqtttest.Publisher {
	return mqtttest.NewPublisher(t, s.broker.URL)
}

func mqttPublish(t *testing.T, s *stack, topic, payload string) {
	t.Helper()
	mqtttest.Publish(t, s.broker.URL, topic, []byte(payload), false)
}

func itoa(i int) string { return strconv.Itoa(i) }
