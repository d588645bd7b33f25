package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/huegate/huegate/mapping"
)

// LightState is the part of a light's state tests usually look at.
type LightState struct {
	On  bool
	Bri int
	// Brightness is the brightness in percent, as CLIP v2 shows it: as a v2
	// command set it (50.05 stays 50.05), else Bri*100/254.
	Brightness float64
	Hue, Sat   int
	CT         int
	XY         [2]float64
	ColorMode  string
	Reachable  bool
}

// GroupState is a group as the bridge shows it. Action is the last action
// sent to the group (its Reachable is meaningless); AllOn and AnyOn come
// from the member lights.
type GroupState struct {
	Name   string
	Type   string
	Lights []string
	AllOn  bool
	AnyOn  bool
	Action LightState
}

// ErrNotFound is returned by the state setters for an unknown light.
var ErrNotFound = errors.New("emulator: no such light")

// Light returns a light's state.
func (b *Bridge) Light(id string) (LightState, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.lights[id]; !ok {
		return LightState{}, false
	}
	return b.lightStateLocked(id), true
}

// lightStateLocked is an existing light's state, brightness in percent
// included.
func (b *Bridge) lightStateLocked(id string) LightState {
	st := stateOf(b.lights[id])
	ls := lightStateOf(st)
	ls.Brightness = b.percentLocked(id, st)
	return ls
}

// percentLocked is a light's brightness in percent. v1 keeps bri (1..254)
// only, v2 a float percent: what a v2 command set is kept beside bri and
// shown as long as bri still says the same (no v1 command changed it).
func (b *Bridge) percentLocked(id string, st map[string]any) float64 {
	bri, ok := st["bri"].(float64)
	if !ok {
		return 0
	}
	if p, ok := b.percent[id]; ok && briOf(p) == bri {
		return p
	}
	return bri * 100 / 254
}

// briOf is the v1 bri of a v2 brightness in percent.
func briOf(percent float64) float64 {
	return min(max(math.Round(percent*254/100), 1), 254)
}

// forgetPercentLocked drops the v2 brightness of a light whose bri a v1
// command (or the Hue app) set: its percent is bri's again.
func (b *Bridge) forgetPercentLocked(id string, names []string) {
	if slices.Contains(names, "bri") || slices.Contains(names, "bri_inc") {
		delete(b.percent, id)
	}
}

// Group returns a group; "0" is the synthesised group of all lights.
func (b *Bridge) Group(id string) (GroupState, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.groupView(id).(map[string]any)
	if !ok {
		return GroupState{}, false
	}
	state, _ := v["state"].(map[string]any)
	action, _ := v["action"].(map[string]any)
	return GroupState{
		Name:   strOf(v["name"]),
		Type:   strOf(v["type"]),
		Lights: idsOf(v["lights"]),
		AllOn:  boolOf(state["all_on"]),
		AnyOn:  boolOf(state["any_on"]),
		Action: lightStateOf(action),
	}, true
}

// SetLightState merges patch into a light's state the way the Hue app or a
// wall switch would change it: no request is logged and no 201 rule
// applies. Color fields set the colormode as a command would.
func (b *Bridge) SetLightState(id string, patch map[string]any) error {
	norm, err := normalize(patch)
	if err != nil {
		return fmt.Errorf("emulator: set light %q: %w", id, err)
	}
	b.mu.Lock()
	light, ok := b.lights[id]
	if !ok {
		b.mu.Unlock()
		return fmt.Errorf("set light %q: %w", id, ErrNotFound)
	}
	mergeState(stateOf(light), norm)
	b.forgetPercentLocked(id, slices.Collect(maps.Keys(norm)))
	emit := b.changedLocked("/lights/" + id)
	b.mu.Unlock()
	emit()
	return nil
}

// RenameLights gives lights new names, all at once (by id), as the Hue app
// does one after the other between two reads; swapping two names this way
// is seen by the next read as a swap.
func (b *Bridge) RenameLights(names map[string]string) error {
	b.mu.Lock()
	for id := range names {
		if _, ok := b.lights[id]; !ok {
			b.mu.Unlock()
			return fmt.Errorf("rename light %q: %w", id, ErrNotFound)
		}
	}
	var emits []func()
	for _, id := range sortedIDs(names) {
		b.lights[id]["name"] = names[id]
		emits = append(emits, b.changedLocked("/lights/"+id))
	}
	b.mu.Unlock()
	for _, emit := range emits {
		emit()
	}
	return nil
}

// SetReachable marks a light reachable or not, like one that lost power.
func (b *Bridge) SetReachable(id string, reachable bool) error {
	return b.SetLightState(id, map[string]any{"reachable": reachable})
}

