package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Switch is what a command does to a light's power.
type Switch uint8

// The switches a command can ask for.
const (
	SwitchNone   Switch = iota // not given: only a scene, which brings its own
	SwitchOn                   // on, keeping what else the command does not set
	SwitchOff                  // off; colour fields are dropped, an off light refuses them
	SwitchToggle               // the opposite of the light's known state
)

// Part is a bit set of what a Command sets besides its switch.
type Part uint8

// The parts of a command.
const (
	PartBri Part = 1 << iota
	PartCT
	PartXY
	PartHS
	PartTransition
	PartScene
)

// partsColour is every part an off light refuses.
const partsColour = PartBri | PartCT | PartXY | PartHS

// The colour temperatures a Hue light accepts, in mired.
const (
	MinCT = 153
	MaxCT = 500
)

// Command is what a payload on a light's or group's set topic asks for,
// already in the bridge's units. Only the parts in Parts are meant.
type Command struct {
	Switch     Switch
	Parts      Part
	Bri        uint8      // 1..254
	CT         uint16     // MinCT..MaxCT mired
	XY         [2]float64 // CIE 1931 chromaticity, 0..1
	Hue        uint16     // 0..65535 (0..360°)
	Sat        uint8      // 0..254 (0..100 %)
	Transition uint16     // in the bridge's 100 ms steps; 0 is instant
	Scene      string     // a scene's name or id, groups only
}

// Has reports whether the command sets p.
func (c Command) Has(p Part) bool { return c.Parts&p != 0 }

// Reasons a command is refused, besides those Parse has.
var (
	ErrNotCommand  = &Reject{"not_a_command", "payload is not ON, OFF, TOGGLE, a brightness 0..254 or a JSON command"}
	ErrInvalidJSON = &Reject{"invalid_json", "payload starts with { but is not a JSON object"}
	ErrNothingToDo = &Reject{"nothing_to_do", "the command sets nothing: give state, brightness, color_temp, color or scene"}
)

func badValue(field, detail string) error {
	return &Reject{"bad_value", field + ": " + detail}
}

// ParseCommand reads a payload sent to a light's or group's set topic:
// ON, OFF or TOGGLE (any case); a plain brightness 0..254, where 0 is off;
// or zigbee2mqtt-style JSON:
//
//	{"state":"ON"|"OFF"|"TOGGLE", "brightness":0..254, "color_temp":153..500,
//	 "color":{"x":..,"y":..} | {"hue":0..360,"saturation":0..100} | {"r":..,"g":..,"b":..},
//	 "transition":seconds, "scene":"name or id"}
//
// Brightness, colour temperature or colour without a state switch the
// light on; brightness 0 switches it off. Brightness and colour temperature
// out of range are clamped; colours out of range and unknown fields are
// refused with a reason naming the field. Only groups take a scene.
func ParseCommand(payload []byte, group bool) (Command, error) {
	if len(payload) > MaxPayload {
		return Command{}, ErrTooLarge
	}
	if !utf8.Valid(payload) {
		return Command{}, ErrNotUTF8
	}
	p := bytes.TrimSpace(payload)
	if len(p) == 0 {
		return Command{}, ErrEmpty
	}
	if p[0] == '{' {
		return parseCommandJSON(p, group)
	}
	if bytes.EqualFold(p, []byte("toggle")) {
		return Command{Switch: SwitchToggle}, nil
	}
	l, err := Parse(p, DefaultRange)
	if errors.Is(err, ErrNotNumber) {
		return Command{}, ErrNotCommand
	}
	if err != nil {
		return Command{}, err
	}
	return levelCommand(l), nil
}

func levelCommand(l Level) Command {
	if !l.On {
		return Command{Switch: SwitchOff}
	}
	c := Command{Switch: SwitchOn}
	if l.Bri > 0 {
		c.Parts, c.Bri = PartBri, l.Bri
	}
	return c
}

// commandFields are the JSON fields a command may have, in the order they
// are read: state first, so brightness 0 can override it.
var commandFields = []string{"state", "brightness", "color_temp", "color", "transition", "scene"}

func parseCommandJSON(p []byte, group bool) (Command, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(p, &fields); err != nil {
		return Command{}, ErrInvalidJSON
	}
	if err := unknownFields(fields, commandFields, "command"); err != nil {
		return Command{}, err
	}
	var c Command
	for _, name := range commandFields {
		raw, ok := fields[name]
		if !ok {
			continue
		}
		if err := c.read(name, raw, group); err != nil {
			return Command{}, err
		}
	}
	return c.settle()
}

