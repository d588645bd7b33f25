package gateway_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// A bridge that goes away in the three ways a network loses it: refusing
// connections, resetting them mid-request, then accepting and never
// answering. huegate keeps retrying with a pause, never above the budget,
// says the bridge is offline, and once the bridge is back each light gets
// its newest value quickly, with nothing older landing after it.
func TestABridgeOutageEndsWithTheNewestValueWithinBudget(t *testing.T) {
	const rate = 10
	o := stateOn(200 * time.Millisecond)
	o.lightRate = rate
	s := newStack(t, []mapping.Mapping{deskMapping()}, o)
	status := mqtttest.Subscribe(t, s.broker.URL, "huegate/bridge/status")
	status.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "online" })
	pub := mqtttest.NewPublisher(t, s.broker.URL)
	value := 0
	flood := func(n int) {
		for range n {
			value = value%250 + 1
			pub.Publish("lights", []byte(itoa(value)), 1, false)
		}
	}
	failures := func() int { _, _, _, failed, _ := s.events.snapshot(); return failed }

	phases := []struct {
		name  string
		start func()
	}{
		{"connection refused", s.bridge.Stop},
		{"reset mid-request", func() { s.bridge.Bridge.SetFault(emulator.FaultReset); mustRestart(t, s.bridge) }},
		{"accepted, never answered", func() { s.bridge.Bridge.SetFault(emulator.FaultHang) }},
	}
	for i, ph := range phases {
		before := failures()
		ph.start()
		flood(100)
		testkit.Eventually(t, 10*time.Second, ph.name+": two failed attempts", func() bool { return failures() >= before+2 })
		if i == 0 {
			status.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "offline" })
		}
	}
	flood(37)
	newest := value
	healed := time.Now()
	s.bridge.Bridge.SetFault(emulator.FaultNone)
	for _, id := range []string{"3", "5", "2"} {
		s.waitLight(t, id, func(l emulator.LightState) bool { return l.On && l.Bri == newest })
	}
	recovery := time.Since(healed)
	t.Logf("all three lights at the newest value %v after the bridge came back", recovery.Round(time.Millisecond))
	if recovery > maxRecovery {
		t.Errorf("recovery took %v, want at most %v", recovery, maxRecovery)
	}
	status.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "online" && m.Time.After(healed) })

	settle(t, s)
	assertLastCommandIs(t, s.bridge.Bridge.Commands(), newest)

	// The slowest return: the bridge comes back just after a probe failed,
	// with the pause at its longest and no probe in flight to notice.
	s.bridge.Stop()
	flood(10)
	before := failures()
	testkit.Eventually(t, 10*time.Second, "the pause to grow", func() bool { return failures() >= before+4 })
	newest = value
	testkit.Eventually(t, 10*time.Second, "the pause to reach its longest", func() bool { return failures() >= before+5 })
	mustRestart(t, s.bridge)
	healed = time.Now()
	for _, id := range []string{"3", "5", "2"} {
		s.waitLight(t, id, func(l emulator.LightState) bool { return l.On && l.Bri == newest })
	}
	worst := time.Since(healed)
	t.Logf("after the longest pause: all three lights at the newest value %v after the bridge came back", worst.Round(time.Millisecond))
	if worst > maxRecovery {
		t.Errorf("recovery took %v after the longest pause, want at most %v", worst, maxRecovery)
	}

	settle(t, s)
	cmds := s.bridge.Bridge.Commands()
	if n := maxPerWindow(cmds, time.Second); n > rate+1 {
		t.Errorf("%d commands in one second during or after the outage; the budget is %d", n, rate)
	}
	assertLastCommandIs(t, cmds, newest)
	t.Logf("%d commands for %d messages over both outages; at most %d in any second", len(cmds), 347, maxPerWindow(cmds, time.Second))
}

// maxRecovery is the promise (each light at its newest value within 2 s of
// the bridge's return) with room to spare for a loaded machine: the longest
// pause (1 s), a tenth of a second per light after the first, and slack.
const maxRecovery = 1600 * time.Millisecond

// settle waits until the bridge has dealt with every command logged so far.
// Call it once huegate has nothing left to send: then nothing can land after.
func settle(t *testing.T, s *stack) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.bridge.Bridge.WaitCommands(ctx, len(s.bridge.Bridge.Commands())); err != nil {
		t.Fatal(err)
	}
}

// assertLastCommandIs checks that the last command each light got carried
// bri, and that each light is there now.
func assertLastCommandIs(t *testing.T, cmds []emulator.Request, bri int) {
	t.Helper()
	last := map[string]emulator.Request{}
	for _, c := range cmds {
		if c.Status == 200 {
			last[c.Path] = c
		}
	}
	if len(last) == 0 {
		t.Fatal("no command was answered")
	}
	for path, c := range last {
		var body struct{ Bri int }
		if err := json.Unmarshal(c.Body, &body); err != nil || body.Bri != bri {
			t.Errorf("last command to %s was %s, want bri %d", strings.TrimPrefix(path, "/api/"), c.Body, bri)
		}
	}
}

func mustRestart(t *testing.T, s *emulator.Server) {
	t.Helper()
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
}

// A bridge slower than bridge.timeout (500 ms in these tests): the request
// is abandoned at the timeout, not when the bridge gets round to answering, and the value is
// sent again once the bridge is quick again, with no new message needed.
func TestASlowBridgeIsAbandonedAtTheTimeoutAndTheValueResent(t *testing.T) {
	s := newStack(t, []mapping.Mapping{{Topic: "lights", Lights: []mapping.Ref{{ID: "3"}}, Range: mapping.DefaultRange}}, stackOptions{})
	s.bridge.Bridge.SetLatency(3 * time.Second)
	mqttPublish(t, s, "lights", "30")
	testkit.Eventually(t, 10*time.Second, "a timed-out attempt", func() bool { _, _, _, failed, _ := s.events.snapshot(); return failed >= 1 })
	abandoned := time.Now()
	cmds := s.bridge.Bridge.Commands()
	took := abandoned.Sub(cmds[0].Time)
	t.Logf("first attempt abandoned %v after it reached the bridge (timeout 500ms, bridge latency 3s)", took.Round(time.Millisecond))
	if took > 2*time.Second {
		t.Fatalf("abandoned after %v: huegate waited for the slow bridge, not for its timeout", took)
	}
	if l, _ := s.bridge.Bridge.Light("3"); l.Bri == 30 {
		t.Fatal("an abandoned command was applied")
	}
	s.bridge.Bridge.SetLatency(0)
	s.waitLight(t, "3", func(l emulator.LightState) bool { return l.Bri == 30 })
}
