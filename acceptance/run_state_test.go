package acceptance

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt/mqtttest"
)

// bridgeID is the fixture's config.bridgeid, lower-cased, as Home
// Assistant's ids carry it.
const bridgeID = "001788fffe123456"

// The fixture's lights and groups by slug, and the ids they have.
var (
	lightSlugs = map[string]string{
		"küche-decke": "1", "lámpara-sala": "2", "desk-lamp": "3", "spot-1": "5",
		"ledstrip": "7", "hallup": "12", "coffee-machine": "20", "garden-lantern": "31",
	}
	groupSlugs = map[string]string{
		"living-room": "1", "kitchen": "2", "downstairs": "4", "hall-lights": "7", "tv-area": "9",
	}
)

// README "Topics and payloads" (huegate's own topics), "Home Assistant"
// and "Stopping", for `huegate run`.
func TestRunStatesDiscoveryAndStop(t *testing.T) {
	t.Parallel()
	w := startRun(t, `  - topic: lights
    lights: ["Desk lamp"]
`, nil)

	t.Run("huegate/status and huegate/bridge/status are online, retained", func(t *testing.T) {
		for _, topic := range []string{"huegate/status", "huegate/bridge/status"} {
			retainedOnline(t, w.broker.URL, topic)
		}
	})

	t.Run("every light has a retained JSON state under its slug", func(t *testing.T) {
		got := retainedStates(t, w.broker.URL, "huegate/lights/+/state", "huegate/lights/%s/state", lightSlugs)
		for slug, doc := range got {
			for _, k := range []string{"id", "name", "on", "bri", "reachable", "state"} {
				if _, ok := doc[k]; !ok {
					t.Errorf("%s: no %q in %v", slug, k, doc)
				}
			}
			if doc["id"] != lightSlugs[slug] {
				t.Errorf("%s: id %v, want %s", slug, doc["id"], lightSlugs[slug])
			}
			if want := map[bool]string{true: "ON", false: "OFF"}[doc["on"] == true]; doc["state"] != want {
				t.Errorf("%s: state %v with on %v", slug, doc["state"], doc["on"])
			}
		}
		// An extended colour light: every field of the README's example.
		// CLIP v2 reports colour as xy only: hue and saturation are read from it.
		hs := map[bool]string{false: `"hue":8402,"sat":140`, true: `"hue":7023,"sat":135`}[v2()]
		hsColor := map[bool]string{false: `"hue":46,"saturation":55`, true: `"hue":39,"saturation":53`}[v2()]
		wantJSON(t, "desk-lamp", got["desk-lamp"], `{"id":"3","name":"Desk lamp","on":true,"bri":180,"reachable":true,
			"colormode":"ct","ct":366,`+hs+`,"xy":[0.4575,0.4099],"type":"Extended color light",
			"state":"ON","brightness":180,"color_mode":"color_temp","color_temp":366,
			"color":{"x":0.4575,"y":0.4099,`+hsColor+`}}`)
		// A plug: no brightness, mode onoff.
		if _, ok := got["coffee-machine"]["brightness"]; ok {
			t.Errorf("coffee-machine (a plug) has a brightness: %v", got["coffee-machine"])
		}
		wantFields(t, "coffee-machine", got["coffee-machine"], map[string]any{"state": "OFF", "color_mode": "onoff"})
		// A dimmable light: brightness mode, no colour.
		wantFields(t, "lámpara-sala", got["lámpara-sala"], map[string]any{"state": "OFF", "brightness": 128, "color_mode": "brightness"})
		for _, k := range []string{"color", "color_temp", "xy"} {
			if _, ok := got["lámpara-sala"][k]; ok {
				t.Errorf("lámpara-sala (dimmable) has %q: %v", k, got["lámpara-sala"])
			}
		}
		// Hue's hs mode shows as xy (v2 has no hs mode: it is xy there too).
		ledstrip := map[string]any{"colormode": "hs", "color_mode": "xy",
			"color": map[string]any{"x": 0.1908, "y": 0.0947, "hue": 258, "saturation": 79}}
		if v2() {
			ledstrip = map[string]any{"colormode": "xy", "color_mode": "xy",
				"color": map[string]any{"x": 0.1908, "y": 0.0947, "hue": 250, "saturation": 72}}
		}
		wantFields(t, "ledstrip", got["ledstrip"], ledstrip)
		wantFields(t, "garden-lantern", got["garden-lantern"], map[string]any{"reachable": false})
		wantFields(t, "küche-decke", got["küche-decke"], map[string]any{"color_mode": "color_temp", "color_temp": 366, "brightness": 200})
	})

	t.Run("every group has a retained JSON state under its slug", func(t *testing.T) {
		got := retainedStates(t, w.broker.URL, "huegate/groups/+/state", "huegate/groups/%s/state", groupSlugs)
		for slug, doc := range got {
			if doc["id"] != groupSlugs[slug] {
				t.Errorf("%s: id %v, want %s", slug, doc["id"], groupSlugs[slug])
			}
		}
		// The README's example, field for field.
		wantJSON(t, "kitchen", got["kitchen"], `{"id":"2","name":"Kitchen","type":"Room","lights":["1","20"],
			"any_on":true,"all_on":false,"on":true,"bri":200,"state":"ON","brightness":200,
			"color_mode":"color_temp","color_temp":366}`)
		// A group is ON while any of its lights is, at the mean brightness
		// of those on (180 and 120).
		wantFields(t, "living-room", got["living-room"], map[string]any{"id": "1", "name": "Living room", "type": "Room",
			"lights": []string{"2", "3", "5", "7"}, "any_on": true, "all_on": false, "on": true, "bri": 150,
			"state": "ON", "brightness": 150, "color_mode": "color_temp", "color_temp": 366})
		// v1 shows the colour last sent to the group; v2 has none for groups,
		// so huegate shows that of its first light that is on (the desk lamp's).
		tvMode := map[bool]string{false: "xy", true: "color_temp"}[v2()]
		wantFields(t, "tv-area", got["tv-area"], map[string]any{"type": "Entertainment", "color_mode": tvMode})
	})

	t.Run("huegate reads all lights in one request and all groups in another", func(t *testing.T) {
		one := regexp.MustCompile(`^/api/[^/]+/(lights|groups)/`)
		reads := map[string]int{}
		for _, r := range w.bridge.since(0) {
			if r.Method != http.MethodGet {
				continue
			}
			if one.MatchString(r.Path) {
				t.Errorf("a request for one light or group: %s", &r)
			}
			reads[r.Path]++
		}
		if reads[w.bridge.api("/lights")] < 2 || reads[w.bridge.api("/groups")] < 2 {
			t.Errorf("reads of the bridge: %v, want /lights and /groups polled", reads)
		}
	})

	var configs map[string]map[string]any
	t.Run("Home Assistant discovery configs: retained, under the bridge's id, sent again on Home Assistant's birth message", func(t *testing.T) {
		configs = discovery(t, w.broker.URL)
	})

	t.Run("each group is a JSON light with its set and state topics", func(t *testing.T) {
		for slug, id := range groupSlugs {
			topic := "homeassistant/light/huegate/" + bridgeID + "_group_" + id + "/config"
			c := configs[topic]
			if c == nil {
				t.Errorf("no %s", topic)
				continue
			}
			wantFields(t, topic, c, map[string]any{"unique_id": "huegate_" + bridgeID + "_group_" + id, "schema": "json",
				"command_topic": "huegate/groups/" + slug + "/set", "state_topic": "huegate/groups/" + slug + "/state",
				"brightness_scale": 254})
			wantAvailability(t, topic, c)
			wantFields(t, topic, device(c), map[string]any{"via_device": "huegate_bridge_" + bridgeID})
		}
		g1 := "homeassistant/light/huegate/" + bridgeID + "_group_1/config"
		wantFields(t, g1, configs[g1], map[string]any{"supported_color_modes": []string{"color_temp", "xy"}})
		wantFields(t, g1, device(configs[g1]), map[string]any{"name": "Living room", "suggested_area": "Living room"})
		g2 := "homeassistant/light/huegate/" + bridgeID + "_group_2/config"
		wantFields(t, g2, configs[g2], map[string]any{"supported_color_modes": []string{"color_temp"}})
	})

	t.Run("each group scene is a scene on its group's device", func(t *testing.T) {
		for _, s := range []struct{ id, name, slug, group string }{
			{"R3laxLivingRm01", "Relax", "living-room", "1"},
			{"C0ncentrKitch01", "Concentrate", "kitchen", "2"},
		} {
			topic := "homeassistant/scene/huegate/" + bridgeID + "_scene_" + s.id + "/config"
			c := configs[topic]
			if c == nil {
				t.Errorf("no %s", topic)
				continue
			}
			wantFields(t, topic, c, map[string]any{"name": s.name, "unique_id": "huegate_" + bridgeID + "_scene_" + s.id,
				"command_topic": "huegate/groups/" + s.slug + "/set", "payload_on": `{"scene":"` + s.id + `"}`})
			wantAvailability(t, topic, c)
			wantFields(t, topic, device(c), map[string]any{"identifiers": []string{"huegate_" + bridgeID + "_group_" + s.group}})
		}
		for topic := range configs {
			if strings.Contains(topic, "N1ghtL1ghtScn01") {
				t.Errorf("a LightScene of no group has a config: %s", topic)
			}
		}
	})

	t.Run("the bridge is a connectivity sensor on its own device", func(t *testing.T) {
		topic := "homeassistant/binary_sensor/huegate/" + bridgeID + "_bridge/config"
		c := configs[topic]
		if c == nil {
			t.Fatalf("no %s", topic)
		}
		wantFields(t, topic, c, map[string]any{"state_topic": "huegate/bridge/status", "payload_on": "online", "payload_off": "offline"})
		// Name, model and firmware from the bridge's config.
		wantFields(t, topic, device(c), map[string]any{
			"identifiers": []string{"huegate_bridge_" + bridgeID},
			"name":        "Philips hue", "model": "BSB002", "sw_version": "1965111030",
		})
	})

	t.Run("each light is a JSON light with its device, by the lamp's uniqueid", func(t *testing.T) {
		modes := map[string][]string{
			"0017880102030401-0b": {"color_temp"}, "0017880102030402-0b": {"brightness"},
			"0017880102030405-0b": {"color_temp", "xy"}, "0017880102030406-0b": {"color_temp", "xy"},
			"0017880102030407-0b": {"xy"}, "001788010203040c-0b": {"color_temp"},
			"0017880102030414-0b": {"onoff"}, "001788010203041f-0b": {"brightness"},
		}
		for id, m := range modes {
			topic := "homeassistant/light/huegate/" + id + "/config"
			c := configs[topic]
			if c == nil {
				t.Errorf("no %s", topic)
				continue
			}
			wantFields(t, topic, c, map[string]any{"schema": "json", "brightness_scale": 254, "supported_color_modes": m})
			wantAvailability(t, topic, c)
		}
		desk := "homeassistant/light/huegate/0017880102030405-0b/config"
		wantFields(t, desk, configs[desk], map[string]any{"command_topic": "huegate/lights/desk-lamp/set", "state_topic": "huegate/lights/desk-lamp/state"})
		wantFields(t, desk, device(configs[desk]), map[string]any{
			"name": "Desk lamp", "manufacturer": "Signify Netherlands B.V.", "model": "Hue color lamp (LCT015)",
			"sw_version": "1.104.2", "via_device": "huegate_bridge_" + bridgeID, "suggested_area": "Living room",
		})
	})

	t.Run("activating a discovered scene recalls it at the bridge", func(t *testing.T) {
		c := configs["homeassistant/scene/huegate/"+bridgeID+"_scene_R3laxLivingRm01/config"]
		if c == nil {
			t.Fatal("no config for the scene Relax")
		}
		// What Home Assistant does: payload_on to command_topic.
		from := w.bridge.mark()
		w.pub(t, c["command_topic"].(string), c["payload_on"].(string))
		w.bridge.waitPut(t, from, "/groups/1/action", `{"scene":"R3laxLivingRm01"}`)
	})

	t.Run("after a broker restart, status, states and discovery are published again", func(t *testing.T) {
		// Mosquitto without persistence: every retained message is gone.
		w.broker.Restart()
		for topic, match := range map[string]func(mqtttest.Message) bool{
			"huegate/status":                 payloadIs("huegate/status", "online"),
			"huegate/bridge/status":          payloadIs("huegate/bridge/status", "online"),
			"huegate/lights/desk-lamp/state": stateHas("huegate/lights/desk-lamp/state", map[string]any{"id": "3", "name": "Desk lamp"}),
			"huegate/groups/kitchen/state":   stateHas("huegate/groups/kitchen/state", map[string]any{"id": "2", "name": "Kitchen"}),
			"homeassistant/binary_sensor/huegate/" + bridgeID + "_bridge/config":        func(m mqtttest.Message) bool { return len(m.Payload) > 0 },
			"homeassistant/scene/huegate/" + bridgeID + "_scene_R3laxLivingRm01/config": func(m mqtttest.Message) bool { return len(m.Payload) > 0 },
		} {
			mqtttest.Subscribe(t, w.broker.URL, topic).WaitFor(t, wait, match)
		}
	})

	t.Run("SIGTERM stops huegate with exit code 0 and status offline", func(t *testing.T) {
		w.stop(t)
	})
}

