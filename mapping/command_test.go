package mapping

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseCommandAcceptsZigbee2MQTTStyle(t *testing.T) {
	on, off, toggle := SwitchOn, SwitchOff, SwitchToggle
	tests := []struct {
		name    string
		payload string
		group   bool
		want    Command
	}{
		{"ON", "ON", false, Command{Switch: on}},
		{"off in lower case", "off", false, Command{Switch: off}},
		{"TOGGLE in any case", " Toggle\n", false, Command{Switch: toggle}},
		{"a plain number is a brightness", "127", false, Command{Switch: on, Parts: PartBri, Bri: 127}},
		{"a plain 0 is off", "0", false, Command{Switch: off}},
		{"a plain number above 254 clamps", "300", false, Command{Switch: on, Parts: PartBri, Bri: 254}},
		{"a percentage of 0..254", "50%", false, Command{Switch: on, Parts: PartBri, Bri: 127}},
		{"JSON state ON", `{"state":"ON"}`, false, Command{Switch: on}},
		{"JSON state in lower case", `{"state":"off"}`, false, Command{Switch: off}},
		{"JSON TOGGLE", `{"state":"TOGGLE"}`, false, Command{Switch: toggle}},
		{"TOGGLE keeps a brightness for when it turns on", `{"state":"TOGGLE","brightness":30}`, false, Command{Switch: toggle, Parts: PartBri, Bri: 30}},
		{"state and brightness", `{"state":"ON","brightness":10}`, false, Command{Switch: on, Parts: PartBri, Bri: 10}},
		{"brightness alone switches on", `{"brightness":200}`, false, Command{Switch: on, Parts: PartBri, Bri: 200}},
		{"brightness 0 is off", `{"state":"ON","brightness":0}`, false, Command{Switch: off}},
		{"brightness rounds and clamps to 1", `{"brightness":0.4}`, false, Command{Switch: on, Parts: PartBri, Bri: 1}},
		{"OFF drops colour", `{"state":"OFF","brightness":100,"color_temp":300}`, false, Command{Switch: off}},
		{"color_temp alone switches on", `{"color_temp":366}`, false, Command{Switch: on, Parts: PartCT, CT: 366}},
		{"color_temp clamps to 153..500", `{"color_temp":100}`, false, Command{Switch: on, Parts: PartCT, CT: 153}},
		{"color_temp above 500 clamps", `{"color_temp":9000}`, false, Command{Switch: on, Parts: PartCT, CT: 500}},
		{"xy", `{"color":{"x":0.3,"y":0.6}}`, false, Command{Switch: on, Parts: PartXY, XY: [2]float64{0.3, 0.6}}},
		{"hue 0 and saturation 0 are values", `{"color":{"hue":0,"saturation":0}}`, false, Command{Switch: on, Parts: PartHS}},
		{"hue and saturation scale to the bridge", `{"color":{"hue":180,"saturation":50}}`, false, Command{Switch: on, Parts: PartHS, Hue: 32768, Sat: 127}},
		{"hue 360 is the top of the wheel", `{"color":{"hue":360,"saturation":100}}`, false, Command{Switch: on, Parts: PartHS, Hue: 65535, Sat: 254}},
		{"h and s as Home Assistant writes them", `{"color":{"h":90,"s":100}}`, false, Command{Switch: on, Parts: PartHS, Hue: 16384, Sat: 254}},
		{"xy wins over hue in an echoed state", `{"color":{"x":0.1,"y":0.2,"hue":10,"saturation":5}}`, false, Command{Switch: on, Parts: PartXY, XY: [2]float64{0.1, 0.2}}},
		{"transition 0 is instant", `{"state":"ON","transition":0}`, false, Command{Switch: on, Parts: PartTransition}},
		{"transition in seconds to 100 ms steps", `{"brightness":5,"transition":1.25}`, false, Command{Switch: on, Parts: PartBri | PartTransition, Bri: 5, Transition: 13}},
		{"a long transition clamps", `{"state":"ON","transition":1e9}`, false, Command{Switch: on, Parts: PartTransition, Transition: 65535}},
		{"a scene on a group", `{"scene":" Relax "}`, true, Command{Parts: PartScene, Scene: "Relax"}},
		{"a scene with a transition", `{"scene":"Relax","transition":2}`, true, Command{Parts: PartScene | PartTransition, Scene: "Relax", Transition: 20}},
		{"whitespace around JSON", "\n {\"state\":\"ON\"} \n", false, Command{Switch: on}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCommand([]byte(tt.payload), tt.group)
			if err != nil {
				t.Fatalf("ParseCommand(%q): %v", tt.payload, err)
			}
			if got != tt.want {
				t.Fatalf("ParseCommand(%q) = %+v, want %+v", tt.payload, got, tt.want)
			}
		})
	}
}

