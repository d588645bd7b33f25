package gateway_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/inventory"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// commandStack is a stack with state on and no mappings. It returns once the
// first poll has built the set topics' index; with the default poll of an
// hour no later poll interferes.
func commandStack(t *testing.T, o stackOptions) *stack {
	t.Helper()
	if o.state == nil {
		o.state = &gateway.StateOptions{Prefix: "huegate", PollInterval: time.Hour}
	}
	ready := make(chan struct{})
	var once sync.Once
	next := o.state.OnInventory
	o.state.OnInventory = func(inv inventory.Inventory) {
		once.Do(func() { close(ready) })
		if next != nil {
			next(inv)
		}
	}
	s := newStack(t, nil, o)
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the first poll never finished")
	}
	return s
}

// command publishes payload to topic and returns the bridge command it
// caused.
func (s *stack) command(t *testing.T, topic, payload string) emulator.Request {
	t.Helper()
	n := len(s.bridge.Bridge.Commands())
	mqttPublish(t, s, topic, payload)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.bridge.Bridge.WaitCommands(ctx, n+1); err != nil {
		t.Fatalf("%s %s: no command reached the bridge: %v", topic, payload, err)
	}
	return s.bridge.Bridge.Commands()[n]
}

func TestEachCommandFieldReachesTheBridgeAsItsHueField(t *testing.T) {
	s := commandStack(t, stackOptions{})
	const desk = "huegate/lights/desk-lamp/set"
	tests := []struct {
		payload, body string
		light         func(emulator.LightState) bool
	}{
		{`{"state":"ON","brightness":10}`, `{"on":true,"bri":10}`, func(l emulator.LightState) bool { return l.On && l.Bri == 10 }},
		{`{"brightness":100,"transition":0}`, `{"on":true,"bri":100,"transitiontime":0}`, func(l emulator.LightState) bool { return l.Bri == 100 }},
		{`{"color_temp":250}`, `{"on":true,"ct":250}`, func(l emulator.LightState) bool { return l.CT == 250 && l.ColorMode == "ct" }},
		{`{"color":{"x":0.3,"y":0.6}}`, `{"on":true,"xy":[0.3000,0.6000]}`, func(l emulator.LightState) bool { return l.ColorMode == "xy" && l.XY == [2]float64{0.3, 0.6} }},
		{`{"color":{"hue":0,"saturation":0},"transition":0}`, `{"on":true,"hue":0,"sat":0,"transitiontime":0}`, func(l emulator.LightState) bool { return l.ColorMode == "hs" && l.Hue == 0 && l.Sat == 0 }},
		{`{"color":{"hue":120,"saturation":100}}`, `{"on":true,"hue":21845,"sat":254}`, func(l emulator.LightState) bool { return l.Hue == 21845 }},
		{`{"color":{"r":255,"g":0,"b":0},"transition":0.5}`, `{"on":true,"xy":[0.7006,0.2993],"transitiontime":5}`, func(l emulator.LightState) bool { return l.ColorMode == "xy" }},
		{`{"state":"OFF","transition":0}`, `{"on":false,"transitiontime":0}`, func(l emulator.LightState) bool { return !l.On }},
		{`ON`, `{"on":true}`, func(l emulator.LightState) bool { return l.On && l.Bri == 100 }},
		{`42`, `{"on":true,"bri":42}`, func(l emulator.LightState) bool { return l.Bri == 42 }},
		{`0`, `{"on":false}`, func(l emulator.LightState) bool { return !l.On }},
	}
	for _, tt := range tests {
		c := s.command(t, desk, tt.payload)
		if c.Path != "/api/"+s.bridge.Bridge.Key()+"/lights/3/state" || string(c.Body) != tt.body {
			t.Fatalf("%s: %s %s, want body %s", tt.payload, c.Path, c.Body, tt.body)
		}
		if c.Status != 200 {
			t.Fatalf("%s: status %d", tt.payload, c.Status)
		}
		s.waitLight(t, "3", tt.light)
	}
}

