package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// Home Assistant discovery, as `huegate run` publishes it with
// homeassistant.enabled.

const withDiscovery = "homeassistant:\n  enabled: true\n"

// newStack is huegate with discovery on, between a real Mosquitto and the
// emulator; poll is bridge.poll_interval.
func newStack(t *testing.T, poll time.Duration) *stack {
	t.Helper()
	return startHuegate(t, mqtttest.StartMosquitto(t), poll, withDiscovery)
}

func (s *stack) subscribe(t *testing.T) *mqtttest.Recorder {
	return mqtttest.Subscribe(t, s.broker.URL, "homeassistant/#")
}

// discovered waits for a non-empty config on topic and decodes it.
func discovered(t *testing.T, rec *mqtttest.Recorder, topic string) map[string]any {
	t.Helper()
	m := rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == topic && len(m.Payload) > 0 })
	var got map[string]any
	if err := json.Unmarshal(m.Payload, &got); err != nil {
		t.Fatalf("%s: %v: %s", topic, err, m.Payload)
	}
	return got
}

// sameFields compares a config with what it must say, field by field, and
// reports every field that differs, is missing or is not expected.
func sameFields(t *testing.T, topic string, got map[string]any, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation for %s: %v", topic, err)
	}
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range w {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		g, gok := got[k]
		e, eok := w[k]
		if gok != eok || !reflect.DeepEqual(g, e) {
			t.Errorf("%s: %s = %s, want %s", topic, k, show(g, gok), show(e, eok))
		}
	}
}

func show(v any, ok bool) string {
	if !ok {
		return "(absent)"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

const (
	bridgeDevice = `"huegate_bridge_001788fffe123456"`
	origin       = `"origin":{"name":"huegate","sw_version":"1.2.3"}`
	available    = `"availability_mode":"all","availability":[{"topic":"huegate/status"},{"topic":"huegate/bridge/status"}`
)

func lightWant(slug, uid, modes, dev string) string {
	return fmt.Sprintf(`{"name":null,"unique_id":"huegate_%[2]s","schema":"json",
		"command_topic":"huegate/lights/%[1]s/set","state_topic":"huegate/lights/%[1]s/state",
		"brightness_scale":254,"supported_color_modes":%[3]s,"flash":false,
		%[5]s,{"topic":"huegate/lights/%[1]s/state","value_template":"{{ 'online' if value_json.reachable else 'offline' }}"}],
		"device":{"identifiers":["huegate_%[2]s"],%[4]s,"via_device":%[6]s},%[7]s}`,
		slug, uid, modes, dev, available, bridgeDevice, origin)
}

// retained waits until the configs are out, then subscribes again: what
// that subscriber gets is what Home Assistant finds when it starts.
func retained(t *testing.T, s *stack) *mqtttest.Recorder {
	t.Helper()
	// Every config of the fixture (8 lights, 5 groups, 2 scenes, the
	// bridge) first: huegate publishes them in no set order, and one still
	// on its way would reach the second subscriber live.
	first := s.subscribe(t)
	testkit.Eventually(t, 5*time.Second, "all 16 discovery configs", func() bool {
		seen := map[string]bool{}
		for _, m := range first.Messages() {
			seen[m.Topic] = len(m.Payload) > 0
		}
		n := 0
		for _, ok := range seen {
			if ok {
				n++
			}
		}
		return n >= 16
	})
	rec := s.subscribe(t)
	m := rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return strings.HasSuffix(m.Topic, "/config") })
	if !m.Retained {
		t.Fatalf("%s is not retained", m.Topic)
	}
	return rec
}

func TestEveryLightTypeGetsItsDiscoveryConfig(t *testing.T) {
	s := newStack(t, time.Hour)
	rec := retained(t, s)
	const signify = `"manufacturer":"Signify Netherlands B.V."`
	tests := []struct {
		kind, slug, uid, modes, device string
	}{
		// A lamp with colour temperature says its own range (from its capabilities).
		{"Extended color light", "desk-lamp", "0017880102030405-0b", `["color_temp","xy"],"min_mireds":153,"max_mireds":500`,
			`"name":"Desk lamp",` + signify + `,"model":"Hue color lamp (LCT015)","sw_version":"1.104.2","suggested_area":"Living room"`},
		{"Color temperature light", "küche-decke", "0017880102030401-0b", `["color_temp"],"min_mireds":153,"max_mireds":454`,
			`"name":"Küche Decke",` + signify + `,"model":"Hue ambiance lamp (LTW001)","sw_version":"1.104.2","suggested_area":"Kitchen"`},
		{"Dimmable light", "lámpara-sala", "0017880102030402-0b", `["brightness"]`,
			`"name":"Lámpara sala",` + signify + `,"model":"Hue white lamp (LWB010)","sw_version":"1.104.2","suggested_area":"Living room"`},
		{"Color light", "ledstrip", "0017880102030407-0b", `["xy"]`,
			`"name":"LED+Strip","manufacturer":"Philips","model":"Hue lightstrip (LST001)","sw_version":"5.127.1.26581","suggested_area":"Living room"`},
		{"On/Off plug-in unit", "coffee-machine", "0017880102030414-0b", `["onoff"]`,
			`"name":"Coffee machine",` + signify + `,"model":"Hue Smart plug (LOM002)","sw_version":"1.93.6","suggested_area":"Kitchen"`},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			topic := "homeassistant/light/huegate/" + tt.uid + "/config"
			sameFields(t, topic, discovered(t, rec, topic), lightWant(tt.slug, tt.uid, tt.modes, tt.device))
		})
	}
}

