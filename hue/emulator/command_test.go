package emulator

import (
	"fmt"
	"testing"
)

const desk = "3" // "Desk lamp", Extended color light, on at bri 180, ct 366

func TestLightCommandsApplyLikeABridge(t *testing.T) {
	cases := []struct {
		name  string
		id    string
		setup map[string]any
		body  string
		want  string
		check func(LightState) bool
	}{
		{name: "bri on a light that is on is applied", id: desk, body: `{"bri":77}`,
			want:  `[{"success":{"/lights/3/state/bri":77}}]`,
			check: func(s LightState) bool { return s.On && s.Bri == 77 }},
		{name: "bri on a light that is off is refused with 201 and not applied", id: "5", body: `{"bri":77}`,
			want:  `[{"error":{"type":201,"address":"/lights/5/state/bri","description":"parameter, bri, is not modifiable. Device is set to off."}}]`,
			check: func(s LightState) bool { return !s.On && s.Bri == 254 }},
		{name: "on true with bri switches an off light on at that brightness", id: "5", body: `{"on":true,"bri":77}`,
			want:  `[{"success":{"/lights/5/state/on":true}},{"success":{"/lights/5/state/bri":77}}]`,
			check: func(s LightState) bool { return s.On && s.Bri == 77 }},
		{name: "on true may come after bri in the body", id: "5", body: `{"bri":77,"on":true}`,
			want:  `[{"success":{"/lights/5/state/bri":77}},{"success":{"/lights/5/state/on":true}}]`,
			check: func(s LightState) bool { return s.On && s.Bri == 77 }},
		{name: "the other fields succeed beside a 201", id: "5", body: `{"transitiontime":4,"alert":"select","hue":100,"bri":200}`,
			want: `[{"success":{"/lights/5/state/transitiontime":4}},{"success":{"/lights/5/state/alert":"select"}},
				{"error":{"type":201,"address":"/lights/5/state/hue","description":"parameter, hue, is not modifiable. Device is set to off."}},
				{"error":{"type":201,"address":"/lights/5/state/bri","description":"parameter, bri, is not modifiable. Device is set to off."}}]`,
			check: func(s LightState) bool { return !s.On && s.Bri == 254 && s.Hue == 41442 }},
		{name: "on false switches off", id: desk, body: `{"on":false}`,
			want:  `[{"success":{"/lights/3/state/on":false}}]`,
			check: func(s LightState) bool { return !s.On && s.Bri == 180 }},
		{name: "hue and sat set colormode hs", id: desk, body: `{"hue":1000,"sat":200}`,
			want:  `[{"success":{"/lights/3/state/hue":1000}},{"success":{"/lights/3/state/sat":200}}]`,
			check: func(s LightState) bool { return s.Hue == 1000 && s.Sat == 200 && s.ColorMode == "hs" }},
		{name: "xy sets colormode xy", id: desk, body: `{"xy":[0.2,0.3]}`,
			want:  `[{"success":{"/lights/3/state/xy":[0.2,0.3]}}]`,
			check: func(s LightState) bool { return s.XY == [2]float64{0.2, 0.3} && s.ColorMode == "xy" }},
		{name: "ct on an extended color light sets colormode ct", id: "5", setup: map[string]any{"on": true}, body: `{"ct":300}`,
			want:  `[{"success":{"/lights/5/state/ct":300}}]`,
			check: func(s LightState) bool { return s.CT == 300 && s.ColorMode == "ct" }},
		{name: "xy outranks ct and hue in one body", id: desk, body: `{"xy":[0.2,0.3],"ct":300,"hue":5}`,
			want:  `[{"success":{"/lights/3/state/xy":[0.2,0.3]}},{"success":{"/lights/3/state/ct":300}},{"success":{"/lights/3/state/hue":5}}]`,
			check: func(s LightState) bool { return s.ColorMode == "xy" }},
		{name: "bri_inc adds and stops at 254", id: desk, body: `{"bri_inc":100}`,
			want:  `[{"success":{"/lights/3/state/bri_inc":100}}]`,
			check: func(s LightState) bool { return s.Bri == 254 }},
		{name: "bri_inc subtracts and stops at 1", id: desk, body: `{"bri_inc":-254}`,
			want:  `[{"success":{"/lights/3/state/bri_inc":-254}}]`,
			check: func(s LightState) bool { return s.Bri == 1 && s.On }},
		{name: "hue_inc wraps around the color wheel", id: desk, setup: map[string]any{"hue": 65000}, body: `{"hue_inc":1000}`,
			want:  `[{"success":{"/lights/3/state/hue_inc":1000}}]`,
			check: func(s LightState) bool { return s.Hue == 464 && s.ColorMode == "hs" }},
		{name: "bri_inc on an off light is refused with 201", id: "2", body: `{"bri_inc":10}`,
			want:  `[{"error":{"type":201,"address":"/lights/2/state/bri_inc","description":"parameter, bri_inc, is not modifiable. Device is set to off."}}]`,
			check: func(s LightState) bool { return s.Bri == 128 }},
		{name: "effect colorloop is taken", id: desk, body: `{"effect":"colorloop"}`,
			want:  `[{"success":{"/lights/3/state/effect":"colorloop"}}]`,
			check: func(s LightState) bool { return s.On }},
		{name: "a plug switches on", id: "20", body: `{"on":true}`,
			want:  `[{"success":{"/lights/20/state/on":true}}]`,
			check: func(s LightState) bool { return s.On }},
		{name: "a plug has no brightness", id: "20", body: `{"on":true,"bri":100}`,
			want:  `[{"success":{"/lights/20/state/on":true}},{"error":{"type":6,"address":"/lights/20/state/bri","description":"parameter, bri, not available"}}]`,
			check: func(s LightState) bool { return s.On && s.Bri == 0 }},
		{name: "a dimmable light has no hue", id: "2", body: `{"on":true,"hue":100}`,
			want:  `[{"success":{"/lights/2/state/on":true}},{"error":{"type":6,"address":"/lights/2/state/hue","description":"parameter, hue, not available"}}]`,
			check: func(s LightState) bool { return s.On && s.Hue == 0 }},
		{name: "a color light has no ct", id: "7", body: `{"ct":300}`,
			want:  `[{"error":{"type":6,"address":"/lights/7/state/ct","description":"parameter, ct, not available"}}]`,
			check: func(s LightState) bool { return s.CT == 0 && s.ColorMode == "hs" }},
		{name: "an unknown field is not available", id: desk, body: `{"brightness":100,"bri":100}`,
			want:  `[{"error":{"type":6,"address":"/lights/3/state/brightness","description":"parameter, brightness, not available"}},{"success":{"/lights/3/state/bri":100}}]`,
			check: func(s LightState) bool { return s.Bri == 100 }},
		{name: "an unreachable light still takes commands", id: "31", body: `{"bri":10}`,
			want:  `[{"success":{"/lights/31/state/bri":10}}]`,
			check: func(s LightState) bool { return s.Bri == 10 && !s.Reachable }},
		{name: "an unknown light is not available", id: "99", body: `{"on":true}`,
			want: `[{"error":{"type":3,"address":"/lights/99","description":"resource, /lights/99, not available"}}]`},
		{name: "a body that is not JSON is invalid json", id: desk, body: `{"bri":`,
			want:  `[{"error":{"type":2,"address":"/lights/3/state","description":"body contains invalid json"}}]`,
			check: func(s LightState) bool { return s.Bri == 180 }},
		{name: "a JSON array is invalid json too", id: desk, body: `[{"bri":1}]`,
			want: `[{"error":{"type":2,"address":"/lights/3/state","description":"body contains invalid json"}}]`},
		{name: "trailing data after the object is invalid json", id: desk, body: `{"bri":1} x`,
			want:  `[{"error":{"type":2,"address":"/lights/3/state","description":"body contains invalid json"}}]`,
			check: func(s LightState) bool { return s.Bri == 180 }},
		{name: "an empty body is invalid json", id: desk, body: ``,
			want: `[{"error":{"type":2,"address":"/lights/3/state","description":"body contains invalid json"}}]`},
		{name: "an empty object has no parameters", id: desk, body: `{}`,
			want: `[{"error":{"type":5,"address":"/lights/3/state","description":"invalid/missing parameters in body"}}]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := serve(t, nil)
			if tc.setup != nil {
				if err := s.Bridge.SetLightState(tc.id, tc.setup); err != nil {
					t.Fatal(err)
				}
			}
			assertJSON(t, newClient(t, s).put(api("lights", tc.id, "state"), tc.body).body, tc.want)
			if tc.check == nil {
				return
			}
			if st := light(t, s.Bridge, tc.id); !tc.check(st) {
				t.Errorf("state after the command: %+v", st)
			}
		})
	}
}

func TestInvalidValuesAreRefusedWithError7AndNotApplied(t *testing.T) {
	cases := []struct{ field, value, shown string }{
		{"bri", "0", "0"}, {"bri", "255", "255"}, {"bri", "1.5", "1.5"}, {"bri", `"100"`, "100"},
		{"bri", "null", "null"}, {"bri", "true", "true"},
		{"hue", "-1", "-1"}, {"hue", "65536", "65536"}, {"sat", "255", "255"},
		{"ct", "152", "152"}, {"ct", "501", "501"},
		{"xy", "[1.2,0.3]", "[1.2,0.3]"}, {"xy", "[0.3]", "[0.3]"}, {"xy", `"0.3,0.3"`, "0.3,0.3"},
		{"on", `"true"`, "true"}, {"on", "1", "1"},
		{"alert", `"blink"`, "blink"}, {"effect", `"rainbow"`, "rainbow"},
		{"transitiontime", "-1", "-1"}, {"transitiontime", "65536", "65536"},
		{"bri_inc", "255", "255"},
	}
	s := serve(t, nil)
	c := newClient(t, s)
	before := light(t, s.Bridge, desk)
	for _, tc := range cases {
		body := fmt.Sprintf(`{%q:%s}`, tc.field, tc.value)
		t.Run(body, func(t *testing.T) {
			want := fmt.Sprintf(`[{"error":{"type":7,"address":"/lights/3/state/%s","description":"invalid value, %s, for parameter, %s"}}]`,
				tc.field, tc.shown, tc.field)
			assertJSON(t, c.put(api("lights", desk, "state"), body).body, want)
		})
	}
	if after := light(t, s.Bridge, desk); after != before {
		t.Errorf("refused values changed the light: %+v, was %+v", after, before)
	}
}
