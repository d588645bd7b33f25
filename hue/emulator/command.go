package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
)

type kind int

const (
	kindBool kind = iota
	kindInt
	kindXY
	kindEnum
)

// param describes one field a light state or group action accepts.
type param struct {
	kind     kind
	min, max float64
	values   []string // allowed values of a kindEnum
	needs    string   // state key a light must have for the field to exist on it
	needsOn  bool     // refused with error 201 while the light is off
}

var params = map[string]param{
	"on":             {kind: kindBool},
	"bri":            {kind: kindInt, min: 1, max: 254, needs: "bri", needsOn: true},
	"hue":            {kind: kindInt, min: 0, max: 65535, needs: "hue", needsOn: true},
	"sat":            {kind: kindInt, min: 0, max: 254, needs: "sat", needsOn: true},
	"xy":             {kind: kindXY, min: 0, max: 1, needs: "xy", needsOn: true},
	"ct":             {kind: kindInt, min: 153, max: 500, needs: "ct", needsOn: true},
	"alert":          {kind: kindEnum, values: []string{"none", "select", "lselect"}},
	"effect":         {kind: kindEnum, values: []string{"none", "colorloop"}, needs: "effect", needsOn: true},
	"transitiontime": {kind: kindInt, min: 0, max: 65535},
	"bri_inc":        {kind: kindInt, min: -254, max: 254, needs: "bri", needsOn: true},
	"sat_inc":        {kind: kindInt, min: -254, max: 254, needs: "sat", needsOn: true},
	"hue_inc":        {kind: kindInt, min: -65534, max: 65534, needs: "hue", needsOn: true},
	"ct_inc":         {kind: kindInt, min: -65534, max: 65534, needs: "ct", needsOn: true},
}

// field is one member of a PUT body, kept in the order the client sent it
// because the bridge answers in that order.
type field struct {
	name string
	raw  json.RawMessage
}

func (b *Bridge) putLightState(id string, body []byte) []any {
	b.mu.Lock()
	out, changed := b.setLightLocked(id, body)
	emit := func() {}
	if changed {
		emit = b.changedLocked("/lights/" + id)
	}
	b.mu.Unlock()
	emit()
	return out
}

// setLightLocked applies a light command field by field: each field
// succeeds or fails on its own, so one answer can mix both.
func (b *Bridge) setLightLocked(id string, body []byte) ([]any, bool) {
	light, ok := b.lights[id]
	if !ok {
		return []any{notAvailable("/lights/" + id)}, false
	}
	fields, bad := readFields(body, "/lights/"+id+"/state")
	if bad != nil {
		return []any{bad}, false
	}
	st := stateOf(light)
	awake := boolOf(st["on"]) || turnsOn(fields)
	streamed := b.streamingLightLocked(id)
	if streamed {
		// The light follows its stream: the command is answered as if it
		// landed, on a copy the light never shows.
		st = maps.Clone(st)
	}
	prefix := "/lights/" + id + "/state/"
	var out []any
	var applied []string
	for _, f := range fields {
		v, bad := checkLightField(f, st, awake, prefix+f.name)
		if bad != nil {
			out = append(out, bad)
			continue
		}
		applyParam(st, f.name, v)
		applied = append(applied, f.name)
		out = append(out, success(prefix+f.name, v))
	}
	setColorMode(st, applied)
	if streamed {
		return out, false
	}
	b.forgetPercentLocked(id, applied)
	return out, len(applied) > 0
}

func checkLightField(f field, st map[string]any, awake bool, address string) (any, map[string]any) {
	p, ok := params[f.name]
	if !ok || !p.supportedBy(st) {
		return nil, paramNotAvailable(f.name, address)
	}
	v, ok := p.parse(f.raw)
	if !ok {
		return nil, invalidValue(f, address)
	}
	if p.needsOn && !awake {
		return nil, hueError(errDeviceOff, address,
			fmt.Sprintf("parameter, %s, is not modifiable. Device is set to off.", f.name))
	}
	return v, nil
}

func paramNotAvailable(name, address string) map[string]any {
	return hueError(errParameter, address, fmt.Sprintf("parameter, %s, not available", name))
}

func invalidValue(f field, address string) map[string]any {
	return hueError(errInvalidValue, address,
		fmt.Sprintf("invalid value, %s, for parameter, %s", valueText(f.raw), f.name))
}

// readFields parses a command body, or returns the error entry a bridge
// gives for it.
func readFields(body []byte, address string) ([]field, map[string]any) {
	fields, ok := parseFields(body)
	if !ok {
		return nil, hueError(errInvalidJSON, address, "body contains invalid json")
	}
	if len(fields) == 0 {
		return nil, hueError(errMissingParams, address, "invalid/missing parameters in body")
	}
	return fields, nil
}

// parseFields reads a JSON object keeping its members' order, which
// json.Unmarshal into a map would lose.
func parseFields(body []byte) ([]field, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var fields []field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false
		}
		fields = append(fields, field{name: tok.(string), raw: raw})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, false
	}
	_, err := dec.Token()
	return fields, err == io.EOF
}

func turnsOn(fields []field) bool {
	return slices.ContainsFunc(fields, func(f field) bool {
		return f.name == "on" && bytes.Equal(bytes.TrimSpace(f.raw), []byte("true"))
	})
}

func (p param) supportedBy(st map[string]any) bool {
	if p.needs == "" {
		return true
	}
	_, ok := st[p.needs]
	return ok
}

// parse checks a value against the field's type and range and returns it
// in the shape the state holds.
func (p param) parse(raw json.RawMessage) (any, bool) {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, false
	}
	switch p.kind {
	case kindBool:
		var v bool
		return v, json.Unmarshal(raw, &v) == nil
	case kindInt:
		var v float64
		ok := json.Unmarshal(raw, &v) == nil && v == math.Trunc(v) && v >= p.min && v <= p.max
		return v, ok
	case kindXY:
		return p.parseXY(raw)
	default: // kindEnum
		var v string
		return v, json.Unmarshal(raw, &v) == nil && slices.Contains(p.values, v)
	}
}

func (p param) parseXY(raw json.RawMessage) (any, bool) {
	var xy []float64
	if json.Unmarshal(raw, &xy) != nil || len(xy) != 2 {
		return nil, false
	}
	for _, c := range xy {
		if c < p.min || c > p.max {
			return nil, false
		}
	}
	return []any{xy[0], xy[1]}, true
}

// valueText quotes a value the way the bridge does in error 7: strings
// bare, everything else as sent.
func valueText(raw json.RawMessage) string {
	var s string
	if bytes.HasPrefix(raw, []byte(`"`)) && json.Unmarshal(raw, &s) == nil {
		return s
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return string(raw)
	}
	return buf.String()
}

// applyParam sets one checked field in a state or action map.
func applyParam(m map[string]any, name string, v any) {
	switch name {
	case "transitiontime":
		// Shapes how the change is animated, not where it ends.
	case "bri_inc", "sat_inc", "hue_inc", "ct_inc":
		addStep(m, strings.TrimSuffix(name, "_inc"), v.(float64))
	default:
		m[name] = v
	}
}

// addStep applies an increment: hue wraps around the color wheel, the
// others stop at their limits.
func addStep(m map[string]any, key string, step float64) {
	cur, ok := m[key].(float64)
	if !ok {
		return
	}
	p := params[key]
	if key == "hue" {
		m[key] = math.Mod(math.Mod(cur+step, p.max+1)+p.max+1, p.max+1)
		return
	}
	m[key] = math.Min(math.Max(cur+step, p.min), p.max)
}