func TestGroupsScenesAndTheBridgeGetDiscoveryConfigs(t *testing.T) {
	s := newStack(t, time.Hour)
	rec := retained(t, s)
	room := "homeassistant/light/huegate/001788fffe123456_group_1/config"
	sameFields(t, room, discovered(t, rec, room), `{"name":null,"unique_id":"huegate_001788fffe123456_group_1","schema":"json",
		"command_topic":"huegate/groups/living-room/set","state_topic":"huegate/groups/living-room/state",
		"brightness_scale":254,"supported_color_modes":["color_temp","xy"],"flash":false,`+available+`],
		"device":{"identifiers":["huegate_001788fffe123456_group_1"],"name":"Living room","manufacturer":"Signify",
		"model":"Hue Room","via_device":`+bridgeDevice+`,"suggested_area":"Living room"},`+origin+`}`)
	hall := "homeassistant/light/huegate/001788fffe123456_group_7/config"
	if got := discovered(t, rec, hall); !reflect.DeepEqual(got["supported_color_modes"], []any{"color_temp"}) {
		t.Errorf("hall lights (ambiance and white) modes = %v", got["supported_color_modes"])
	}
	scene := "homeassistant/scene/huegate/001788fffe123456_scene_R3laxLivingRm01/config"
	sameFields(t, scene, discovered(t, rec, scene), `{"name":"Relax","unique_id":"huegate_001788fffe123456_scene_R3laxLivingRm01",
		"command_topic":"huegate/groups/living-room/set","payload_on":"{\"scene\":\"R3laxLivingRm01\"}",`+available+`],
		"device":{"identifiers":["huegate_001788fffe123456_group_1"],"name":"Living room"},`+origin+`}`)
	sensor := "homeassistant/binary_sensor/huegate/001788fffe123456_bridge/config"
	sameFields(t, sensor, discovered(t, rec, sensor), `{"name":"Connection","unique_id":"huegate_001788fffe123456_bridge",
		"device_class":"connectivity","entity_category":"diagnostic","state_topic":"huegate/bridge/status",
		"payload_on":"online","payload_off":"offline","availability_topic":"huegate/status",
		"device":{"identifiers":[`+bridgeDevice+`],"name":"Philips hue","manufacturer":"Signify","model":"BSB002","sw_version":"1965111030"},`+origin+`}`)

	// Everything: 8 lights, 5 groups, 2 group scenes (the LightScene has no
	// group), 1 bridge.
	topics := map[string]bool{}
	deadline := time.Now().Add(5 * time.Second)
	for len(topics) < 16 && time.Now().Before(deadline) {
		for _, m := range rec.Messages() {
			topics[m.Topic] = true
			if !m.Retained {
				t.Fatalf("%s came live, not retained", m.Topic)
			}
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline, not synchronising
	}
	if len(topics) != 16 {
		t.Errorf("%d discovery topics, want 16: %v", len(topics), topics)
	}
	for topic := range topics {
		if strings.Contains(topic, "N1ghtL1ght") {
			t.Errorf("a LightScene was published: %s", topic)
		}
	}
}

// Earlier versions published group and bridge configs under the bridge's
// name in the config ("default_group_1"); left retained, Home Assistant
// would show every group and the bridge twice.
func TestConfigsUnderOldIdsAreCleared(t *testing.T) {
	broker := mqtttest.StartMosquitto(t)
	old := []string{
		"homeassistant/light/huegate/default_group_1/config",
		"homeassistant/binary_sensor/huegate/default_bridge/config",
	}
	for _, topic := range old {
		mqtttest.Publish(t, broker.URL, topic, []byte(`{"unique_id":"old"}`), true)
	}
	// Listening before huegate starts: the clearing may come as soon as it
	// connects.
	rec := mqtttest.Subscribe(t, broker.URL, "homeassistant/#")
	s := startHuegate(t, broker, time.Hour, withDiscovery)
	for _, topic := range old {
		rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == topic && len(m.Payload) == 0 })
	}
	later := retained(t, s)
	discovered(t, later, "homeassistant/light/huegate/001788fffe123456_group_1/config")
	for _, m := range later.Messages() {
		if strings.Contains(m.Topic, "default_") {
			t.Fatalf("an old config is still retained: %s %s", m.Topic, m.Payload)
		}
	}
}