func TestToggleFlipsTheKnownState(t *testing.T) {
	s := commandStack(t, stackOptions{})
	const sala = "huegate/lights/lámpara-sala/set" // off in the fixture
	if c := s.command(t, sala, "TOGGLE"); string(c.Body) != `{"on":true}` {
		t.Fatalf("first toggle: %s", c.Body)
	}
	if c := s.command(t, sala, `{"state":"toggle","brightness":50}`); string(c.Body) != `{"on":false}` {
		t.Fatalf("second toggle: %s (an off command carries no brightness)", c.Body)
	}
	// Two toggles at once: the second flips the first, pending or in flight,
	// not the state the bridge last confirmed.
	pub := mqttPublisher(t, s)
	for range 2 {
		pub.Publish(sala, []byte("TOGGLE"), 1, false)
	}
	testkit.Eventually(t, 10*time.Second, "both toggles to be handled", func() bool { r, _, _, _, _ := s.events.snapshot(); return r >= 4 })
	s.waitLight(t, "2", func(l emulator.LightState) bool { return !l.On })
	cmds := s.bridge.Bridge.Commands()
	if last := string(cmds[len(cmds)-1].Body); last != `{"on":false}` {
		t.Fatalf("after two toggles the last command is %s; commands: %d", last, len(cmds))
	}
	// A room is on while any light in it is: TOGGLE switches it off.
	c := s.command(t, "huegate/groups/living-room/set", "TOGGLE")
	if !strings.HasSuffix(c.Path, "/groups/1/action") || string(c.Body) != `{"on":false}` {
		t.Fatalf("room toggle: %s %s", c.Path, c.Body)
	}
}

func TestAGroupRecallsASceneByNameOrID(t *testing.T) {
	s := commandStack(t, stackOptions{groupRate: 10})
	c := s.command(t, "huegate/groups/living-room/set", `{"scene":"relax","transition":0}`)
	if !strings.HasSuffix(c.Path, "/groups/1/action") || string(c.Body) != `{"transitiontime":0,"scene":"R3laxLivingRm01"}` {
		t.Fatalf("scene by name: %s %s", c.Path, c.Body)
	}
	s.waitLight(t, "2", func(l emulator.LightState) bool { return l.On && l.Bri == 144 }) // the scene's state for light 2
	c = s.command(t, "huegate/groups/kitchen/set", `{"scene":"C0ncentrKitch01"}`)
	if string(c.Body) != `{"scene":"C0ncentrKitch01"}` {
		t.Fatalf("scene by id: %s", c.Body)
	}
	// A scene of another room is not this room's by name.
	before := len(s.bridge.Bridge.Commands())
	mqttPublish(t, s, "huegate/groups/kitchen/set", `{"scene":"Relax"}`)
	testkit.Eventually(t, 10*time.Second, "the unknown scene to be rejected", func() bool { _, _, _, _, r := s.events.snapshot(); return r["unknown_scene"] == 1 })
	if n := len(s.bridge.Bridge.Commands()); n != before {
		t.Fatalf("an unknown scene sent %d commands", n-before)
	}
}

func TestRetainedCommandsAreNotReplayed(t *testing.T) {
	const sala = "huegate/lights/lámpara-sala/set"
	s := commandStack(t, stackOptions{retained: map[string]string{sala: "ON"}})
	testkit.Eventually(t, 10*time.Second, "the retained command to be seen", func() bool { r, _, _, _, _ := s.events.snapshot(); return r >= 1 })
	if cmds := s.bridge.Bridge.Commands(); len(cmds) != 0 {
		t.Fatalf("a retained command was applied: %s", cmds[0].Body)
	}
	if l, _ := s.bridge.Bridge.Light("2"); l.On {
		t.Fatal("the light went on")
	}
	if c := s.command(t, sala, "ON"); string(c.Body) != `{"on":true}` {
		t.Fatalf("live command: %s", c.Body)
	}
}

const renamedHallUp = `{"name":"Stair light","type":"Color temperature light","modelid":"LTW013",
	"manufacturername":"Signify Netherlands B.V.","uniqueid":"00:17:88:01:02:03:04:0c-0b","swversion":"1.104.2",
	"state":{"on":true,"bri":100,"ct":250,"alert":"none","colormode":"ct","mode":"homeautomation","reachable":true}}`

