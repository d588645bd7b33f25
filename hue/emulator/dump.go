package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/huegate/huegate/hue"
)

// collections are the top-level members of a full-state dump, in the
// order bridges list them.
var collections = []string{"lights", "groups", "config", "schedules", "scenes", "rules", "sensors", "resourcelinks"}

// publicConfigKeys is what a bridge tells anyone who asks without a key.
var publicConfigKeys = []string{"name", "datastoreversion", "swversion", "apiversion", "mac",
	"bridgeid", "factorynew", "replacesbridgeid", "modelid", "starterkitid"}

func (b *Bridge) load(dump []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(dump, &top); err != nil {
		return err
	}
	if top == nil {
		return errors.New("dump is null, want a JSON object")
	}
	b.nulls = map[string]bool{}
	b.others = map[string]map[string]any{}
	for _, name := range collections {
		if raw, ok := top[name]; ok && string(bytes.TrimSpace(raw)) == "null" {
			b.nulls[name] = true
		}
		if err := b.loadCollection(name, top[name]); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	b.group0 = firstAction(b.lights)
	return nil
}

func (b *Bridge) loadCollection(name string, raw json.RawMessage) error {
	var err error
	switch name {
	case "lights":
		b.lights, err = decodeObjects(raw, checkLight)
	case "groups":
		b.groups, err = decodeObjects(raw, checkGroup)
	case "scenes":
		b.scenes, err = decodeObjects(raw, nil)
	case "config":
		if len(raw) > 0 {
			err = json.Unmarshal(raw, &b.config)
		}
	default:
		var m map[string]any
		if len(raw) > 0 {
			err = json.Unmarshal(raw, &m)
		}
		b.others[name] = m
	}
	return err
}

// decodeObjects decodes a collection whose members must be objects.
func decodeObjects(raw json.RawMessage, check func(map[string]any) error) (map[string]map[string]any, error) {
	m := map[string]map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
	}
	if m == nil { // the collection was null
		m = map[string]map[string]any{}
	}
	for id, v := range m {
		if v == nil {
			return nil, fmt.Errorf("%q: not an object", id)
		}
		if check == nil {
			continue
		}
		if err := check(v); err != nil {
			return nil, fmt.Errorf("%q: %w", id, err)
		}
	}
	return m, nil
}

func checkLight(light map[string]any) error {
	if _, ok := light["state"].(map[string]any); !ok {
		return errors.New("no state object")
	}
	return nil
}

func checkGroup(group map[string]any) error {
	if v, ok := group["lights"]; ok && !isIDList(v) {
		return errors.New("lights is not a list of ids")
	}
	if _, ok := group["action"].(map[string]any); !ok {
		group["action"] = map[string]any{}
	}
	return nil
}

// firstAction seeds group 0's action from the light with the lowest id;
// a real bridge shows whatever was last sent to group 0.
func firstAction(lights map[string]map[string]any) map[string]any {
	action := map[string]any{"on": false, "alert": "none"}
	ids := sortedIDs(lights)
	if len(ids) == 0 {
		return action
	}
	for _, k := range []string{"on", "bri", "hue", "sat", "effect", "xy", "ct", "colormode"} {
		if v, ok := stateOf(lights[ids[0]])[k]; ok {
			action[k] = v
		}
	}
	return action
}

// addToWhitelist lists the emulator's own key among the paired apps, as a
// real bridge lists the app that is asking.
func (b *Bridge) addToWhitelist(key string) {
	if b.config == nil {
		return
	}
	wl, ok := b.config["whitelist"].(map[string]any)
	if !ok {
		wl = map[string]any{}
		b.config["whitelist"] = wl
	}
	if _, ok := wl[key]; !ok {
		wl[key] = map[string]any{"last use date": "2024-05-04T08:15:30",
			"create date": "2024-05-04T08:15:30", "name": "huegate#emulator"}
	}
}

func (b *Bridge) dumpView() map[string]any {
	v := map[string]any{}
	for _, name := range collections {
		v[name], _ = b.collectionView(name)
	}
	return v
}

