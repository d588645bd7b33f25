package emulator

// v2EntConfigLocked is an Entertainment group as its
// entertainment_configuration: a channel per light, in the group's v1
// order (a frame's channel id is the index into it), placed where the
// group's v1 locations put it.
func (b *Bridge) v2EntConfigLocked(gid string) map[string]any {
	g := b.groups[gid]
	name := strOf(g["name"])
	v := map[string]any{
		"id":                 v2ID("entertainment_configuration", gid),
		"id_v1":              "/groups/" + gid,
		"type":               "entertainment_configuration",
		"metadata":           map[string]any{"name": name},
		"name":               name,
		"configuration_type": "screen",
		"status":             "inactive",
	}
	if streamer, active := b.streamerLocked(gid); active {
		v["status"] = "active"
		v["active_streamer"] = map[string]any{"rid": streamer, "rtype": "auth_v1"}
	}
	channels, services := []any{}, []any{}
	for i, lid := range idsOf(g["lights"]) {
		channels = append(channels, map[string]any{
			"channel_id": i,
			"position":   positionOf(g, lid),
			"members":    []any{map[string]any{"service": ref("entertainment", lid), "index": 0}},
		})
		services = append(services, ref("light", lid))
	}
	v["channels"], v["light_services"] = channels, services
	return v
}

// positionOf is a light's place in an area, from the v1 group's
// locations ({"3": [x, y, z]}); the middle if it has none.
func positionOf(g map[string]any, lid string) map[string]any {
	locs, _ := g["locations"].(map[string]any)
	xyz, _ := locs[lid].([]any)
	p := [3]float64{}
	for i := 0; i < len(xyz) && i < 3; i++ {
		p[i] = floatOf(xyz[i])
	}
	return map[string]any{"x": p[0], "y": p[1], "z": p[2]}
}

// v2EntertainmentLocked is a light's entertainment service. renderer says
// whether the light can show a stream: what v1's capabilities.streaming
// says, yes for a light whose dump does not say.
func (b *Bridge) v2EntertainmentLocked(lid string) map[string]any {
	renderer := true
	caps, _ := b.lights[lid]["capabilities"].(map[string]any)
	if s, ok := caps["streaming"].(map[string]any); ok {
		renderer = boolOf(s["renderer"])
	}
	return map[string]any{
		"id":       v2ID("entertainment", lid),
		"id_v1":    "/lights/" + lid,
		"type":     "entertainment",
		"owner":    ref("device", lid),
		"renderer": renderer,
	}
}
