package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/huegate/huegate/hue"
)

// v2Command is the body of a PUT to a light or grouped_light: the fields
// of ../../plan/v2spec.md. Any other field is refused with 400, so a
// client that strays from the contract finds out in its tests.
type v2Command struct {
	On *struct {
		On *bool `json:"on"`
	} `json:"on"`
	Dimming *struct {
		Brightness *float64 `json:"brightness"`
	} `json:"dimming"`
	Color *struct {
		XY *struct {
			X *float64 `json:"x"`
			Y *float64 `json:"y"`
		} `json:"xy"`
	} `json:"color"`
	ColorTemperature *struct {
		Mirek *int `json:"mirek"`
	} `json:"color_temperature"`
	Dynamics *struct {
		Duration *int `json:"duration"`
	} `json:"dynamics"`
}

// v2Change is one checked field of a v2 command in v1 terms: the state key
// it sets (on, bri, xy, ct) and the value as the state holds it.
type v2Change struct {
	field   string // the v2 name, for errors
	key     string
	value   any
	percent float64 // the brightness a dimming change asked for
}

// decodeStrict reads exactly one JSON value into v, refusing unknown fields.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}

// changes checks a command's values; the string says what is wrong.
func (c v2Command) changes() ([]v2Change, string) {
	var out []v2Change
	if c.On != nil {
		if c.On.On == nil {
			return nil, "invalid value for on: missing on.on"
		}
		out = append(out, v2Change{field: "on", key: "on", value: *c.On.On})
	}
	if c.Dimming != nil {
		p := c.Dimming.Brightness
		if p == nil || *p < 0 || *p > 100 {
			return nil, "invalid value for brightness: must be between 0 and 100"
		}
		out = append(out, v2Change{field: "dimming", key: "bri", value: briOf(*p), percent: *p})
	}
	if c.Color != nil {
		xy := c.Color.XY
		if xy == nil || xy.X == nil || xy.Y == nil || *xy.X < 0 || *xy.X > 1 || *xy.Y < 0 || *xy.Y > 1 {
			return nil, "invalid value for xy: x and y must be between 0 and 1"
		}
		out = append(out, v2Change{field: "color", key: "xy", value: []any{*xy.X, *xy.Y}})
	}
	if c.ColorTemperature != nil {
		m := c.ColorTemperature.Mirek
		if m == nil || *m < 153 || *m > 500 {
			return nil, "invalid value for mirek: must be between 153 and 500"
		}
		out = append(out, v2Change{field: "color_temperature", key: "ct", value: float64(*m)})
	}
	if c.Dynamics != nil && (c.Dynamics.Duration == nil || *c.Dynamics.Duration < 0) {
		return nil, "invalid value for duration: must be 0 or more"
	}
	// dynamics shapes how the change is animated, not where it ends.
	if len(out) == 0 && c.Dynamics == nil {
		return nil, "invalid body: nothing to set"
	}
	return out, ""
}

// v2Outcome is how a v2 PUT went: the answer, and the notifications to
// send once the lock is released.
type v2Outcome struct {
	status int
	errors []string
	emit   func()
}

func (b *Bridge) putV2(w http.ResponseWriter, t v2Target, body []byte) {
	var o v2Outcome
	switch t.rtype {
	case "light", "grouped_light":
		o = b.putV2Lights(t, body)
	case "scene":
		o = b.putV2Scene(t, body)
	case "entertainment_configuration":
		// serveV2 let in only the bridge's own key: it is the caller's.
		o = b.putV2Entertainment(t, body, b.key)
	default:
		status := http.StatusMethodNotAllowed
		if !slices.Contains(v2Types, t.rtype) {
			status = http.StatusNotFound
		}
		o = v2Outcome{status: status, errors: []string{http.StatusText(status)}}
	}
	if o.emit != nil {
		o.emit()
	}
	var data []any
	if o.status == http.StatusOK || o.status == http.StatusMultiStatus {
		data = []any{map[string]any{"rid": t.id, "rtype": t.rtype}}
	}
	writeJSON(w, o.status, encode(v2Answer(data, o.errors)))
}

func badRequest(description string) v2Outcome {
	return v2Outcome{status: http.StatusBadRequest, errors: []string{description}}
}

var notFound = v2Outcome{status: http.StatusNotFound, errors: []string{"Not Found"}}