// collectionView is one collection as GET /api/<key>/<name> shows it. A
// collection that came as null stays null until something is added.
func (b *Bridge) collectionView(name string) (any, bool) {
	var v map[string]any
	switch name {
	case "lights":
		v = asAny(b.lights)
	case "groups":
		v = b.groupsView()
	case "scenes":
		v = b.scenesView()
	case "config":
		return b.configView(), true
	default:
		m, ok := b.others[name]
		if !ok {
			return nil, false
		}
		v = m
	}
	if len(v) == 0 && b.nulls[name] {
		return nil, true
	}
	if v == nil {
		v = map[string]any{}
	}
	return v, true
}

func (b *Bridge) itemView(name, id string) (any, bool) {
	var v any
	switch name {
	case "lights":
		v = nilIfMissing(b.lights[id])
	case "groups":
		v = b.groupView(id)
	case "scenes":
		v = nilIfMissing(b.scenes[id])
	case "config":
		return nil, false
	default:
		v = b.others[name][id]
	}
	return v, v != nil
}

func nilIfMissing(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// groupsView lists the stored groups; like a bridge it leaves out group 0.
func (b *Bridge) groupsView() map[string]any {
	v := map[string]any{}
	for id := range b.groups {
		v[id] = b.groupView(id)
	}
	return v
}

// groupView is a group with its state worked out from its lights, so the
// two can never disagree. Group 0 (all lights) is synthesised.
func (b *Bridge) groupView(id string) any {
	var v map[string]any
	if id == "0" {
		v = map[string]any{"name": "Group 0", "lights": asAnyList(sortedIDs(b.lights)),
			"sensors": []any{}, "type": "LightGroup", "recycle": false, "action": b.group0}
	} else if g, ok := b.groups[id]; ok {
		v = maps.Clone(g)
	} else {
		return nil
	}
	allOn, anyOn := b.onCounts(b.members(id))
	v["state"] = map[string]any{"all_on": allOn, "any_on": anyOn}
	return v
}

// scenesView lists scenes without their lightstates: a bridge sends those
// only for GET /scenes/<id>.
func (b *Bridge) scenesView() map[string]any {
	v := map[string]any{}
	for id, s := range b.scenes {
		s = maps.Clone(s)
		delete(s, "lightstates")
		v[id] = s
	}
	return v
}

func (b *Bridge) configView() any {
	if b.config == nil {
		return nil
	}
	v := maps.Clone(b.config)
	v["linkbutton"] = b.linkPressed()
	return v
}

func (b *Bridge) publicConfig() map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	v := map[string]any{}
	for _, k := range publicConfigKeys {
		if x, ok := b.config[k]; ok {
			v[k] = x
		}
	}
	return v
}

// members are the ids of a group's lights that exist; group 0 is all.
func (b *Bridge) members(groupID string) []string {
	if groupID == hue.AllLightsID {
		return sortedIDs(b.lights)
	}
	var ids []string
	for _, id := range idsOf(b.groups[groupID]["lights"]) {
		if _, ok := b.lights[id]; ok {
			ids = append(ids, id)
		}
	}
	return ids
}

func (b *Bridge) onCounts(ids []string) (allOn, anyOn bool) {
	on := 0
	for _, id := range ids {
		if boolOf(stateOf(b.lights[id])["on"]) {
			on++
		}
	}
	return len(ids) > 0 && on == len(ids), on > 0
}

// sortedIDs orders ids numerically ("2" before "12"), which is how people
// and bridges list them.
func sortedIDs[V any](m map[string]V) []string {
	ids := slices.Collect(maps.Keys(m))
	slices.SortFunc(ids, hue.CompareIDs)
	return ids
}

func asAny(m map[string]map[string]any) map[string]any {
	v := make(map[string]any, len(m))
	for k, x := range m {
		v[k] = x
	}
	return v
}

func asAnyList(ids []string) []any {
	v := make([]any, len(ids))
	for i, id := range ids {
		v[i] = id
	}
	return v
}