// AddLight adds a light, or replaces one, from its GET /lights/<id> body.
func (b *Bridge) AddLight(id string, light json.RawMessage) error {
	var m map[string]any
	if err := json.Unmarshal(light, &m); err != nil {
		return fmt.Errorf("emulator: add light %q: %w", id, err)
	}
	if m == nil || checkLight(m) != nil {
		return fmt.Errorf("emulator: add light %q: want an object with a state object", id)
	}
	b.mu.Lock()
	b.lights[id] = m
	delete(b.percent, id)
	emit := b.changedLocked("/lights/" + id)
	b.mu.Unlock()
	emit()
	return nil
}

// RemoveLight deletes a light and, as a bridge does, drops it from every
// group and scene.
func (b *Bridge) RemoveLight(id string) error {
	b.mu.Lock()
	if _, ok := b.lights[id]; !ok {
		b.mu.Unlock()
		return fmt.Errorf("remove light %q: %w", id, ErrNotFound)
	}
	delete(b.lights, id)
	delete(b.percent, id)
	for _, g := range b.groups {
		g["lights"] = withoutID(g["lights"], id)
	}
	for _, s := range b.scenes {
		s["lights"] = withoutID(s["lights"], id)
		if ls, ok := s["lightstates"].(map[string]any); ok {
			delete(ls, id)
		}
	}
	emit := b.changedLocked("/lights/" + id)
	b.mu.Unlock()
	emit()
	return nil
}

// mergeState copies patch into state and sets the colormode the way the
// bridge ranks color fields: xy over ct over hue/sat.
func mergeState(state, patch map[string]any) {
	names := make([]string, 0, len(patch))
	for k, v := range patch {
		state[k] = v
		names = append(names, k)
	}
	if _, ok := patch["colormode"]; !ok {
		setColorMode(state, names)
	}
}

// setColorMode updates colormode after the named fields were applied, but
// only where the light (or group action) has a colormode at all.
func setColorMode(m map[string]any, names []string) {
	if _, ok := m["colormode"]; !ok {
		return
	}
	has := func(ks ...string) bool {
		return slices.ContainsFunc(ks, func(k string) bool { return slices.Contains(names, k) })
	}
	switch {
	case has("xy"):
		m["colormode"] = "xy"
	case has("ct", "ct_inc"):
		m["colormode"] = "ct"
	case has("hue", "sat", "hue_inc", "sat_inc"):
		m["colormode"] = "hs"
		hsToXY(m)
	}
}

// hsToXY recomputes xy from hue and saturation, as a bridge does: its xy
// always says the colour the light shows, whichever way it was set.
func hsToXY(m map[string]any) {
	h, okH := m["hue"].(float64)
	s, okS := m["sat"].(float64)
	if _, hasXY := m["xy"]; !hasXY || !okH || !okS {
		return
	}
	if x, y, ok := mapping.HSToXY(h, s); ok {
		m["xy"] = []any{math.Round(x*1e4) / 1e4, math.Round(y*1e4) / 1e4}
	}
}

// normalize turns a Go patch into what decoded JSON looks like (numbers as
// float64, lists as []any), the only shapes the state ever holds.
func normalize(patch map[string]any) (map[string]any, error) {
	raw, err := json.Marshal(patch)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	err = json.Unmarshal(raw, &m)
	return m, err
}

func lightStateOf(st map[string]any) LightState {
	ls := LightState{
		On:         boolOf(st["on"]),
		Bri:        intOf(st["bri"]),
		Brightness: floatOf(st["bri"]) * 100 / 254,
		Hue:        intOf(st["hue"]),
		Sat:        intOf(st["sat"]),
		CT:         intOf(st["ct"]),
		ColorMode:  strOf(st["colormode"]),
		Reachable:  boolOf(st["reachable"]),
	}
	if xy, ok := st["xy"].([]any); ok && len(xy) == 2 {
		ls.XY = [2]float64{floatOf(xy[0]), floatOf(xy[1])}
	}
	return ls
}

func stateOf(light map[string]any) map[string]any {
	st, _ := light["state"].(map[string]any)
	return st
}

func boolOf(v any) bool     { b, _ := v.(bool); return b }
func strOf(v any) string    { s, _ := v.(string); return s }
func floatOf(v any) float64 { f, _ := v.(float64); return f }
func intOf(v any) int       { return int(math.Round(floatOf(v))) }

func isIDList(v any) bool {
	list, ok := v.([]any)
	if !ok {
		return false
	}
	for _, x := range list {
		if _, ok := x.(string); !ok {
			return false
		}
	}
	return true
}

func idsOf(v any) []string {
	list, _ := v.([]any)
	ids := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			ids = append(ids, s)
		}
	}
	return ids
}

func withoutID(v any, id string) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	return slices.DeleteFunc(slices.Clone(list), func(x any) bool { return x == id })
}