func TestARenamedLightMovesItsSetTopic(t *testing.T) {
	s := commandStack(t, stackOptions{state: &gateway.StateOptions{Prefix: "huegate", PollInterval: 100 * time.Millisecond}})
	rec := mqtttest.Subscribe(t, s.broker.URL, "huegate/lights/stair-light/state")
	if err := s.bridge.Bridge.AddLight("12", []byte(renamedHallUp)); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return len(m.Payload) > 0 })
	// The state topic moves before the index does; retry until the new set
	// topic answers, with a deadline.
	pub := mqttPublisher(t, s)
	testkit.Eventually(t, 10*time.Second, "the new set topic to work", func() bool {
		pub.Publish("huegate/lights/stair-light/set", []byte("77"), 1, false)
		l, _ := s.bridge.Bridge.Light("12")
		return l.Bri == 77
	})
	rejected := func() int { _, _, _, _, r := s.events.snapshot(); return r["unknown_light"] }
	before := rejected()
	mqttPublish(t, s, "huegate/lights/hallup/set", "5")
	testkit.Eventually(t, 10*time.Second, "the old set topic to be refused", func() bool { return rejected() > before })
	if l, _ := s.bridge.Bridge.Light("12"); l.Bri != 77 {
		t.Fatalf("the old topic moved the light to %d", l.Bri)
	}
}

func TestBadCommandsAreRefusedWithAReasonAndSendNothing(t *testing.T) {
	s := commandStack(t, stackOptions{})
	for topic, payload := range map[string]string{
		"huegate/lights/nope/set":        "ON",
		"huegate/groups/nope/set":        "ON",
		"huegate/lights/desk-lamp/set":   "bright",
		"huegate/lights/spot-1/set":      `{"brightnes":3}`,
		"huegate/lights/ledstrip/set":    `{"scene":"Relax"}`,
		"huegate/lights/hallup/set":      `{"color":{"x":2,"y":0}}`,
		"huegate/groups/tv-area/set":     `{"state":`,
		"huegate/lights/küche-decke/set": " ",
	} {
		mqttPublish(t, s, topic, payload)
	}
	want := map[string]int{"unknown_light": 1, "unknown_group": 1, "not_a_command": 1, "unknown_field": 1,
		"scene_on_light": 1, "bad_value": 1, "invalid_json": 1, "empty": 1}
	testkit.Eventually(t, 10*time.Second, "every bad command to be refused", func() bool {
		_, _, _, _, r := s.events.snapshot()
		for reason, n := range want {
			if r[reason] != n {
				return false
			}
		}
		return true
	})
	if n := len(s.bridge.Bridge.Commands()); n != 0 {
		t.Fatalf("%d commands for bad input", n)
	}
}

