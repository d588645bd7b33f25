package emulator

import (
	"reflect"
	"slices"
	"testing"
)

// The project's fixture is what most integration tests stand on: check it
// holds what they rely on.

func TestFixtureLightsCoverEveryTypeAndAwkwardName(t *testing.T) {
	want := map[string][2]string{
		"1":  {"Küche Decke", "Color temperature light"},
		"2":  {"Lámpara sala", "Dimmable light"},
		"3":  {"Desk lamp", "Extended color light"},
		"5":  {"Spot #1", "Extended color light"},
		"7":  {"LED+Strip", "Color light"},
		"12": {"Hall/Up", "Color temperature light"},
		"20": {"Coffee machine", "On/Off plug-in unit"},
		"31": {"Garden lantern", "Dimmable light"},
	}
	lights := fixtureJSON(t)["lights"].(map[string]any)
	if len(lights) != len(want) {
		t.Fatalf("fixture has %d lights, want %d", len(lights), len(want))
	}
	seen := map[string]bool{}
	for id, w := range want {
		l, ok := lights[id].(map[string]any)
		if !ok {
			t.Fatalf("light %s missing", id)
		}
		if l["name"] != w[0] || l["type"] != w[1] {
			t.Errorf("light %s is %q (%v), want %q (%s)", id, l["name"], l["type"], w[0], w[1])
		}
		for _, k := range []string{"modelid", "manufacturername", "productname", "uniqueid", "swversion"} {
			if s, _ := l[k].(string); s == "" {
				t.Errorf("light %s: %s missing", id, k)
			}
		}
		if _, ok := l["capabilities"].(map[string]any); !ok {
			t.Errorf("light %s: capabilities missing", id)
		}
		if u := l["uniqueid"].(string); seen[u] {
			t.Errorf("light %s: uniqueid %s used twice", id, u)
		} else {
			seen[u] = true
		}
	}
}

func TestFixtureStateFieldsMatchLightTypes(t *testing.T) {
	fields := map[string][]string{
		"Extended color light":    {"alert", "bri", "colormode", "ct", "effect", "hue", "mode", "on", "reachable", "sat", "xy"},
		"Color light":             {"alert", "bri", "colormode", "effect", "hue", "mode", "on", "reachable", "sat", "xy"},
		"Color temperature light": {"alert", "bri", "colormode", "ct", "mode", "on", "reachable"},
		"Dimmable light":          {"alert", "bri", "mode", "on", "reachable"},
		"On/Off plug-in unit":     {"alert", "mode", "on", "reachable"},
	}
	unreachable := 0
	for id, v := range fixtureJSON(t)["lights"].(map[string]any) {
		l := v.(map[string]any)
		st := l["state"].(map[string]any)
		var got []string
		for k := range st {
			got = append(got, k)
		}
		slices.Sort(got)
		if want := fields[l["type"].(string)]; !slices.Equal(got, want) {
			t.Errorf("light %s (%s) state has %v, want %v", id, l["type"], got, want)
		}
		if st["reachable"] == false {
			unreachable++
		}
	}
	if unreachable != 1 {
		t.Errorf("%d unreachable lights, want exactly 1", unreachable)
	}
}

func TestFixtureGroupsCoverEveryKind(t *testing.T) {
	want := map[string][2]string{
		"1": {"Living room", "Room"},
		"2": {"Kitchen", "Room"},
		"4": {"Downstairs", "Zone"},
		"7": {"Hall lights", "LightGroup"},
		"9": {"TV area", "Entertainment"},
	}
	f := fixtureJSON(t)
	groups := f["groups"].(map[string]any)
	lights := f["lights"].(map[string]any)
	if len(groups) != len(want) {
		t.Fatalf("fixture has %d groups, want %d", len(groups), len(want))
	}
	for id, w := range want {
		g := groups[id].(map[string]any)
		if g["name"] != w[0] || g["type"] != w[1] {
			t.Errorf("group %s is %q (%v), want %q (%s)", id, g["name"], g["type"], w[0], w[1])
		}
		for _, lid := range idsOf(g["lights"]) {
			if _, ok := lights[lid]; !ok {
				t.Errorf("group %s lists missing light %s", id, lid)
			}
		}
		if _, ok := g["class"]; !ok && w[1] != "LightGroup" {
			t.Errorf("group %s has no class", id)
		}
	}
}

// The fixture's group states must agree with its lights, or the emulator
// (which works them out from the lights) would contradict its own file.
func TestFixtureGroupStatesAgreeWithLights(t *testing.T) {
	s := serve(t, nil)
	got := decode(t, newClient(t, s).get(api("groups")).body)
	want := fixtureJSON(t)["groups"]
	for id, g := range want.(map[string]any) {
		gs, ws := got.(map[string]any)[id].(map[string]any)["state"], g.(map[string]any)["state"]
		if !reflect.DeepEqual(gs, ws) {
			t.Errorf("group %s: fixture says %v, lights say %v", id, ws, gs)
		}
	}
}

func TestFixtureScenesRecallExistingLights(t *testing.T) {
	f := fixtureJSON(t)
	lights := f["lights"].(map[string]any)
	types := map[string]int{}
	for id, v := range f["scenes"].(map[string]any) {
		sc := v.(map[string]any)
		types[sc["type"].(string)]++
		if sc["type"] == "GroupScene" {
			if _, ok := f["groups"].(map[string]any)[sc["group"].(string)]; !ok {
				t.Errorf("scene %s: group %v missing", id, sc["group"])
			}
		}
		members := idsOf(sc["lights"])
		for lid := range sc["lightstates"].(map[string]any) {
			if _, ok := lights[lid]; !ok || !slices.Contains(members, lid) {
				t.Errorf("scene %s: lightstate for light %s not in its lights", id, lid)
			}
		}
	}
	if types["GroupScene"] < 2 || types["LightScene"] < 1 {
		t.Errorf("scene types %v, want 2 GroupScenes and a LightScene", types)
	}
}

func TestFixtureConfigHasIdentityAndTwoWhitelistKeys(t *testing.T) {
	c := fixtureJSON(t)["config"].(map[string]any)
	want := map[string]string{"bridgeid": "001788FFFE123456", "modelid": "BSB002", "apiversion": "1.65.0"}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("config %s = %v, want %s", k, c[k], v)
		}
	}
	for _, k := range []string{"name", "swversion", "mac", "ipaddress", "datastoreversion"} {
		if s, _ := c[k].(string); s == "" {
			t.Errorf("config %s missing", k)
		}
	}
	if wl := c["whitelist"].(map[string]any); len(wl) != 2 {
		t.Errorf("whitelist has %d keys, want 2", len(wl))
	}
}
