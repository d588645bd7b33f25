package gateway_test

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// z2mState is the part of a state payload zigbee2mqtt users and Home
// Assistant's JSON light schema read.
type z2mState struct {
	State      string   `json:"state"`
	Brightness *int     `json:"brightness"`
	ColorMode  string   `json:"color_mode"`
	ColorTemp  *int     `json:"color_temp"`
	Color      *z2mXY   `json:"color"`
	On         *bool    `json:"on"`  // huegate's own field, still there
	Bri        *int     `json:"bri"` // likewise
	Reachable  *bool    `json:"reachable"`
	Lights     []string `json:"lights"`
}

type z2mXY struct {
	X, Y            float64
	Hue, Saturation int
}

func TestStatePayloadsCarryTheZigbee2MQTTFields(t *testing.T) {
	s := newStack(t, nil, stateOn(time.Hour))
	rec := mqtttest.Subscribe(t, s.broker.URL, "huegate/+/+/state")
	ptr := func(i int) *int { return &i }
	want := map[string]z2mState{
		"huegate/lights/küche-decke/state":    {State: "ON", Brightness: ptr(200), ColorMode: "color_temp", ColorTemp: ptr(366)},
		"huegate/lights/lámpara-sala/state":   {State: "OFF", Brightness: ptr(128), ColorMode: "brightness"},
		"huegate/lights/desk-lamp/state":      {State: "ON", Brightness: ptr(180), ColorMode: "color_temp", ColorTemp: ptr(366), Color: &z2mXY{0.4575, 0.4099, 46, 55}},
		"huegate/lights/spot-1/state":         {State: "OFF", Brightness: ptr(254), ColorMode: "xy", ColorTemp: ptr(199), Color: &z2mXY{0.3144, 0.3301, 228, 30}},
		"huegate/lights/ledstrip/state":       {State: "ON", Brightness: ptr(120), ColorMode: "xy", Color: &z2mXY{0.1908, 0.0947, 258, 79}},
		"huegate/lights/coffee-machine/state": {State: "OFF", ColorMode: "onoff"},
		"huegate/groups/kitchen/state":        {State: "ON", Brightness: ptr(200), ColorMode: "color_temp", ColorTemp: ptr(366)},
		"huegate/groups/tv-area/state": {State: "ON", Brightness: ptr(150), // the mean of its lights on (180, 120), not its last command (120)
			ColorMode: "xy", ColorTemp: ptr(366), Color: &z2mXY{0.1908, 0.0947, 258, 79}},
	}
	for topic, w := range want {
		m := rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return m.Topic == topic })
		var got z2mState
		if err := json.Unmarshal(m.Payload, &got); err != nil {
			t.Fatalf("%s: %v", topic, err)
		}
		if got.On == nil || got.Bri == nil {
			t.Errorf("%s lost huegate's own fields: %s", topic, m.Payload)
		}
		got.On, got.Bri, got.Reachable, got.Lights = nil, nil, nil, nil
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %s\nwant %+v", topic, m.Payload, w)
		}
	}
}

// A change made in the Hue app by hue and saturation shows as that colour:
// the bridge's xy follows hue/sat, and so does the state topic.
func TestAHueAndSaturationChangeShowsAsItsColour(t *testing.T) {
	s := newStack(t, []mapping.Mapping{deskMapping()}, stateOn(50*time.Millisecond))
	rec := mqtttest.Subscribe(t, s.broker.URL, "huegate/lights/desk-lamp/state")
	if err := s.bridge.Bridge.SetLightState("3", map[string]any{"hue": 0, "sat": 254}); err != nil {
		t.Fatal(err)
	}
	wx, wy, _ := mapping.RGBToXY(255, 0, 0)
	m := rec.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return strings.Contains(string(m.Payload), `"colormode":"hs"`) })
	var got z2mState
	if err := json.Unmarshal(m.Payload, &got); err != nil {
		t.Fatal(err)
	}
	if got.Color == nil || math.Abs(got.Color.X-wx) > 1e-3 || math.Abs(got.Color.Y-wy) > 1e-3 || got.Color.Hue != 0 || got.Color.Saturation != 100 {
		t.Fatalf("red by hue/sat shows as %s", m.Payload)
	}
}
