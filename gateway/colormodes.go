package gateway

import (
	"math"
	"slices"
	"strings"

	"github.com/huegate/huegate/hue"
)

// Colour modes, in the words zigbee2mqtt and Home Assistant's JSON light
// schema use. onoff and brightness stand alone; color_temp and xy combine.
const (
	modeOnOff      = "onoff"
	modeBrightness = "brightness"
	modeColorTemp  = "color_temp"
	modeXY         = "xy"
)

// colorModes are the colour modes of a light, from its Hue type, or from
// the fields its state has when the type is one Hue does not document.
func colorModes(l hue.Light) []string {
	switch strings.ToLower(l.Type) {
	case "on/off plug-in unit", "on/off light":
		return []string{modeOnOff}
	case "dimmable light", "dimmable plug-in unit":
		return []string{modeBrightness}
	case "color temperature light":
		return []string{modeColorTemp}
	case "color light":
		return []string{modeXY}
	case "extended color light":
		return []string{modeColorTemp, modeXY}
	}
	return modesFromState(l.State)
}

func modesFromState(st hue.LightState) []string {
	var modes []string
	if st.CT > 0 {
		modes = append(modes, modeColorTemp)
	}
	if len(st.XY) == 2 {
		modes = append(modes, modeXY)
	}
	switch {
	case len(modes) > 0:
		return modes
	case st.Bri > 0:
		return []string{modeBrightness}
	}
	return []string{modeOnOff}
}

// groupModes are what a group's members can do together: every colour mode
// any member has, else brightness if any member dims, else on/off.
func groupModes(members [][]string) []string {
	var ct, xy, bri bool
	for _, m := range members {
		ct = ct || slices.Contains(m, modeColorTemp)
		xy = xy || slices.Contains(m, modeXY)
		bri = bri || !slices.Contains(m, modeOnOff)
	}
	var modes []string
	if ct {
		modes = append(modes, modeColorTemp)
	}
	if xy {
		modes = append(modes, modeXY)
	}
	switch {
	case len(modes) > 0:
		return modes
	case bri:
		return []string{modeBrightness}
	}
	return []string{modeOnOff}
}

// colorMode is the mode a light is in, as one of its modes: Hue's "ct" is
// color_temp, and "hs" is shown as xy, which the bridge reports too.
func colorMode(modes []string, hueMode string) string {
	if hueMode == "ct" && slices.Contains(modes, modeColorTemp) {
		return modeColorTemp
	}
	if slices.Contains(modes, modeXY) {
		return modeXY
	}
	return modes[0]
}

// haFields are the fields of zigbee2mqtt's state payload, which Home
// Assistant's JSON light schema reads, added to huegate's own so one
// retained topic serves both.
type haFields struct {
	State      string   `json:"state"` // ON or OFF
	Brightness *uint8   `json:"brightness,omitempty"`
	ColorMode  string   `json:"color_mode"`
	ColorTemp  uint16   `json:"color_temp,omitempty"`
	Color      *haColor `json:"color,omitempty"`
}

type haColor struct {
	X          float32 `json:"x"`
	Y          float32 `json:"y"`
	Hue        uint16  `json:"hue"`        // degrees
	Saturation uint8   `json:"saturation"` // percent
}

// newHAFields fills the fields for a light or group in the given modes.
func newHAFields(on bool, st hue.LightState, modes []string) haFields {
	f := haFields{State: "OFF", ColorMode: colorMode(modes, st.ColorMode)}
	if on {
		f.State = "ON"
	}
	if !slices.Contains(modes, modeOnOff) {
		bri := st.Bri
		f.Brightness = &bri
	}
	if slices.Contains(modes, modeColorTemp) {
		f.ColorTemp = st.CT
	}
	if slices.Contains(modes, modeXY) && len(st.XY) == 2 {
		f.Color = &haColor{X: st.XY[0], Y: st.XY[1],
			Hue:        uint16(math.Round(float64(st.Hue) * 360 / 65535)),
			Saturation: uint8(math.Round(float64(st.Sat) * 100 / 254))}
	}
	return f
}

// modesOf is what a group's members can do, as far as the mirror knows
// them. Callers hold s.mu.
func (s *bridgeState) modesOf(g hue.Group) []string {
	members := make([][]string, 0, len(g.Lights))
	for _, id := range g.Lights {
		if e := s.lights[id]; e != nil {
			members = append(members, colorModes(e.light))
		}
	}
	return groupModes(members)
}

// supported keeps of a light command what the light can do: a bridge
// refuses brightness for a plug, or xy for a colour-temperature lamp, with
// an error for the whole command, so the plug would not even switch on.
// A light the mirror does not know yet gets the command as it is.
func (s *bridgeState) supported(id string, st hue.State) hue.State {
	s.mu.Lock()
	e := s.lights[id]
	var modes []string
	var ctMin, ctMax uint16
	if e != nil {
		modes = colorModes(e.light)
		ctMin, ctMax = e.light.CTMin, e.light.CTMax
	}
	s.mu.Unlock()
	if e == nil {
		return st
	}
	if st.Has(hue.FieldCT) && ctMin > 0 {
		st.CT = min(max(st.CT, ctMin), ctMax) // the lamp's range; the bridge refuses what is outside it
	}
	if slices.Equal(modes, []string{modeOnOff}) {
		st.Fields &^= hue.FieldBri
	}
	if !slices.Contains(modes, modeColorTemp) {
		st.Fields &^= hue.FieldCT
	}
	if !slices.Contains(modes, modeXY) {
		st.Fields &^= hue.FieldXY | hue.FieldHue | hue.FieldSat
	}
	return st
}
