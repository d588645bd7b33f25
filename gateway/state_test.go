package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

func stateOn(poll time.Duration) stackOptions {
	return stackOptions{state: &gateway.StateOptions{Prefix: "huegate", PollInterval: poll}}
}

type lightState struct {
	ID        *string   `json:"id"`
	Name      *string   `json:"name"`
	On        *bool     `json:"on"`
	Bri       *int      `json:"bri"`
	Reachable *bool     `json:"reachable"`
	ColorMode string    `json:"colormode"`
	XY        []float64 `json:"xy"`
	Type      string    `json:"type"`
}

func decodeState(t *testing.T, m mqtttest.Message) lightState {
	t.Helper()
	var ls lightState
	if err := json.Unmarshal(m.Payload, &ls); err != nil {
		t.Fatalf("%s: %v: %s", m.Topic, err, m.Payload)
	}
	if ls.ID == nil || ls.Name == nil || ls.On == nil || ls.Bri == nil || ls.Reachable == nil {
		t.Fatalf("%s lacks one of id, name, on, bri, reachable: %s", m.Topic, m.Payload)
	}
	return ls
}

func TestEveryLightHasRetainedStateUnderItsSlug(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stateOn(time.Second))
	wantTopics := map[string]string{
		"huegate/lights/küche-decke/state":    "1",
		"huegate/lights/lámpara-sala/state":   "2",
		"huegate/lights/desk-lamp/state":      "3",
		"huegate/lights/spot-1/state":         "5",
		"huegate/lights/ledstrip/state":       "7",
		"huegate/lights/hallup/state":         "12",
		"huegate/lights/coffee-machine/state": "20",
		"huegate/lights/garden-lantern/state": "31",
		"huegate/groups/living-room/state":    "1",
		"huegate/groups/tv-area/state":        "9",
	}
	live := mqtttest.Subscribe(t, s.broker.URL, "huegate/+/+/state")
	for topic := range wantTopics {
		live.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == topic })
	}
	// A client that connects later gets every state from the broker, retained.
	rec := mqtttest.Subscribe(t, s.broker.URL, "huegate/+/+/state")
	for topic, id := range wantTopics {
		m := rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == topic })
		if !m.Retained {
			t.Errorf("%s is not retained", topic)
		}
		if !strings.Contains(string(m.Payload), `"id":"`+id+`"`) {
			t.Errorf("%s = %s, want id %s", topic, m.Payload, id)
		}
	}
	desk := decodeState(t, rec.WaitFor(t, time.Second, func(m mqtttest.Message) bool { return m.Topic == "huegate/lights/desk-lamp/state" }))
	if *desk.Name != "Desk lamp" || !*desk.On || *desk.Bri != 180 || len(desk.XY) != 2 || desk.Type != "Extended color light" {
		t.Errorf("desk lamp state = %+v", desk)
	}
	lantern := decodeState(t, rec.WaitFor(t, time.Second, func(m mqtttest.Message) bool { return m.Topic == "huegate/lights/garden-lantern/state" }))
	if *lantern.Reachable {
		t.Error("the unreachable lantern reads reachable")
	}
	bridge := mqtttest.Subscribe(t, s.broker.URL, "huegate/bridge/status")
	bridge.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "online" && m.Retained })
}

func TestAChangeInTheHueAppReachesMQTTWithinAPoll(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stateOn(300*time.Millisecond))
	rec := mqtttest.Subscribe(t, s.broker.URL, "huegate/lights/hallup/state")
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return bytes.Contains(m.Payload, []byte(`"bri":100`)) })
	changed := time.Now()
	if err := s.bridge.Bridge.SetLightState("12", map[string]any{"bri": 33}); err != nil {
		t.Fatal(err)
	}
	m := rec.WaitFor(t, 300*time.Millisecond+time.Second, func(m mqtttest.Message) bool { return bytes.Contains(m.Payload, []byte(`"bri":33`)) })
	t.Logf("change visible on MQTT after %v", m.Time.Sub(changed))
}

func TestACommandIsPublishedAtOnceThenConfirmed(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stateOn(time.Hour)) // no poll after the first
	rec := mqtttest.Subscribe(t, s.broker.URL, "huegate/lights/desk-lamp/state")
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return bytes.Contains(m.Payload, []byte(`"bri":180`)) })
	mqttPublish(t, s, "lights", "64")
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool {
		return bytes.Contains(m.Payload, []byte(`"on":true,"bri":64`))
	})
}

