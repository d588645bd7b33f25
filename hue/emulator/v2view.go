package emulator

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/huegate/huegate/hue"
)

// The CLIP v2 resources are a view of the v1 state, worked out on every
// read: the bridge keeps one state, and v1 and v2 can never disagree.
// Shapes follow ../../plan/v2spec.md (the fields clients read; real
// bridges send more).

// v2Types are the resource types the emulator serves, in the order
// GET /clip/v2/resource lists them.
var v2Types = []string{"bridge", "bridge_home", "device", "light", "zigbee_connectivity",
	"room", "zone", "grouped_light", "scene", "entertainment", "entertainment_configuration"}

// v2ID is the CLIP v2 id of the resource of type rtype that stands for
// the v1 resource v1 ("3" for light 3): a name-based UUID (version 5
// layout, SHA-1), so ids stay the same across restarts.
func v2ID(rtype, v1 string) string {
	sum := sha1.Sum([]byte(rtype + "/" + v1))
	sum[6] = sum[6]&0x0f | 0x50 // version 5
	sum[8] = sum[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ref is a v2 resource reference.
func ref(rtype, v1 string) map[string]any {
	return map[string]any{"rid": v2ID(rtype, v1), "rtype": rtype}
}

// bridgeDevice stands for the bridge itself among the v1 ids of lights.
const bridgeDevice = "bridge"

// v2ListLocked is every resource of one type, or false for a type the
// emulator does not know.
func (b *Bridge) v2ListLocked(rtype string) ([]any, bool) {
	var out []any
	switch rtype {
	case "light", "zigbee_connectivity":
		for _, id := range sortedIDs(b.lights) {
			out = append(out, b.v2LightResourceLocked(rtype, id))
		}
	case "device":
		out = append(out, b.v2BridgeDeviceLocked())
		for _, id := range sortedIDs(b.lights) {
			out = append(out, b.v2DeviceLocked(id))
		}
	case "room", "zone":
		for _, id := range sortedIDs(b.groups) {
			if areaType(b.groups[id]) == rtype {
				out = append(out, b.v2AreaLocked(rtype, id))
			}
		}
	case "grouped_light":
		out = append(out, b.v2GroupedLightLocked(hue.AllLightsID))
		for _, id := range sortedIDs(b.groups) {
			out = append(out, b.v2GroupedLightLocked(id))
		}
	case "scene":
		for _, id := range sortedIDs(b.scenes) {
			if s := b.v2SceneLocked(id); s != nil {
				out = append(out, s)
			}
		}
	case "bridge":
		out = append(out, b.v2BridgeLocked())
	case "bridge_home":
		out = append(out, b.v2HomeLocked())
	case "entertainment":
		for _, id := range sortedIDs(b.lights) {
			out = append(out, b.v2EntertainmentLocked(id))
		}
	case "entertainment_configuration":
		for _, id := range b.entertainmentGroupsLocked() {
			out = append(out, b.v2EntConfigLocked(id))
		}
	default:
		return nil, false
	}
	if out == nil {
		out = []any{}
	}
	return out, true
}

// v2ItemLocked is one resource by type and id.
func (b *Bridge) v2ItemLocked(rtype, id string) (any, bool) {
	list, _ := b.v2ListLocked(rtype)
	for _, r := range list {
		if r.(map[string]any)["id"] == id {
			return r, true
		}
	}
	return nil, false
}

// V1Of is the v1 address of the resource with CLIP v2 id id ("/lights/3"
// for light 3's light, device or zigbee_connectivity, "/groups/1" for a
// room, zone or grouped_light, "/scenes/<id>"), or "" if no v1 resource
// has that id: so a test can tell which light a v2 command reached.
func (b *Bridge) V1Of(id string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for lid := range b.lights {
		for _, rtype := range []string{"light", "device", "zigbee_connectivity"} {
			if v2ID(rtype, lid) == id {
				return "/lights/" + lid
			}
		}
	}
	for _, gid := range append(sortedIDs(b.groups), hue.AllLightsID) {
		for _, rtype := range []string{"grouped_light", "room", "zone", "bridge_home"} {
			if v2ID(rtype, gid) == id {
				return "/groups/" + gid
			}
		}
	}
	for sid := range b.scenes {
		if v2ID("scene", sid) == id {
			return "/scenes/" + sid
		}
	}
	return ""
}

// V2ID is the CLIP v2 id of a resource of type rtype ("light", "device",
// "grouped_light", "room", "scene", ...) whose v1 id is v1id ("3"), as the
// emulator derives it; it does not check that the resource exists.
func V2ID(rtype, v1id string) string { return v2ID(rtype, v1id) }

// v2LightResourceLocked is a light's light or zigbee_connectivity.
func (b *Bridge) v2LightResourceLocked(rtype, id string) map[string]any {
	if rtype == "zigbee_connectivity" {
		return b.v2ConnectivityLocked(id)
	}
	return b.v2LightLocked(id)
}

func (b *Bridge) v2LightLocked(id string) map[string]any {
	l := b.lights[id]
	st := stateOf(l)
	control := controlOf(l)
	v := map[string]any{
		"id":       v2ID("light", id),
		"id_v1":    "/lights/" + id,
		"type":     "light",
		"owner":    ref("device", id),
		"metadata": map[string]any{"name": strOf(l["name"]), "archetype": archetypeOf(l)},
		"on":       map[string]any{"on": boolOf(st["on"])},
		"mode":     "normal",
	}
	if _, ok := st["bri"]; ok {
		v["dimming"] = map[string]any{"brightness": b.percentLocked(id, st), "min_dim_level": minDimLevel(control)}
	}
	xy, hasXY := st["xy"].([]any)
	hasXY = hasXY && len(xy) == 2
	if _, ok := st["ct"]; ok {
		mode := strOf(st["colormode"])
		ct := map[string]any{"mirek": nil, "mirek_valid": false, "mirek_schema": mirekSchema(control)}
		if mode == "ct" || (mode == "" && !hasXY) {
			ct["mirek"], ct["mirek_valid"] = intOf(st["ct"]), true
		}
		v["color_temperature"] = ct
	}
	if hasXY {
		gamut := strOf(control["colorgamuttype"])
		if gamut == "" {
			gamut = "other"
		}
		v["color"] = map[string]any{"xy": map[string]any{"x": floatOf(xy[0]), "y": floatOf(xy[1])}, "gamut_type": gamut}
	}
	return v
}

func controlOf(light map[string]any) map[string]any {
	caps, _ := light["capabilities"].(map[string]any)
	control, _ := caps["control"].(map[string]any)
	return control
}

// minDimLevel is v1's mindimlevel (1000 = 1 %) in percent; bridges that
// do not say get a typical 0.2 %.
func minDimLevel(control map[string]any) float64 {
	if v, ok := control["mindimlevel"].(float64); ok {
		return v / 1000
	}
	return 0.2
}

func mirekSchema(control map[string]any) map[string]any {
	lo, hi := 153.0, 500.0
	if ct, ok := control["ct"].(map[string]any); ok {
		if v, ok := ct["min"].(float64); ok {
			lo = v
		}
		if v, ok := ct["max"].(float64); ok {
			hi = v
		}
	}
	return map[string]any{"mirek_minimum": int(lo), "mirek_maximum": int(hi)}
}

// v2Archetypes are v1 archetypes whose v2 name has an underscore.
var v2Archetypes = map[string]string{
	"classicbulb": "classic_bulb", "spotbulb": "spot_bulb", "huelightstrip": "hue_lightstrip",
	"sultanbulb": "sultan_bulb", "candlebulb": "candle_bulb", "flexiblelamp": "flexible_lamp",
	"tableshade": "table_shade", "pendantround": "pendant_round", "ceilinground": "ceiling_round",
}

func archetypeOf(light map[string]any) string {
	config, _ := light["config"].(map[string]any)
	a := strOf(config["archetype"])
	if v, ok := v2Archetypes[a]; ok {
		return v
	}
	if a == "" {
		return "classic_bulb"
	}
	return a
}

func (b *Bridge) v2DeviceLocked(id string) map[string]any {
	l := b.lights[id]
	return map[string]any{
		"id":    v2ID("device", id),
		"id_v1": "/lights/" + id,
		"type":  "device",
		"product_data": map[string]any{
			"model_id":          strOf(l["modelid"]),
			"manufacturer_name": strOf(l["manufacturername"]),
			"product_name":      strOf(l["productname"]),
			"software_version":  strOf(l["swversion"]),
			"product_archetype": archetypeOf(l),
		},
		"metadata": map[string]any{"name": strOf(l["name"]), "archetype": archetypeOf(l)},
		"services": []any{ref("light", id), ref("zigbee_connectivity", id)},
	}
}

// v2BridgeDeviceLocked is the device the bridge resource belongs to; like
// on a real bridge it has no v1 twin.
func (b *Bridge) v2BridgeDeviceLocked() map[string]any {
	return map[string]any{
		"id":   v2ID("device", bridgeDevice),
		"type": "device",
		"product_data": map[string]any{
			"model_id":          strOf(b.config["modelid"]),
			"manufacturer_name": "Signify Netherlands B.V.",
			"product_name":      "Hue Bridge",
			"software_version":  strOf(b.config["swversion"]),
			"product_archetype": "bridge_v2",
		},
		"metadata": map[string]any{"name": strOf(b.config["name"]), "archetype": "bridge_v2"},
		"services": []any{ref("bridge", bridgeDevice)},
	}
}

func (b *Bridge) v2BridgeLocked() map[string]any {
	id, _ := b.config["bridgeid"].(string)
	if id == "" {
		id = "001788fffe000000"
	}
	return map[string]any{
		"id":        v2ID("bridge", bridgeDevice),
		"type":      "bridge",
		"bridge_id": strings.ToLower(id),
		"owner":     ref("device", bridgeDevice),
		"time_zone": map[string]any{"time_zone": strOf(b.config["timezone"])},
	}
}

// v2HomeLocked is the bridge_home: every room, and group 0's grouped_light.
func (b *Bridge) v2HomeLocked() map[string]any {
	children := []any{}
	for _, id := range sortedIDs(b.groups) {
		if areaType(b.groups[id]) == "room" {
			children = append(children, ref("room", id))
		}
	}
	return map[string]any{
		"id":       v2ID("bridge_home", hue.AllLightsID),
		"id_v1":    "/groups/0",
		"type":     "bridge_home",
		"children": children,
		"services": []any{ref("grouped_light", hue.AllLightsID)},
	}
}

func (b *Bridge) v2ConnectivityLocked(id string) map[string]any {
	l := b.lights[id]
	status := "connected"
	if !boolOf(stateOf(l)["reachable"]) {
		status = "connectivity_issue"
	}
	return map[string]any{
		"id":          v2ID("zigbee_connectivity", id),
		"id_v1":       "/lights/" + id,
		"type":        "zigbee_connectivity",
		"owner":       ref("device", id),
		"status":      status,
		"mac_address": macOf(l, id),
	}
}

// macOf is the light's Zigbee address: its v1 uniqueid without the
// endpoint ("00:17:88:01:02:03:04:05-0b"), or one made up from its id.
func macOf(light map[string]any, id string) string {
	u, _, _ := strings.Cut(strOf(light["uniqueid"]), "-")
	if len(u) == len("00:17:88:01:02:03:04:05") {
		return strings.ToLower(u)
	}
	sum := sha1.Sum([]byte("mac/" + id))
	return fmt.Sprintf("00:17:88:01:%02x:%02x:%02x:%02x", sum[0], sum[1], sum[2], sum[3])
}

// areaType is "room" or "zone" for v1 groups v2 shows as such, "" for the
// others (LightGroup, Entertainment, ...), which v2 has no area for.
func areaType(group map[string]any) string {
	switch strOf(group["type"]) {
	case "Room":
		return "room"
	case "Zone":
		return "zone"
	}
	return ""
}

// v2AreaLocked is a room (children: the devices of its lights) or a zone
// (children: its lights).
func (b *Bridge) v2AreaLocked(rtype, id string) map[string]any {
	g := b.groups[id]
	children := []any{}
	for _, lid := range b.members(id) {
		if rtype == "room" {
			children = append(children, ref("device", lid))
		} else {
			children = append(children, ref("light", lid))
		}
	}
	archetype := strings.ReplaceAll(strings.ToLower(strOf(g["class"])), " ", "_")
	if archetype == "" {
		archetype = "other"
	}
	return map[string]any{
		"id":       v2ID(rtype, id),
		"id_v1":    "/groups/" + id,
		"type":     rtype,
		"metadata": map[string]any{"name": strOf(g["name"]), "archetype": archetype},
		"children": children,
		"services": []any{ref("grouped_light", id)},
	}
}

// v2GroupedLightLocked is a group's grouped_light: on if any member is,
// and the mean brightness of the members that are on (of all that dim
// while none is on).
func (b *Bridge) v2GroupedLightLocked(id string) map[string]any {
	v := map[string]any{
		"id":    v2ID("grouped_light", id),
		"id_v1": "/groups/" + id,
		"type":  "grouped_light",
	}
	switch {
	case id == hue.AllLightsID:
		v["owner"] = ref("bridge_home", id)
	case areaType(b.groups[id]) != "":
		v["owner"] = ref(areaType(b.groups[id]), id)
	}
	members := b.members(id)
	_, anyOn := b.onCounts(members)
	v["on"] = map[string]any{"on": anyOn}
	sum, n, dims := 0.0, 0, false
	for _, lid := range members {
		st := stateOf(b.lights[lid])
		if _, ok := st["bri"]; !ok {
			continue
		}
		dims = true
		if boolOf(st["on"]) {
			sum += b.percentLocked(lid, st)
			n++
		}
	}
	if dims {
		mean := 0.0
		if n > 0 {
			mean = sum / float64(n)
		}
		v["dimming"] = map[string]any{"brightness": mean}
	}
	return v
}

// v2SceneLocked is a scene as v2 shows it, nil for one v2 has not: scenes
// belong to a room or zone in v2, so v1 LightScenes and scenes of other
// groups are v1-only, as on a migrated bridge.
func (b *Bridge) v2SceneLocked(id string) map[string]any {
	s := b.scenes[id]
	gid := strOf(s["group"])
	area := areaType(b.groups[gid])
	if strOf(s["type"]) != "GroupScene" || area == "" {
		return nil
	}
	return map[string]any{
		"id":       v2ID("scene", id),
		"id_v1":    "/scenes/" + id,
		"type":     "scene",
		"metadata": map[string]any{"name": strOf(s["name"])},
		"group":    ref(area, gid),
	}
}
