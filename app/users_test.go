package app_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// What users hit, through huegate as `run` builds it.

// The start-up sync publishes the bridge's state and sends nothing: no
// echo of it is taken for a new value, however the first poll and the
// connect interleave.
func TestStartUpSyncSendsNoCommand(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), 50*time.Millisecond,
		"mappings:\n  - {topic: lights, lights: [\"Desk lamp\", 5], range: [0, 1023], sync: true}\n")
	rec := mqtttest.Subscribe(t, s.broker.URL, "lights")
	rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "725" })
	reads := len(s.bridge.Bridge.Requests())
	testkit.Eventually(t, 10*time.Second, "three more polls", func() bool { return len(s.bridge.Bridge.Requests()) >= reads+6 })
	if n := len(s.bridge.Bridge.Commands()); n != 0 {
		t.Fatalf("%d commands after start-up: %v", n, s.bridge.Bridge.Commands())
	}
	if n := s.logs.Count("light changed outside huegate"); n != 0 {
		t.Fatalf("an outside change was logged %d times, none happened", n)
	}
}

// Lights sharing a topic take turns.
func TestLightsSharingATopicTakeTurns(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), time.Hour,
		"mappings:\n  - {topic: lights, lights: [3, 31], transition: 0s}\n")
	pub := mqtttest.NewPublisher(t, s.broker.URL)
	tick := time.NewTicker(10 * time.Millisecond) // the slider's pace, not synchronisation
	defer tick.Stop()
	for v := 1; v <= 50; v++ {
		<-tick.C
		pub.Publish("lights", []byte(strconv.Itoa(v*5)), 1, false)
	}
	for _, id := range []string{"3", "31"} {
		testkit.Eventually(t, 10*time.Second, "light "+id+" at 250", func() bool { l, _ := s.bridge.Bridge.Light(id); return l.Bri == 250 })
	}
	var order []string
	count := map[string]int{}
	for _, c := range s.bridge.Bridge.Commands() {
		id := strings.Split(c.Path, "/")[4]
		order = append(order, id)
		count[id]++
	}
	if d := count["3"] - count["31"]; d > 1 || d < -1 || order[0] == order[1] {
		t.Fatalf("the lights did not take turns: %v", order)
	}
}

// A plug switches on for a brightness, a group's state follows its lights,
// and an empty message (a retained clear) is not refused.
func TestPlugsGroupsAndClears(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), 50*time.Millisecond, "mappings:\n  - {topic: lights, lights: [3]}\n")
	groups := mqtttest.Subscribe(t, s.broker.URL, "huegate/groups/tv-area/state")
	pub := mqtttest.NewPublisher(t, s.broker.URL)
	pub.Publish("huegate/lights/coffee-machine/set", []byte(`{"brightness":100}`), 1, false)
	testkit.Eventually(t, 10*time.Second, "the plug on", func() bool { l, _ := s.bridge.Bridge.Light("20"); return l.On })
	for _, c := range s.bridge.Bridge.Commands() {
		if strings.Contains(c.Path, "/lights/20/") && string(c.Body) != `{"on":true}` {
			t.Errorf("the plug was sent %s", c.Body)
		}
	}

	for _, id := range []string{"3", "7"} {
		if err := s.bridge.Bridge.SetLightState(id, map[string]any{"on": false}); err != nil {
			t.Fatal(err)
		}
	}
	m := groups.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return strings.Contains(string(m.Payload), `"any_on":false`) })
	var g struct {
		On    bool   `json:"on"`
		State string `json:"state"`
	}
	if err := json.Unmarshal(m.Payload, &g); err != nil || g.On || g.State != "OFF" {
		t.Fatalf("every light off, the group says %s", m.Payload)
	}

	pub.Publish("lights", nil, 1, false)
	pub.Publish("lights", []byte("90"), 1, false)
	testkit.Eventually(t, 10*time.Second, "the value after the clear", func() bool { l, _ := s.bridge.Bridge.Light("3"); return l.On && l.Bri == 90 })
	if n := s.logs.Count("payload rejected"); n != 0 {
		t.Fatalf("an empty message was refused:\n%s", s.logs.String())
	}
}

