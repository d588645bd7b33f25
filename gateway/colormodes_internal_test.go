package gateway

import (
	"slices"
	"testing"

	"github.com/huegate/huegate/hue"
)

func TestColorModesFollowTheHueTypeOrTheStateFields(t *testing.T) {
	tests := []struct {
		name string
		l    hue.Light
		want []string
	}{
		{"a plug", hue.Light{Type: "On/Off plug-in unit"}, []string{"onoff"}},
		{"type in other case", hue.Light{Type: "dimmable LIGHT"}, []string{"brightness"}},
		{"extended colour", hue.Light{Type: "Extended color light"}, []string{"color_temp", "xy"}},
		{"unknown type with ct and xy", hue.Light{Type: "Odd light", State: hue.LightState{Bri: 3, CT: 300, XY: []float32{0.1, 0.2}}}, []string{"color_temp", "xy"}},
		{"unknown type with brightness", hue.Light{Type: "Odd light", State: hue.LightState{Bri: 3}}, []string{"brightness"}},
		{"unknown type with nothing", hue.Light{Type: "Odd"}, []string{"onoff"}},
	}
	for _, tt := range tests {
		if got := colorModes(tt.l); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestGroupModesAreWhatTheMembersDoTogether(t *testing.T) {
	tests := []struct {
		name    string
		members [][]string
		want    []string
	}{
		{"plugs only", [][]string{{"onoff"}, {"onoff"}}, []string{"onoff"}},
		{"a plug and a dimmable", [][]string{{"onoff"}, {"brightness"}}, []string{"brightness"}},
		{"ambiance and colour", [][]string{{"color_temp"}, {"xy"}, {"onoff"}}, []string{"color_temp", "xy"}},
		{"no members", nil, []string{"onoff"}},
	}
	for _, tt := range tests {
		if got := groupModes(tt.members); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := colorMode([]string{"color_temp", "xy"}, "hs"); got != "xy" {
		t.Errorf("hs on an extended colour light reads %s, want xy", got)
	}
	if got := colorMode([]string{"color_temp"}, "xy"); got != "color_temp" {
		t.Errorf("a stale xy on an ambiance light reads %s, want color_temp", got)
	}
}