func TestSyncPublishesOutsideChangesWithoutEchoOrLoop(t *testing.T) {
	m := deskMapping()
	m.Sync = true
	m.Range = mapping.Range{Min: 0, Max: 1023}
	o, logs := stateOn(200*time.Millisecond), &testkit.Buffer{}
	o.log = logs
	s := newStack(t, []mapping.Mapping{m}, o)
	topic := mqtttest.Subscribe(t, s.broker.URL, "lights")
	// At start the bridge's state wins: desk lamp (bri 180) is 725 on 0..1023.
	topic.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "725" })
	startCommands := len(s.bridge.Bridge.Commands())
	if startCommands != 0 {
		t.Fatalf("%d commands at start; sync at start only publishes", startCommands)
	}

	// The Hue app dims the desk lamp to 127.
	if err := s.bridge.Bridge.SetLightState("3", map[string]any{"bri": 127}); err != nil {
		t.Fatal(err)
	}
	topic.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "512" })
	for _, id := range []string{"5", "2"} {
		s.waitLight(t, id, func(l emulator.LightState) bool { return l.On && l.Bri == 127 })
	}
	// Let several polls pass, then count: one publish, two commands, none to the lamp.
	polls := len(s.bridge.Bridge.Requests())
	testkit.Eventually(t, 10*time.Second, "three more polls", func() bool { return len(s.bridge.Bridge.Requests()) >= polls+6 })
	publishes := 0
	for _, msg := range topic.Messages() {
		if string(msg.Payload) == "512" {
			publishes++
		}
	}
	if publishes != 1 {
		t.Errorf("%d publishes of 512 to the shared topic, want 1", publishes)
	}
	cmds := s.bridge.Bridge.Commands()
	if len(cmds) != 2 {
		t.Errorf("%d commands after the change, want 2 (the other lights)", len(cmds))
	}
	for _, c := range cmds {
		if strings.Contains(c.Path, "/lights/3/") {
			t.Errorf("the light that changed got a command: %s %s", c.Path, c.Body)
		}
	}
	if l, _ := s.bridge.Bridge.Light("3"); l.Bri != 127 {
		t.Errorf("the lamp moved to %d", l.Bri)
	}
	if n := logs.Count("light changed outside huegate"); n != 1 {
		t.Errorf("%d outside changes logged, want 1 (the Hue app's)", n)
	}
}

func TestBridgeStatusFollowsAnOutage(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stateOn(200*time.Millisecond))
	rec := mqtttest.Subscribe(t, s.broker.URL, "huegate/bridge/status")
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "online" })
	s.bridge.Stop()
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "offline" })
	if err := s.bridge.Restart(); err != nil {
		t.Fatal(err)
	}
	mqttPublish(t, s, "lights", "90") // a command probes the bridge sooner than the backed-off poll
	last := rec.WaitFor(t, 10*time.Second, func(m mqtttest.Message) bool {
		return string(m.Payload) == "online" && m.Time.After(time.Now().Add(-9*time.Second))
	})
	_ = last
	s.waitLight(t, "3", func(l emulator.LightState) bool { return l.Bri == 90 })
}

func TestARemovedLightsStateIsCleared(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stateOn(200*time.Millisecond))
	rec := mqtttest.Subscribe(t, s.broker.URL, "huegate/lights/hallup/state")
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return len(m.Payload) > 0 })
	if err := s.bridge.Bridge.RemoveLight("12"); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return len(m.Payload) == 0 })
}

func TestStatesAreRepublishedAfterTheBrokerRestarts(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stateOn(time.Hour))
	first := mqtttest.Subscribe(t, s.broker.URL, "huegate/lights/desk-lamp/state")
	first.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return len(m.Payload) > 0 })
	s.broker.Kill()
	s.broker.Restart() // no persistence: every retained message is gone
	testkit.Eventually(t, 10*time.Second, "huegate to reconnect", s.client.Connected)
	again := mqtttest.Subscribe(t, s.broker.URL, "huegate/#")
	for _, topic := range []string{"huegate/lights/desk-lamp/state", "huegate/bridge/status", "huegate/status"} {
		again.WaitFor(t, 10*time.Second, func(m mqtttest.Message) bool { return m.Topic == topic })
	}
}

func TestTheEventStreamPushesChangesAtOnce(t *testing.T) {
	o := stateOn(time.Hour) // only the stream can make this fast
	o.bridgeOpt = []emulator.Option{emulator.WithEventStream()}
	s := newStack(t, []mapping.Mapping{deskMapping()}, o)
	rec := mqtttest.Subscribe(t, s.broker.URL, "huegate/lights/hallup/state")
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return bytes.Contains(m.Payload, []byte(`"bri":100`)) })
	testkit.Eventually(t, 10*time.Second, "the stream to open", func() bool { return s.bridge.Bridge.StreamsOpen() > 0 })
	changed := time.Now()
	if err := s.bridge.Bridge.SetLightState("12", map[string]any{"bri": 44}); err != nil {
		t.Fatal(err)
	}
	m := rec.WaitFor(t, 300*time.Millisecond, func(m mqtttest.Message) bool { return bytes.Contains(m.Payload, []byte(`"bri":44`)) })
	t.Logf("change visible on MQTT after %v over the event stream", m.Time.Sub(changed))
}