func TestParseCommandConvertsRGBToXY(t *testing.T) {
	c, err := ParseCommand([]byte(`{"color":{"r":255,"g":0,"b":0}}`), false)
	if err != nil {
		t.Fatal(err)
	}
	if c.Switch != SwitchOn || c.Parts != PartXY || !near(c.XY[0], 0.7006) || !near(c.XY[1], 0.2993) {
		t.Fatalf("red = %+v", c)
	}
}

func TestParseCommandRefusesWithAReasonNamingTheField(t *testing.T) {
	tests := []struct {
		name, payload string
		group         bool
		reason        string
		mentions      string
	}{
		{"empty", " ", false, "empty", ""},
		{"invalid UTF-8", "\xff", false, "invalid_utf8", ""},
		{"too large", `{"scene":"` + strings.Repeat("a", MaxPayload) + `"}`, true, "too_large", ""},
		{"words", "bright", false, "not_a_command", ""},
		{"NaN", "NaN", false, "not_a_command", ""},
		{"an overflowing number", "1e999", false, "not_finite", ""},
		{"broken JSON", `{"state":`, false, "invalid_json", ""},
		{"a JSON array", `[1]`, false, "not_a_command", ""},
		{"an unknown field", `{"state":"ON","brigthness":3}`, false, "unknown_field", `"brigthness"`},
		{"an unknown state", `{"state":"DIM"}`, false, "bad_value", "state"},
		{"a state that is not a string", `{"state":true}`, false, "bad_value", "state"},
		{"a brightness string", `{"brightness":"100"}`, false, "bad_value", "brightness"},
		{"a brightness null", `{"brightness":null}`, false, "bad_value", "brightness"},
		{"an overflowing brightness", `{"brightness":1e999}`, false, "bad_value", "finite"},
		{"a negative transition", `{"state":"ON","transition":-1}`, false, "bad_value", "transition"},
		{"transition alone does nothing", `{"transition":1}`, false, "nothing_to_do", ""},
		{"an empty object does nothing", `{}`, false, "nothing_to_do", ""},
		{"x outside 0..1", `{"color":{"x":1.2,"y":0.3}}`, false, "bad_value", "color.x"},
		{"x without y", `{"color":{"x":0.2}}`, false, "bad_value", `"y" is missing`},
		{"hue outside 0..360", `{"color":{"hue":400,"saturation":10}}`, false, "bad_value", "color.hue"},
		{"saturation outside 0..100", `{"color":{"hue":40,"saturation":101}}`, false, "bad_value", "color.saturation"},
		{"rgb outside 0..255", `{"color":{"r":256,"g":0,"b":0}}`, false, "bad_value", "color.r"},
		{"rgb missing a channel", `{"color":{"r":25,"g":0}}`, false, "bad_value", `"b" is missing`},
		{"black", `{"color":{"r":0,"g":0,"b":0}}`, false, "bad_value", "black"},
		{"an unknown colour member", `{"color":{"hex":"#ff0000"}}`, false, "unknown_field", `"hex"`},
		{"colour that is not an object", `{"color":"red"}`, false, "bad_value", "color"},
		{"an empty colour", `{"color":{}}`, false, "bad_value", "empty"},
		{"color and color_temp together", `{"color_temp":300,"color":{"x":0.3,"y":0.3}}`, false, "bad_value", "either"},
		{"a scene on a light", `{"scene":"Relax"}`, false, "scene_on_light", "group"},
		{"an empty scene", `{"scene":" "}`, true, "bad_value", "scene"},
		{"a scene that is not a string", `{"scene":3}`, true, "bad_value", "scene"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCommand([]byte(tt.payload), tt.group)
			var rej *Reject
			if !errors.As(err, &rej) {
				t.Fatalf("ParseCommand(%q) error = %v, want a Reject", tt.payload, err)
			}
			if rej.Reason != tt.reason || !strings.Contains(rej.Error(), tt.mentions) {
				t.Fatalf("ParseCommand(%q) = %s: %q, want %s mentioning %q", tt.payload, rej.Reason, rej.Error(), tt.reason, tt.mentions)
			}
		})
	}
}