// retainedStates returns the JSON state of each slug (its topic made from
// format) and checks that each is retained: once a first subscription has
// seen them all, a second one must get each with the retain flag.
func retainedStates(t *testing.T, broker, filter, format string, slugs map[string]string) map[string]map[string]any {
	t.Helper()
	first := mqtttest.Subscribe(t, broker, filter)
	for slug := range slugs {
		topic := strings.Replace(format, "%s", slug, 1)
		first.WaitFor(t, wait, func(m mqtttest.Message) bool { return m.Topic == topic })
	}
	second := mqtttest.Subscribe(t, broker, filter)
	got := map[string]map[string]any{}
	for slug := range slugs {
		topic := strings.Replace(format, "%s", slug, 1)
		m := second.WaitFor(t, wait, func(m mqtttest.Message) bool { return m.Topic == topic })
		if !m.Retained {
			t.Errorf("%s is not retained", topic)
		}
		got[slug] = object(t, topic, m.Payload)
	}
	return got
}

// retainedOnline checks that topic says online, retained: once a first
// subscription has seen online, a second gets it with the retain flag.
func retainedOnline(t *testing.T, broker, topic string) {
	t.Helper()
	mqtttest.Subscribe(t, broker, topic).WaitFor(t, wait, payloadIs(topic, "online"))
	r := mqtttest.Subscribe(t, broker, topic)
	if m := r.WaitFor(t, wait, func(mqtttest.Message) bool { return true }); string(m.Payload) != "online" || !m.Retained {
		t.Errorf("%s on %s for a new subscriber: %s, want online, retained", topic, broker, m)
	}
}

