package emulator

import (
	"encoding/json"
	"slices"

	"github.com/huegate/huegate/hue"
)

func (b *Bridge) putGroupAction(id string, body []byte) []any {
	b.mu.Lock()
	out, touched := b.setGroupLocked(id, body)
	emit := func() {}
	if touched != nil {
		resources := []string{"/groups/" + id}
		for _, lid := range sortedIDs(touched) {
			resources = append(resources, "/lights/"+lid)
		}
		emit = b.changedLocked(resources...)
	}
	b.mu.Unlock()
	emit()
	return out
}

// setGroupLocked applies a group action to every member that can take
// each field. Unlike a light command, a field a member cannot take (bri on
// a plug, bri on an off light) is skipped silently rather than refused.
// It returns the answer and, per light, the fields that changed it.
func (b *Bridge) setGroupLocked(id string, body []byte) ([]any, map[string][]string) {
	action := b.actionOf(id)
	if action == nil {
		return []any{notAvailable("/groups/" + id)}, nil
	}
	fields, bad := readFields(body, "/groups/"+id+"/action")
	if bad != nil {
		return []any{bad}, nil
	}
	members := b.members(id)
	awake := b.awake(members, turnsOn(fields))
	touched := map[string][]string{}
	prefix := "/groups/" + id + "/action/"
	var out []any
	var applied []string
	for _, f := range fields {
		if f.name == "scene" {
			out = append(out, b.recallScene(members, f, prefix+f.name, touched))
			continue
		}
		p, ok := params[f.name]
		if !ok {
			out = append(out, paramNotAvailable(f.name, prefix+f.name))
			continue
		}
		v, ok := p.parse(f.raw)
		if !ok {
			out = append(out, invalidValue(f, prefix+f.name))
			continue
		}
		b.applyToMembers(members, awake, f.name, p, v, touched)
		applyParam(action, f.name, v)
		applied = append(applied, f.name)
		out = append(out, success(prefix+f.name, v))
	}
	setColorMode(action, applied)
	for lid, names := range touched {
		setColorMode(stateOf(b.lights[lid]), names)
		b.forgetPercentLocked(lid, names)
	}
	return out, touched
}

// actionOf is the stored action of a group, nil if there is no such group.
func (b *Bridge) actionOf(id string) map[string]any {
	if id == hue.AllLightsID {
		return b.group0
	}
	g, ok := b.groups[id]
	if !ok {
		return nil
	}
	return g["action"].(map[string]any) // checkGroup guarantees it
}

// awake tells, per member, whether it takes fields that need the light on:
// it was on before the command, or the command switches it on.
func (b *Bridge) awake(members []string, turnsOn bool) map[string]bool {
	m := map[string]bool{}
	for _, id := range members {
		m[id] = turnsOn || boolOf(stateOf(b.lights[id])["on"])
	}
	return m
}

func (b *Bridge) applyToMembers(members []string, awake map[string]bool, name string, p param, v any, touched map[string][]string) {
	for _, id := range members {
		st := stateOf(b.lights[id])
		if !p.supportedBy(st) || (p.needsOn && !awake[id]) || b.streamingLightLocked(id) {
			continue
		}
		applyParam(st, name, v)
		touched[id] = append(touched[id], name)
	}
}

// recallScene puts a scene's stored light states onto those of its lights
// that belong to the group (all of them for group 0).
func (b *Bridge) recallScene(members []string, f field, address string, touched map[string][]string) map[string]any {
	var sceneID string
	_ = json.Unmarshal(f.raw, &sceneID) // not a string: no scene has that id
	scene, ok := b.scenes[sceneID]
	if !ok {
		return invalidValue(f, address)
	}
	b.applySceneLocked(scene, members, touched)
	return success(address, sceneID)
}

// applySceneLocked puts a scene's stored light states onto those of its
// lights among members, and notes in touched what it set on each.
func (b *Bridge) applySceneLocked(scene map[string]any, members []string, touched map[string][]string) {
	states, _ := scene["lightstates"].(map[string]any)
	for lid, s := range states {
		patch, ok := s.(map[string]any)
		if !ok || !slices.Contains(members, lid) || b.streamingLightLocked(lid) {
			continue
		}
		st := stateOf(b.lights[lid])
		for k, v := range patch {
			applyParam(st, k, v)
			touched[lid] = append(touched[lid], k)
		}
	}
}