// putV2Lights sets a light, or every member of a group that can take each
// field. Unlike v1, brightness and colour reach a light that is off (it
// stays off) rather than failing with error 201.
func (b *Bridge) putV2Lights(t v2Target, body []byte) v2Outcome {
	var cmd v2Command
	if err := decodeStrict(body, &cmd); err != nil {
		return badRequest("invalid body: " + err.Error())
	}
	changes, bad := cmd.changes()
	if bad != "" {
		return badRequest(bad)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var id string
	var ok bool
	if t.rtype == "light" {
		id, ok = b.v1IDLocked("light", t.id, sortedIDs(b.lights))
	} else {
		id, ok = b.v1IDLocked("grouped_light", t.id, append([]string{hue.AllLightsID}, sortedIDs(b.groups)...))
	}
	if !ok {
		return notFound
	}
	if t.rtype == "light" {
		if c, ok := unsupported(stateOf(b.lights[id]), changes); ok {
			return badRequest(fmt.Sprintf("invalid body: light %s has no %s", t.id, c.field))
		}
	}
	o := v2Outcome{status: http.StatusOK}
	if b.v2Fault == V2FaultPartial {
		changes, o.errors = onlyOn(changes)
		if len(o.errors) > 0 {
			o.status = http.StatusMultiStatus
		}
	}
	if t.rtype == "light" {
		if len(b.setV2LightLocked(id, changes)) > 0 {
			o.emit = b.changedLocked("/lights/" + id)
		}
	} else {
		o.emit = b.setV2GroupLocked(id, changes)
	}
	return o
}

// v1IDLocked finds the v1 id among ids whose rtype resource has v2 id.
func (b *Bridge) v1IDLocked(rtype, v2 string, ids []string) (string, bool) {
	for _, id := range ids {
		if v2ID(rtype, id) == v2 {
			return id, true
		}
	}
	return "", false
}

// unsupported is the first change the light has no state for.
func unsupported(st map[string]any, changes []v2Change) (v2Change, bool) {
	for _, c := range changes {
		if _, ok := st[c.key]; !ok {
			return c, true
		}
	}
	return v2Change{}, false
}

// onlyOn keeps the "on" change and refuses the others, as
// V2FaultPartial plays it.
func onlyOn(changes []v2Change) ([]v2Change, []string) {
	var kept []v2Change
	var refused []string
	for _, c := range changes {
		if c.key == "on" {
			kept = append(kept, c)
			continue
		}
		refused = append(refused, c.field+": could not be applied, the device did not answer")
	}
	return kept, refused
}

// setV2LightLocked applies the changes a light can take and returns the
// state keys it set.
func (b *Bridge) setV2LightLocked(id string, changes []v2Change) []string {
	if b.streamingLightLocked(id) {
		return nil // it follows its stream; the command still succeeds
	}
	st := stateOf(b.lights[id])
	var names []string
	for _, c := range changes {
		if _, ok := st[c.key]; !ok {
			continue
		}
		st[c.key] = cloneValue(c.value)
		if c.key == "bri" {
			b.percent[id] = c.percent
		}
		names = append(names, c.key)
	}
	setColorMode(st, names)
	return names
}

// setV2GroupLocked applies the changes to every member of a group that can
// take them, and to the group's action, as a v1 group action does.
func (b *Bridge) setV2GroupLocked(gid string, changes []v2Change) func() {
	resources := []string{"/groups/" + gid}
	for _, lid := range b.members(gid) {
		if len(b.setV2LightLocked(lid, changes)) > 0 {
			resources = append(resources, "/lights/"+lid)
		}
	}
	action := b.actionOf(gid)
	var names []string
	for _, c := range changes {
		action[c.key] = cloneValue(c.value)
		names = append(names, c.key)
	}
	setColorMode(action, names)
	return b.changedLocked(resources...)
}

// cloneValue copies an xy pair, so no two states share one.
func cloneValue(v any) any {
	if xy, ok := v.([]any); ok {
		return slices.Clone(xy)
	}
	return v
}

// v2Recall is the body of a PUT to a scene.
type v2Recall struct {
	Recall *struct {
		Action   *string `json:"action"`
		Duration *int    `json:"duration"`
	} `json:"recall"`
}

// putV2Scene recalls a scene: its stored light states go onto its lights
// in its room or zone, as a v1 group action with "scene" does.
func (b *Bridge) putV2Scene(t v2Target, body []byte) v2Outcome {
	var req v2Recall
	if err := decodeStrict(body, &req); err != nil {
		return badRequest("invalid body: " + err.Error())
	}
	rc := req.Recall
	if rc == nil || rc.Action == nil || !slices.Contains([]string{"active", "static", "dynamic_palette"}, *rc.Action) {
		return badRequest("invalid value for recall.action: must be active, static or dynamic_palette")
	}
	if rc.Duration != nil && *rc.Duration < 0 {
		return badRequest("invalid value for duration: must be 0 or more")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var sid string
	for _, id := range sortedIDs(b.scenes) {
		if v2ID("scene", id) == t.id && b.v2SceneLocked(id) != nil {
			sid = id
		}
	}
	if sid == "" {
		return notFound
	}
	scene := b.scenes[sid]
	gid := strOf(scene["group"])
	touched := map[string][]string{}
	b.applySceneLocked(scene, b.members(gid), touched)
	resources := []string{"/groups/" + gid}
	for _, lid := range sortedIDs(touched) {
		setColorMode(stateOf(b.lights[lid]), touched[lid])
		b.forgetPercentLocked(lid, touched[lid])
		resources = append(resources, "/lights/"+lid)
	}
	return v2Outcome{status: http.StatusOK, emit: b.changedLocked(resources...)}
}
