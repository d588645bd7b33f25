package hue

import (
	"encoding/json"
	"strconv"
)

// Field is a bit set of the State fields that are meant to be sent.
type Field uint16

// The fields of a state command.
const (
	FieldOn Field = 1 << iota
	FieldBri
	FieldHue
	FieldSat
	FieldXY
	FieldCT
	FieldTransition
	FieldScene
)

// State is a command for a light's state or a group's action. Only the fields
// in Fields are sent, so 0 and false can be sent deliberately (huego's State
// cannot send hue 0, sat 0, transitiontime 0, and sends "on": false unless
// told otherwise).
type State struct {
	Fields Field
	On     bool
	Bri    uint8
	// Brightness is Bri in percent with the finer steps CLIP v2 takes
	// (0 < Brightness <= 100); 0 means "derive it from Bri". v1 sends Bri.
	Brightness     float64
	Hue            uint16
	Sat            uint8
	XY             [2]float64
	CT             uint16
	TransitionTime uint16 // in 100 ms steps
	Scene          string // groups only
}

// Percent is the brightness in percent for CLIP v2: Brightness when set,
// else Bri on the 254-step scale.
func (s State) Percent() float64 {
	if s.Brightness > 0 {
		return min(s.Brightness, 100)
	}
	return float64(s.Bri) * 100 / 254
}

// Has reports whether f is set.
func (s State) Has(f Field) bool { return s.Fields&f != 0 }

// colour is every field an off light refuses (error 201).
const colour = FieldBri | FieldHue | FieldSat | FieldXY | FieldCT

// Merge lays n over s: every field n sets wins, the rest of s stays. A merge
// that switches the light off drops the colour fields, which an off light
// refuses and which the newer command superseded anyway, and a pending scene.
// Colour modes replace each other (the bridge would let an older xy win over
// a newer ct), and a scene, being a whole state, replaces everything pending.
func (s *State) Merge(n State) {
	defer func() {
		if s.Has(FieldOn) && !s.On {
			s.Fields &^= colour | FieldScene
		}
	}()
	switch {
	case n.Has(FieldScene):
		s.Fields = 0
	case n.Has(FieldXY):
		s.Fields &^= FieldCT | FieldHue | FieldSat
	case n.Has(FieldCT):
		s.Fields &^= FieldXY | FieldHue | FieldSat
	case n.Has(FieldHue | FieldSat):
		s.Fields &^= FieldXY | FieldCT
	}
	if n.Has(FieldOn) {
		s.On = n.On
	}
	if n.Has(FieldBri) {
		s.Bri, s.Brightness = n.Bri, n.Brightness
	}
	if n.Has(FieldHue) {
		s.Hue = n.Hue
	}
	if n.Has(FieldSat) {
		s.Sat = n.Sat
	}
	if n.Has(FieldXY) {
		s.XY = n.XY
	}
	if n.Has(FieldCT) {
		s.CT = n.CT
	}
	if n.Has(FieldTransition) {
		s.TransitionTime = n.TransitionTime
	}
	if n.Has(FieldScene) {
		s.Scene = n.Scene
	}
	s.Fields |= n.Fields
}

// MarshalJSON writes only the fields that are set, in the bridge's names.
func (s State) MarshalJSON() ([]byte, error) {
	return s.AppendJSON(make([]byte, 0, 96)), nil
}

// AppendJSON appends the JSON body of the command to b.
func (s State) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	n := len(b)
	sep := func(name string) {
		if len(b) > n {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
	}
	if s.Has(FieldOn) {
		sep("on")
		b = strconv.AppendBool(b, s.On)
	}
	if s.Has(FieldBri) {
		sep("bri")
		b = strconv.AppendUint(b, uint64(s.Bri), 10)
	}
	if s.Has(FieldHue) {
		sep("hue")
		b = strconv.AppendUint(b, uint64(s.Hue), 10)
	}
	if s.Has(FieldSat) {
		sep("sat")
		b = strconv.AppendUint(b, uint64(s.Sat), 10)
	}
	if s.Has(FieldXY) {
		sep("xy")
		b = append(b, '[')
		b = strconv.AppendFloat(b, s.XY[0], 'f', 4, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, s.XY[1], 'f', 4, 64)
		b = append(b, ']')
	}
	if s.Has(FieldCT) {
		sep("ct")
		b = strconv.AppendUint(b, uint64(s.CT), 10)
	}
	if s.Has(FieldTransition) {
		sep("transitiontime")
		b = strconv.AppendUint(b, uint64(s.TransitionTime), 10)
	}
	if s.Has(FieldScene) {
		sep("scene")
		q, _ := json.Marshal(s.Scene) // a string always marshals
		b = append(b, q...)
	}
	return append(b, '}')
}