// flood keeps every topic busy until the bridge has seen n commands: a few
// rounds of new values per command, so every slot always holds an unsent
// value and the budget is the only limit. (A flood as fast as the test can
// publish would measure the scheduler of a saturated machine instead.) Then
// one final round with last. It returns how many messages went out.
func flood(t *testing.T, s *stack, topics []string, n int, payload func(i int) string, last string) int {
	t.Helper()
	pub := mqttPublisher(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sent := 0
	for i := 0; len(s.bridge.Bridge.Commands()) < n; {
		seen := len(s.bridge.Bridge.Commands())
		for range 3 {
			for _, topic := range topics {
				pub.Publish(topic, []byte(payload(i)), 1, false)
				sent++
			}
			i++
		}
		if err := s.bridge.Bridge.WaitCommands(ctx, seen+1); err != nil {
			t.Fatalf("only %d commands after %d messages: %v", seen, sent, err)
		}
	}
	for _, topic := range topics {
		pub.Publish(topic, []byte(last), 1, false)
		sent++
	}
	return sent
}

func TestSetTopicsKeepTheLightBudgetUnderAFlood(t *testing.T) {
	// The bucket allows 10 a second plus one at a window's edge; a bridge
	// refusing the 11th would refuse commands paced exactly at its limit
	// whenever the network delays one of them, so its ceiling here is 11.
	s := commandStack(t, stackOptions{lightRate: 10, bridgeOpt: []emulator.Option{emulator.WithRate(11), emulator.WithLatency(5 * time.Millisecond)}})
	ids := []string{"1", "2", "3", "5", "7", "12"}
	var topics []string
	for _, slug := range []string{"küche-decke", "lámpara-sala", "desk-lamp", "spot-1", "ledstrip", "hallup"} {
		topics = append(topics, "huegate/lights/"+slug+"/set")
	}
	sent := flood(t, s, topics, 16, func(i int) string { return `{"brightness":` + strconv.Itoa(i%200+1) + `,"transition":0}` },
		`{"brightness":222,"transition":0}`)
	for _, id := range ids {
		s.waitLight(t, id, func(l emulator.LightState) bool { return l.On && l.Bri == 222 })
	}
	cmds := s.bridge.Bridge.Commands()
	if n := s.bridge.Bridge.Count429(); n != 0 {
		for _, c := range cmds {
			t.Logf("%s %d %s %s", c.Time.Format("05.000"), c.Status, c.Path, c.Body)
		}
		t.Fatalf("the bridge answered 429 %d times", n)
	}
	if n := maxPerWindow(cmds, time.Second); n > 11 {
		t.Fatalf("%d light commands in one second; the budget is 10 (+1 at a window's edge)", n)
	}
	_, coalesced, _, _, _ := s.events.snapshot()
	t.Logf("%d set messages on 6 lights -> %d bridge commands, %d coalesced, at most %d in a second",
		sent, len(cmds), coalesced, maxPerWindow(cmds, time.Second))
}

func TestGroupSetTopicsKeepTheGroupBudget(t *testing.T) {
	s := commandStack(t, stackOptions{groupRate: 4})
	ids := []string{"1", "2", "7"}
	topics := []string{"huegate/groups/living-room/set", "huegate/groups/kitchen/set", "huegate/groups/hall-lights/set"}
	sent := flood(t, s, topics, 7, func(i int) string { return `{"brightness":` + strconv.Itoa(i%200+1) + `}` }, `{"brightness":233}`)
	for _, id := range ids {
		testkit.Eventually(t, 10*time.Second, "group "+id+" to reach the last value", func() bool {
			g, _ := s.bridge.Bridge.Group(id)
			return g.Action.Bri == 233
		})
	}
	cmds := s.bridge.Bridge.Commands()
	for _, c := range cmds {
		if !strings.Contains(c.Path, "/groups/") {
			t.Fatalf("a group command became %s", c.Path)
		}
	}
	if n := maxPerWindow(cmds, time.Second); n > 5 {
		t.Fatalf("%d group commands in one second; the budget is 4 (+1 at a window's edge)", n)
	}
	t.Logf("%d group messages -> %d group commands, at most %d in a second", sent, len(cmds), maxPerWindow(cmds, time.Second))
}

// An empty message is how a client clears a topic's retained value: the
// broker passes it on, and it is neither a value nor an error.
func TestAnEmptyMessageIsIgnoredQuietly(t *testing.T) {
	logs := &testkit.Buffer{}
	o := stateOn(time.Hour)
	o.log = logs
	desk := mapping.Mapping{Topic: "lights", Lights: []mapping.Ref{{ID: "3"}}, Range: mapping.DefaultRange}
	s := newStack(t, []mapping.Mapping{desk}, o)
	mqttPublish(t, s, "huegate/lights/desk-lamp/set", "")
	mqttPublish(t, s, "lights", "")
	mqttPublish(t, s, "lights", "90")
	s.waitLight(t, "3", func(l emulator.LightState) bool { return l.On && l.Bri == 90 })
	received, _, _, _, rejected := s.events.snapshot()
	if len(rejected) != 0 || strings.Contains(logs.String(), "rejected") {
		t.Fatalf("an empty message was refused: %v\n%s", rejected, logs.String())
	}
	if received != 3 {
		t.Fatalf("received %d messages, want 3", received)
	}
	if n := len(s.bridge.Bridge.Commands()); n != 1 {
		t.Fatalf("%d commands, want 1 (the value)", n)
	}
}

// A light gets only what it can do: a bridge refuses brightness for a plug
// and xy for a colour-temperature lamp with an error for the command.
func TestALightIsSentOnlyWhatItSupports(t *testing.T) {
	s := commandStack(t, stackOptions{})
	for _, c := range []struct{ topic, payload, body string }{
		{"huegate/lights/coffee-machine/set", `{"brightness":100}`, `{"on":true}`},
		{"huegate/lights/küche-decke/set", `{"color":{"x":0.3,"y":0.3},"brightness":40}`, `{"on":true,"bri":40}`},
		{"huegate/lights/ledstrip/set", `{"color_temp":300,"brightness":50}`, `{"on":true,"bri":50}`},
	} {
		got := s.command(t, c.topic, c.payload)
		if string(got.Body) != c.body {
			t.Errorf("%s %s: sent %s, want %s", c.topic, c.payload, got.Body, c.body)
		}
	}
	if l, _ := s.bridge.Bridge.Light("20"); !l.On {
		t.Error("the plug did not switch on")
	}
}