// discovery makes huegate publish every discovery config again, as it
// does when Home Assistant announces itself, and returns the configs by
// topic. It checks that each expected config is there and retained for a
// client that subscribes later, that there are no others, and that no id
// is made from the bridge's name in the config ("default_").
func discovery(t *testing.T, broker string) map[string]map[string]any {
	t.Helper()
	expected := []string{"homeassistant/binary_sensor/huegate/" + bridgeID + "_bridge/config",
		"homeassistant/scene/huegate/" + bridgeID + "_scene_R3laxLivingRm01/config",
		"homeassistant/scene/huegate/" + bridgeID + "_scene_C0ncentrKitch01/config"}
	for _, id := range groupSlugs {
		expected = append(expected, "homeassistant/light/huegate/"+bridgeID+"_group_"+id+"/config")
	}
	for _, id := range []string{"01", "02", "05", "06", "07", "0c", "14", "1f"} {
		expected = append(expected, "homeassistant/light/huegate/00178801020304"+id+"-0b/config")
	}
	sort.Strings(expected)

	live := mqtttest.Subscribe(t, broker, "homeassistant/#")
	isLiveConfig := func(m mqtttest.Message) bool { return !m.Retained && strings.HasSuffix(m.Topic, "/config") }
	// Home Assistant's birth message: huegate publishes everything again.
	t0 := time.Now()
	pub(t, hostPort(broker), "homeassistant/status", "online", false)
	live.WaitFor(t, wait, after(t0, isLiveConfig))
	// A second one: once a config comes a second time, the first round
	// (one connection, in order) is complete.
	pub(t, hostPort(broker), "homeassistant/status", "online", false)
	seen := map[string]int{}
	live.WaitFor(t, wait, after(t0, func(m mqtttest.Message) bool {
		if !isLiveConfig(m) {
			return false
		}
		seen[m.Topic]++
		return seen[m.Topic] == 2
	}))

	configs := map[string]map[string]any{}
	for _, m := range live.Messages() {
		if !strings.HasSuffix(m.Topic, "/config") {
			continue
		}
		if len(m.Payload) == 0 {
			delete(configs, m.Topic) // cleared
			continue
		}
		configs[m.Topic] = object(t, m.Topic, m.Payload)
	}
	var extra []string
	for topic, c := range configs {
		data, _ := json.Marshal(c)
		if strings.Contains(topic, "default_") || strings.Contains(string(data), "default_") {
			t.Errorf("a config with an id from the bridge's name in the config, not its bridge id: %s %s", topic, data)
		}
		if !contains(expected, topic) {
			extra = append(extra, topic)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("configs the fixture does not call for: %v", extra)
	}
	var present []string
	for _, topic := range expected {
		if configs[topic] == nil {
			t.Errorf("no config %s", topic)
			continue
		}
		present = append(present, topic)
	}
	// A client that comes later gets each config retained.
	later := mqtttest.Subscribe(t, broker, "homeassistant/+/huegate/+/config")
	for _, topic := range present {
		if m := later.WaitFor(t, wait, func(m mqtttest.Message) bool { return m.Topic == topic }); !m.Retained {
			t.Errorf("%s is not retained", topic)
		}
	}
	return configs
}

func hostPort(brokerURL string) string { return strings.TrimPrefix(brokerURL, "tcp://") }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// wantFields checks that doc holds every field of want (as JSON values).
func wantFields(t *testing.T, what string, doc map[string]any, want map[string]any) {
	t.Helper()
	if doc == nil {
		t.Errorf("%s: missing", what)
		return
	}
	data, _ := json.Marshal(doc)
	for k, v := range want {
		if !fieldsMatch(data, map[string]any{k: v}) {
			w, _ := json.Marshal(v)
			g, _ := json.Marshal(doc[k])
			t.Errorf("%s: %s is %s, want %s", what, k, g, w)
		}
	}
}

// wantJSON checks that doc is exactly the JSON document want.
func wantJSON(t *testing.T, what string, doc map[string]any, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(doc)
	if !reflect.DeepEqual(doc, w) {
		wj, _ := json.Marshal(w)
		t.Errorf("%s:\n got %s\nwant %s", what, got, wj)
	}
}

// device is a config's device, empty when it has none.
func device(c map[string]any) map[string]any {
	d, _ := c["device"].(map[string]any)
	return d
}

// wantAvailability checks that an entity is available only while huegate
// and the bridge are both online.
func wantAvailability(t *testing.T, what string, c map[string]any) {
	t.Helper()
	topics := map[string]bool{}
	list, _ := c["availability"].([]any)
	for _, a := range list {
		if m, ok := a.(map[string]any); ok {
			topic, _ := m["topic"].(string)
			topics[topic] = true
		}
	}
	if !topics["huegate/status"] || !topics["huegate/bridge/status"] || c["availability_mode"] != "all" {
		t.Errorf("%s: availability %v (mode %v), want huegate/status and huegate/bridge/status, all", what, c["availability"], c["availability_mode"])
	}
}