// A group's state describes its lights: switched off one by one in the Hue
// app, the group is off, although its last command (the bridge's "action")
// still says on.
func TestAGroupsStateFollowsItsLights(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stateOn(100*time.Millisecond))
	rec := mqtttest.Subscribe(t, s.broker.URL, "huegate/groups/tv-area/state")
	for _, id := range []string{"3", "7"} {
		if err := s.bridge.Bridge.SetLightState(id, map[string]any{"on": false}); err != nil {
			t.Fatal(err)
		}
	}
	m := rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return strings.Contains(string(m.Payload), `"any_on":false`) })
	var g struct {
		On    bool   `json:"on"`
		State string `json:"state"`
	}
	if err := json.Unmarshal(m.Payload, &g); err != nil {
		t.Fatal(err)
	}
	if g.On || g.State != "OFF" {
		t.Fatalf("every light is off, yet the group says %s", m.Payload)
	}
}

// A bridge answering {} for its lights has not lost them all: nothing is
// cleared, and the states stand.
func TestAnEmptyLightsAnswerClearsNothing(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stateOn(50*time.Millisecond))
	rec := mqtttest.Subscribe(t, s.broker.URL, "huegate/lights/+/state")
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == "huegate/lights/desk-lamp/state" })
	s.bridge.Bridge.SetFault(emulator.FaultEmptyObject)
	reads := len(s.bridge.Bridge.Requests())
	testkit.Eventually(t, 10*time.Second, "three polls answered {}", func() bool { return len(s.bridge.Bridge.Requests()) >= reads+3 })
	s.bridge.Bridge.SetFault(emulator.FaultNone)
	for _, m := range rec.Messages() {
		if len(m.Payload) == 0 {
			t.Fatalf("%s was cleared by an empty answer", m.Topic)
		}
	}
}

// failingCommands is a bridge whose reads work and whose commands all fail
// with error 901 while failing is set: a bridge in trouble, not one that
// is off.
type failingCommands struct {
	*hue.Client
	failing atomic.Bool
}

func (f *failingCommands) SetLight(ctx context.Context, id string, st hue.State) error {
	if f.failing.Load() {
		return &hue.APIError{Type: hue.ErrTypeInternalBridge, Address: "/lights/" + id + "/state", Description: "Internal error, 901"}
	}
	return f.Client.SetLight(ctx, id, st)
}

// huegate/bridge/status says offline while every command fails, though
// reads go on working, and online again once a command lands.
func TestBridgeStatusIsOfflineWhileCommandsFail(t *testing.T) {
	var fc *failingCommands
	o := stateOn(50 * time.Millisecond)
	o.wrap = func(c *hue.Client) gateway.Bridge { fc = &failingCommands{Client: c}; return fc }
	s := newStack(t, []mapping.Mapping{deskMapping()}, o)
	rec := mqtttest.Subscribe(t, s.broker.URL, "huegate/bridge/status")
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "online" })
	fc.failing.Store(true)
	t0 := time.Now()
	mqttPublish(t, s, "lights", "90")
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "offline" && m.Time.After(t0) })
	reads := len(s.bridge.Bridge.Requests())
	testkit.Eventually(t, 10*time.Second, "three more polls", func() bool { return len(s.bridge.Bridge.Requests()) >= reads+6 })
	if last := rec.Messages()[len(rec.Messages())-1]; string(last.Payload) != "offline" {
		t.Fatalf("reads made the bridge online again while commands fail: %v", rec.Messages())
	}
	t1 := time.Now()
	fc.failing.Store(false)
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "online" && m.Time.After(t1) })
	s.waitLight(t, "3", func(l emulator.LightState) bool { return l.Bri == 90 })
}

// A light renamed or removed while huegate was down left its retained state
// topic behind: the first run after clears it, and only it.
func TestStaleStateTopicsAreClearedAtStart(t *testing.T) {
	o := stateOn(time.Hour)
	o.retained = map[string]string{
		"huegate/lights/old-lamp/state":  `{"id":"99","name":"Old lamp"}`,
		"huegate/groups/old-room/state":  `{"id":"42","name":"Old room"}`,
		"huegate/lights/desk-lamp/state": `{"id":"3","name":"Desk lamp","bri":1}`,
	}
	s := newStack(t, []mapping.Mapping{deskMapping()}, o)
	rec := mqtttest.Subscribe(t, s.broker.URL, "huegate/+/+/state")
	for _, topic := range []string{"huegate/lights/old-lamp/state", "huegate/groups/old-room/state"} {
		rec.WaitFor(t, 10*time.Second, func(m mqtttest.Message) bool { return m.Topic == topic && len(m.Payload) == 0 })
	}
	later := mqtttest.Subscribe(t, s.broker.URL, "huegate/lights/desk-lamp/state")
	if m := later.WaitFor(t, 5*time.Second, func(mqtttest.Message) bool { return true }); len(m.Payload) == 0 {
		t.Fatal("the desk lamp's own state topic was cleared")
	}
	for _, m := range rec.Messages() {
		if len(m.Payload) == 0 && m.Topic != "huegate/lights/old-lamp/state" && m.Topic != "huegate/groups/old-room/state" {
			t.Errorf("%s was cleared", m.Topic)
		}
	}
}