func unknownFields(fields map[string]json.RawMessage, known []string, what string) error {
	var unknown []string
	for name := range fields {
		if !slices.Contains(known, name) {
			unknown = append(unknown, fmt.Sprintf("%q", name))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return &Reject{"unknown_field", fmt.Sprintf("%s has unknown field %s (known: %s)",
		what, strings.Join(unknown, ", "), strings.Join(known, ", "))}
}

func (c *Command) read(name string, raw json.RawMessage, group bool) error {
	switch name {
	case "state":
		return c.readState(raw)
	case "brightness":
		return c.readBrightness(raw)
	case "color_temp":
		v, err := number(name, raw)
		if err != nil {
			return err
		}
		c.Parts |= PartCT
		c.CT = uint16(max(MinCT, min(MaxCT, math.Round(v))))
	case "color":
		return c.readColor(raw)
	case "transition":
		return c.readTransition(raw)
	case "scene":
		return c.readScene(raw, group)
	}
	return nil
}

func (c *Command) readState(raw json.RawMessage) error {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return badValue("state", `must be "ON", "OFF" or "TOGGLE"`)
	}
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "ON":
		c.Switch = SwitchOn
	case "OFF":
		c.Switch = SwitchOff
	case "TOGGLE":
		c.Switch = SwitchToggle
	default:
		return badValue("state", fmt.Sprintf(`%q is not "ON", "OFF" or "TOGGLE"`, s))
	}
	return nil
}

func (c *Command) readBrightness(raw json.RawMessage) error {
	v, err := number("brightness", raw)
	if err != nil {
		return err
	}
	l := DefaultRange.Level(v)
	if !l.On {
		c.Switch = SwitchOff
		return nil
	}
	c.Parts |= PartBri
	c.Bri = l.Bri
	return nil
}

func (c *Command) readTransition(raw json.RawMessage) error {
	v, err := number("transition", raw)
	if err != nil {
		return err
	}
	if v < 0 {
		return badValue("transition", "seconds must not be negative")
	}
	c.Parts |= PartTransition
	c.Transition = uint16(min(65535, math.Round(v*10)))
	return nil
}

func (c *Command) readScene(raw json.RawMessage, group bool) error {
	if !group {
		return &Reject{"scene_on_light", "scene: only groups recall scenes; send it to the group's set topic"}
	}
	var s string
	if json.Unmarshal(raw, &s) != nil || strings.TrimSpace(s) == "" {
		return badValue("scene", "must be a scene's name or id")
	}
	c.Parts |= PartScene
	c.Scene = strings.TrimSpace(s)
	return nil
}

// settle applies the rules between fields: colour without a state means on,
// off drops colour, and a command must do something.
func (c Command) settle() (Command, error) {
	if c.Has(PartCT) && c.Has(PartXY|PartHS) {
		return Command{}, badValue("color_temp", "give either color_temp or color, not both")
	}
	if c.Switch == SwitchNone && c.Parts&partsColour != 0 {
		c.Switch = SwitchOn
	}
	if c.Switch == SwitchOff {
		c.Parts &^= partsColour
		c.Bri, c.CT, c.XY, c.Hue, c.Sat = 0, 0, [2]float64{}, 0, 0
	}
	if c.Switch == SwitchNone && !c.Has(PartScene) {
		return Command{}, ErrNothingToDo
	}
	return c, nil
}

// number reads a JSON number. Strings, booleans and null are refused, and
// so are numbers too large for a float64.
func number(field string, raw json.RawMessage) (float64, error) {
	v, err := parseNumber(bytes.TrimSpace(raw))
	if errors.Is(err, ErrNotFinite) {
		return 0, badValue(field, "is not a finite number")
	}
	if err != nil {
		return 0, badValue(field, fmt.Sprintf("%s is not a number", truncate(raw)))
	}
	return v, nil
}

// truncate keeps error messages short when a field holds something long.
func truncate(raw []byte) string {
	const n = 40
	if len(raw) <= n {
		return string(raw)
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(raw[cut]) {
		cut--
	}
	return string(raw[:cut]) + "..."
}