func TestARemovedLightsConfigIsCleared(t *testing.T) {
	s := newStack(t, 100*time.Millisecond)
	rec := s.subscribe(t)
	const hallUp = "homeassistant/light/huegate/001788010203040c-0b/config"
	discovered(t, rec, hallUp)
	if err := s.bridge.Bridge.RemoveLight("12"); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == hallUp && len(m.Payload) == 0 })
	// A client connecting now finds no config for it: the removal is retained.
	later := s.subscribe(t)
	desk := "homeassistant/light/huegate/0017880102030405-0b/config"
	discovered(t, later, desk)
	for _, m := range later.Messages() {
		if m.Topic == hallUp {
			t.Fatalf("the removed light's config is still retained: %s", m.Payload)
		}
	}
}

const renamedDesk = `{"name":"Reading lamp","type":"Extended color light","modelid":"LCT015","productname":"Hue color lamp",
	"manufacturername":"Signify Netherlands B.V.","uniqueid":"00:17:88:01:02:03:04:05-0b","swversion":"1.104.2",
	"state":{"on":true,"bri":180,"hue":8402,"sat":140,"effect":"none","xy":[0.4575,0.4099],"ct":366,"alert":"none",
	"colormode":"ct","mode":"homeautomation","reachable":true}}`

func TestARenameKeepsTheEntityAndMovesItsTopics(t *testing.T) {
	s := newStack(t, 100*time.Millisecond)
	rec := s.subscribe(t)
	const desk = "homeassistant/light/huegate/0017880102030405-0b/config"
	discovered(t, rec, desk)
	if err := s.bridge.Bridge.AddLight("3", []byte(renamedDesk)); err != nil {
		t.Fatal(err)
	}
	m := rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool {
		return m.Topic == desk && strings.Contains(string(m.Payload), `"command_topic":"huegate/lights/reading-lamp/set"`)
	})
	if !strings.Contains(string(m.Payload), `"unique_id":"huegate_0017880102030405-0b"`) || !strings.Contains(string(m.Payload), `"name":"Reading lamp"`) {
		t.Fatalf("renamed config: %s", m.Payload)
	}
	// What Home Assistant sends on the discovered command topic lands.
	mqtttest.Publish(t, s.broker.URL, "huegate/lights/reading-lamp/set",
		[]byte(`{"state":"ON","brightness":64,"color":{"x":0.2,"y":0.3},"transition":0}`), false)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.bridge.Bridge.WaitLight(ctx, "3", func(l emulator.LightState) bool { return l.Bri == 64 && l.XY == [2]float64{0.2, 0.3} }); err != nil {
		t.Fatal(err)
	}
}

func TestConfigsArePublishedAgainWhenHomeAssistantComesOnline(t *testing.T) {
	s := newStack(t, time.Hour)
	rec := s.subscribe(t)
	const desk = "homeassistant/light/huegate/0017880102030405-0b/config"
	discovered(t, rec, desk)
	count := func() int {
		n := 0
		for _, m := range rec.Messages() {
			if m.Topic == desk {
				n++
			}
		}
		return n
	}
	before := count()
	mqtttest.Publish(t, s.broker.URL, "homeassistant/status", []byte("online"), false)
	deadline := time.Now().Add(5 * time.Second)
	for count() == before {
		if time.Now().After(deadline) {
			t.Fatal("the birth message brought no config")
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline, not synchronising
	}
}

func TestConfigsAreRepublishedAfterTheBrokerRestarts(t *testing.T) {
	s := newStack(t, time.Hour)
	discovered(t, s.subscribe(t), "homeassistant/light/huegate/0017880102030405-0b/config")
	s.broker.Kill()
	s.broker.Restart() // no persistence: every retained message is gone
	deadline := time.Now().Add(10 * time.Second)
	for !s.app.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("huegate did not reconnect")
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline, not synchronising
	}
	discovered(t, s.subscribe(t), "homeassistant/light/huegate/0017880102030405-0b/config")
}