// Two lights swapping names keep both state topics.
func TestSwappedNamesKeepTheirTopics(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), 50*time.Millisecond, "mappings:\n  - {topic: lights, lights: [3]}\n")
	mqtttest.Subscribe(t, s.broker.URL, "huegate/lights/spot-1/state").
		WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return len(m.Payload) > 0 })
	if err := s.bridge.Bridge.RenameLights(map[string]string{"3": "Spot #1", "5": "Desk lamp"}); err != nil {
		t.Fatal(err)
	}
	reads := len(s.bridge.Bridge.Requests())
	testkit.Eventually(t, 10*time.Second, "four more polls", func() bool { return len(s.bridge.Bridge.Requests()) >= reads+8 })
	later := mqtttest.Subscribe(t, s.broker.URL, "huegate/lights/+/state")
	for topic, id := range map[string]string{"huegate/lights/spot-1/state": `"id":"3"`, "huegate/lights/desk-lamp/state": `"id":"5"`} {
		m := later.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == topic })
		if !strings.Contains(string(m.Payload), id) {
			t.Errorf("%s = %s, want the light with %s", topic, m.Payload, id)
		}
	}
}

// Two lights whose names differ only by an invisible character (renamed
// in the Hue app by someone who wants commands meant for one to reach the
// other) get topics that differ in what is seen: the zero-width space is
// dropped, the names collide, and each gets its id.
func TestLookAlikeNamesGetVisiblyDifferentTopics(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), 50*time.Millisecond, "mappings:\n  - {topic: lights, lights: [3]}\n")
	if err := s.bridge.Bridge.RenameLights(map[string]string{"3": "Desk lamp", "5": "Desk\u200b lamp"}); err != nil {
		t.Fatal(err)
	}
	states := mqtttest.Subscribe(t, s.broker.URL, "huegate/lights/+/state")
	topicOf := map[string]string{}
	for _, id := range []string{"3", "5"} {
		m := states.WaitFor(t, 10*time.Second, func(m mqtttest.Message) bool {
			return strings.Contains(string(m.Payload), `"id":"`+id+`"`) && strings.Contains(string(m.Payload), `"name":"Desk`) && strings.HasSuffix(m.Topic, "-"+id+"/state")
		})
		topicOf[id] = m.Topic
	}
	if topicOf["3"] != "huegate/lights/desk-lamp-3/state" || topicOf["5"] != "huegate/lights/desk-lamp-5/state" {
		t.Fatalf("state topics %q and %q, want desk-lamp-3 and desk-lamp-5", topicOf["3"], topicOf["5"])
	}
	for _, m := range states.Messages() {
		if strings.IndexFunc(m.Topic, func(r rune) bool { return unicode.Is(unicode.Cf, r) }) >= 0 && len(m.Payload) > 0 {
			t.Errorf("a state topic with an invisible character: %q = %s", m.Topic, m.Payload)
		}
	}
	mqtttest.Publish(t, s.broker.URL, "huegate/lights/desk-lamp-5/set", []byte(`{"brightness":77}`), false)
	testkit.Eventually(t, 10*time.Second, "light 5 at 77 through its own topic", func() bool { l, _ := s.bridge.Bridge.Light("5"); return l.On && l.Bri == 77 })
	if l, _ := s.bridge.Bridge.Light("3"); l.Bri == 77 {
		t.Fatalf("the desk lamp (3) took the command for light 5: %+v", l)
	}
}