func TestRGBToXYMatchesThePhilipsConversion(t *testing.T) {
	// Expected values worked out by hand from the gamma curve and the
	// wide-gamut D65 matrix Philips publishes for Hue.
	tests := []struct {
		name    string
		r, g, b float64
		x, y    float64
	}{
		{"white is near D65", 255, 255, 255, 0.3227, 0.3290},
		{"red", 255, 0, 0, 0.7006, 0.2993},
		{"green", 0, 255, 0, 0.1724, 0.7468},
		{"blue", 0, 0, 255, 0.1355, 0.0399},
		{"grey has white's chromaticity", 128, 128, 128, 0.3227, 0.3290},
		{"a dark value on the linear part of the curve", 10, 0, 0, 0.7006, 0.2993},
		{"orange", 255, 165, 0, 0.5622, 0.4166},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, y, ok := RGBToXY(tt.r, tt.g, tt.b)
			if !ok || !near(x, tt.x) || !near(y, tt.y) {
				t.Fatalf("RGBToXY(%v,%v,%v) = %.4f,%.4f,%v, want %.4f,%.4f", tt.r, tt.g, tt.b, x, y, ok, tt.x, tt.y)
			}
		})
	}
	if _, _, ok := RGBToXY(0, 0, 0); ok {
		t.Fatal("black has a chromaticity")
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-4 }

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"ON", "toggle", "127", "0", `{"state":"ON","brightness":3,"transition":0}`,
		`{"color":{"hue":0,"saturation":0}}`, `{"color":{"r":1,"g":2,"b":3}}`,
		`{"color":{"x":0.5,"y":0.5}}`, `{"color_temp":300}`, `{"scene":"Relax"}`, "1e999", "\xff",
	} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, payload []byte, group bool) {
		c, err := ParseCommand(payload, group)
		if err != nil {
			var rej *Reject
			if !errors.As(err, &rej) || rej.Reason == "" || !utf8.ValidString(rej.Error()) {
				t.Fatalf("error %v is not a readable Reject", err)
			}
			return
		}
		if len(payload) > MaxPayload || !utf8.Valid(payload) {
			t.Fatalf("accepted %q", payload)
		}
		checkCommand(t, payload, group, c)
	})
}

// checkCommand holds what every accepted command must satisfy.
func checkCommand(t *testing.T, payload []byte, group bool, c Command) {
	t.Helper()
	bad := func(what string) { t.Fatalf("ParseCommand(%q) = %+v: %s", payload, c, what) }
	switch {
	case c.Switch > SwitchToggle:
		bad("unknown switch")
	case c.Switch == SwitchNone && !c.Has(PartScene):
		bad("does nothing")
	case c.Switch == SwitchOff && c.Parts&partsColour != 0:
		bad("colour on an off command")
	case c.Has(PartBri) && (c.Bri < 1 || c.Bri > MaxBri):
		bad("brightness out of range")
	case c.Has(PartCT) && (c.CT < MinCT || c.CT > MaxCT):
		bad("colour temperature out of range")
	case c.Has(PartXY) && !(c.XY[0] >= 0 && c.XY[0] <= 1 && c.XY[1] >= 0 && c.XY[1] <= 1):
		bad("xy out of range")
	case c.Sat > MaxBri:
		bad("saturation out of range")
	case c.Has(PartScene) && (!group || c.Scene == ""):
		bad("scene where none can be")
	}
}
