package emulator

import (
	"testing"
)

func TestGroupOnSwitchesEveryMemberOn(t *testing.T) {
	s := serve(t, nil)
	assertJSON(t, newClient(t, s).put(api("groups", "1", "action"), `{"on":true}`).body,
		`[{"success":{"/groups/1/action/on":true}}]`)
	for _, id := range []string{"2", "3", "5", "7"} {
		if !light(t, s.Bridge, id).On {
			t.Errorf("light %s still off", id)
		}
	}
	g, _ := s.Bridge.Group("1")
	if !g.AllOn || !g.AnyOn || !g.Action.On {
		t.Errorf("group 1 after on: %+v", g)
	}
	if light(t, s.Bridge, "20").On {
		t.Error("light 20, outside the group, was switched on")
	}
}

// A group command is sent to every member; members that cannot take a
// field (off, or of the wrong type) ignore it instead of failing the call.
func TestGroupBriSkipsMembersThatAreOffWithout201(t *testing.T) {
	s := serve(t, nil)
	assertJSON(t, newClient(t, s).put(api("groups", "1", "action"), `{"bri":50}`).body,
		`[{"success":{"/groups/1/action/bri":50}}]`)
	want := map[string]LightState{
		"2": {On: false, Bri: 128},
		"3": {On: true, Bri: 50},
		"5": {On: false, Bri: 254},
		"7": {On: true, Bri: 50},
	}
	for id, w := range want {
		if got := light(t, s.Bridge, id); got.On != w.On || got.Bri != w.Bri {
			t.Errorf("light %s: on=%v bri=%d, want on=%v bri=%d", id, got.On, got.Bri, w.On, w.Bri)
		}
	}
	if g, _ := s.Bridge.Group("1"); g.Action.Bri != 50 || g.AllOn || !g.AnyOn {
		t.Errorf("group 1: %+v", g)
	}
}

func TestGroupCtReachesOnlyMembersWithCt(t *testing.T) {
	s := serve(t, nil)
	newClient(t, s).put(api("groups", "1", "action"), `{"on":true,"ct":300}`)
	if st := light(t, s.Bridge, desk); st.CT != 300 || st.ColorMode != "ct" {
		t.Errorf("desk lamp: %+v", st)
	}
	if st := light(t, s.Bridge, "7"); st.CT != 0 || st.ColorMode != "hs" || !st.On {
		t.Errorf("color light without ct: %+v", st)
	}
}

func TestGroupZeroCommandsAllLights(t *testing.T) {
	s := serve(t, nil)
	c := newClient(t, s)
	assertJSON(t, c.put(api("groups", "0", "action"), `{"on":false}`).body,
		`[{"success":{"/groups/0/action/on":false}}]`)
	for _, id := range []string{"1", "2", "3", "5", "7", "12", "20", "31"} {
		if light(t, s.Bridge, id).On {
			t.Errorf("light %s still on", id)
		}
	}
	g := decode(t, c.get(api("groups", "0")).body).(map[string]any)
	if g["state"].(map[string]any)["any_on"] != false || g["action"].(map[string]any)["on"] != false {
		t.Errorf("group 0 after all off: %v", g)
	}
}

func TestGroupStateFollowsLightCommands(t *testing.T) {
	s := serve(t, nil)
	c := newClient(t, s)
	c.put(api("lights", "12", "state"), `{"on":false}`)
	c.put(api("lights", "31", "state"), `{"on":false}`)
	g := decode(t, c.get(api("groups", "7")).body).(map[string]any)
	if st := g["state"].(map[string]any); st["any_on"] != false || st["all_on"] != false {
		t.Errorf("Hall lights with both off: %v", st)
	}
}

func TestSceneRecallSetsItsLightStates(t *testing.T) {
	s := serve(t, nil)
	assertJSON(t, newClient(t, s).put(api("groups", "1", "action"), `{"scene":"R3laxLivingRm01"}`).body,
		`[{"success":{"/groups/1/action/scene":"R3laxLivingRm01"}}]`)
	want := map[string]func(LightState) bool{
		"2": func(s LightState) bool { return s.On && s.Bri == 144 },
		"3": func(s LightState) bool { return s.On && s.Bri == 144 && s.CT == 447 && s.ColorMode == "ct" },
		"5": func(s LightState) bool { return s.On && s.Bri == 144 && s.CT == 447 && s.ColorMode == "ct" },
		"7": func(s LightState) bool { return s.On && s.XY == [2]float64{0.5019, 0.4152} && s.ColorMode == "xy" },
	}
	for id, ok := range want {
		if st := light(t, s.Bridge, id); !ok(st) {
			t.Errorf("light %s after Relax: %+v", id, st)
		}
	}
}

func TestLightSceneRecallsThroughGroupZero(t *testing.T) {
	s := serve(t, nil)
	newClient(t, s).put(api("groups", "0", "action"), `{"scene":"N1ghtL1ghtScn01"}`)
	if st := light(t, s.Bridge, desk); st.Bri != 1 || st.ColorMode != "xy" {
		t.Errorf("desk lamp after Night light: %+v", st)
	}
	if light(t, s.Bridge, "12").On {
		t.Error("Hall/Up still on after Night light")
	}
}

func TestSceneRecallLeavesLightsOutsideTheGroup(t *testing.T) {
	s := serve(t, nil)
	before := light(t, s.Bridge, "2")
	newClient(t, s).put(api("groups", "2", "action"), `{"scene":"R3laxLivingRm01"}`)
	if after := light(t, s.Bridge, "2"); after != before {
		t.Errorf("light 2 is not in Kitchen but changed: %+v", after)
	}
}

func TestGroupCommandErrors(t *testing.T) {
	cases := []struct{ name, group, body, want string }{
		{"an unknown group is not available", "99", `{"on":true}`,
			`[{"error":{"type":3,"address":"/groups/99","description":"resource, /groups/99, not available"}}]`},
		{"an unknown scene is an invalid value", "1", `{"scene":"nope"}`,
			`[{"error":{"type":7,"address":"/groups/1/action/scene","description":"invalid value, nope, for parameter, scene"}}]`},
		{"an unknown field is not available", "1", `{"level":3}`,
			`[{"error":{"type":6,"address":"/groups/1/action/level","description":"parameter, level, not available"}}]`},
		{"an out of range value is invalid", "1", `{"bri":0}`,
			`[{"error":{"type":7,"address":"/groups/1/action/bri","description":"invalid value, 0, for parameter, bri"}}]`},
		{"a body that is not JSON is invalid json", "1", `on`,
			`[{"error":{"type":2,"address":"/groups/1/action","description":"body contains invalid json"}}]`},
	}
	s := serve(t, nil)
	c := newClient(t, s)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assertJSON(t, c.put(api("groups", tc.group, "action"), tc.body).body, tc.want)
		})
	}
	if light(t, s.Bridge, "2").On {
		t.Error("a refused group command changed light 2")
	}
}