// A bridge whose commands all fail while its reads work is offline until a
// command lands (health follows after 30 s: see package metrics).
func TestABridgeFailingItsCommandsIsOffline(t *testing.T) {
	s := startHuegate(t, mqtttest.StartMosquitto(t), 50*time.Millisecond, "mappings:\n  - {topic: lights, lights: [3]}\n")
	status := mqtttest.Subscribe(t, s.broker.URL, "huegate/bridge/status")
	status.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "online" })
	s.bridge.Bridge.SetCommandFault(emulator.FaultError901)
	t0 := time.Now()
	mqtttest.NewPublisher(t, s.broker.URL).Publish("lights", []byte("90"), 1, false)
	status.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "offline" && m.Time.After(t0) })
	reads := len(s.bridge.Bridge.Requests())
	testkit.Eventually(t, 10*time.Second, "more polls", func() bool { return len(s.bridge.Bridge.Requests()) >= reads+6 })
	if last := status.Messages()[len(status.Messages())-1]; string(last.Payload) != "offline" {
		t.Fatalf("reads made the bridge online again while its commands fail: %v", status.Messages())
	}
	t1 := time.Now()
	s.bridge.Bridge.SetCommandFault(emulator.FaultNone)
	status.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "online" && m.Time.After(t1) })
	testkit.Eventually(t, 10*time.Second, "the value landed", func() bool { l, _ := s.bridge.Bridge.Light("3"); return l.Bri == 90 })
}

// A light removed while huegate was down left its retained state topic:
// the run after clears it. A Hue-app change by hue and saturation shows as
// that colour.
func TestStaleTopicsAndHueSaturationColours(t *testing.T) {
	broker := mqtttest.StartMosquitto(t)
	mqtttest.Publish(t, broker.URL, "huegate/lights/old-lamp/state", []byte(`{"id":"99"}`), true)
	rec := mqtttest.Subscribe(t, broker.URL, "huegate/lights/+/state")
	s := startHuegate(t, broker, 50*time.Millisecond, "mappings:\n  - {topic: lights, lights: [3]}\n")
	rec.WaitFor(t, 10*time.Second, func(m mqtttest.Message) bool {
		return m.Topic == "huegate/lights/old-lamp/state" && len(m.Payload) == 0
	})

	if err := s.bridge.Bridge.SetLightState("3", map[string]any{"hue": 0, "sat": 254}); err != nil {
		t.Fatal(err)
	}
	m := rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool {
		return m.Topic == "huegate/lights/desk-lamp/state" && strings.Contains(string(m.Payload), `"colormode":"hs"`)
	})
	var st struct {
		Color struct{ X, Y float64 } `json:"color"`
	}
	if err := json.Unmarshal(m.Payload, &st); err != nil || st.Color.X < 0.69 || st.Color.Y > 0.31 {
		t.Fatalf("red by hue and saturation shows as %s", m.Payload)
	}
}

// /healthz tells the truth: a bridge that answers reads but has failed
// every command for the whole window (30 s) makes huegate unhealthy, and a
// command that lands makes it healthy again.
func TestHealthSaysWhenEveryCommandFails(t *testing.T) {
	t.Parallel()
	s := startHuegate(t, mqtttest.StartMosquitto(t), 200*time.Millisecond, "mappings:\n  - {topic: lights, lights: [3]}\n")
	s.bridge.Bridge.SetCommandFault(emulator.FaultError901)
	mqtttest.NewPublisher(t, s.broker.URL).Publish("lights", []byte("90"), 1, false)
	testkit.Eventually(t, 45*time.Second, "/healthz to say every command failed", func() bool {
		code, body := testkit.Get(t, s.httpURL+"/healthz")
		return code == 503 && strings.Contains(body, "every command failed for")
	})
	s.bridge.Bridge.SetCommandFault(emulator.FaultNone)
	testkit.Eventually(t, 10*time.Second, "/healthz ok once the value landed", func() bool {
		code, _ := testkit.Get(t, s.httpURL+"/healthz")
		return code == 200
	})
	if l, _ := s.bridge.Bridge.Light("3"); l.Bri != 90 {
		t.Fatalf("the value kept during the failures did not land: bri %d", l.Bri)
	}
}
