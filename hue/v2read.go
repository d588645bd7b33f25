package hue

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The CLIP v2 resources huegate reads, with the fields it uses (v2spec.md).
// They are plain values rather than openhue-go's generated types, whose
// every field is a pointer and which have no zigbee_connectivity.

type v2Ref struct {
	RID   string `json:"rid"`
	RType string `json:"rtype"`
}

type v2Meta struct {
	Name      string `json:"name"`
	Archetype string `json:"archetype"`
}

type v2On struct {
	On bool `json:"on"`
}

type v2Dimming struct {
	Brightness float64 `json:"brightness"`
}

type v2Light struct {
	ID               string     `json:"id"`
	IDv1             string     `json:"id_v1"`
	Owner            v2Ref      `json:"owner"`
	Metadata         v2Meta     `json:"metadata"`
	On               v2On       `json:"on"`
	Dimming          *v2Dimming `json:"dimming"`
	ColorTemperature *struct {
		Mirek       *float64 `json:"mirek"` // null while the light shows a colour
		MirekValid  bool     `json:"mirek_valid"`
		MirekSchema struct {
			Min float64 `json:"mirek_minimum"`
			Max float64 `json:"mirek_maximum"`
		} `json:"mirek_schema"`
	} `json:"color_temperature"`
	Color *struct {
		XY struct {
			X float64 `json:"x"`
			Y float64 `json:"y"`
		} `json:"xy"`
	} `json:"color"`
}

type v2Device struct {
	ID          string `json:"id"`
	ProductData struct {
		ModelID      string `json:"model_id"`
		Manufacturer string `json:"manufacturer_name"`
		ProductName  string `json:"product_name"`
		SwVersion    string `json:"software_version"`
	} `json:"product_data"`
	Metadata v2Meta  `json:"metadata"`
	Services []v2Ref `json:"services"`
}

type v2Zigbee struct {
	Owner  v2Ref  `json:"owner"`
	Status string `json:"status"`
	MAC    string `json:"mac_address"`
}

// v2Group is a room or a zone.
type v2Group struct {
	ID       string  `json:"id"`
	IDv1     string  `json:"id_v1"`
	Type     string  `json:"type"`
	Metadata v2Meta  `json:"metadata"`
	Children []v2Ref `json:"children"`
	Services []v2Ref `json:"services"`
}

type v2GroupedLight struct {
	ID      string     `json:"id"`
	IDv1    string     `json:"id_v1"`
	On      v2On       `json:"on"`
	Dimming *v2Dimming `json:"dimming"`
}

type v2Scene struct {
	ID       string `json:"id"`
	IDv1     string `json:"id_v1"`
	Metadata v2Meta `json:"metadata"`
	Group    v2Ref  `json:"group"`
}

type v2Bridge struct {
	BridgeID string `json:"bridge_id"`
	Owner    v2Ref  `json:"owner"`
}

// Resource types that commands address.
const (
	rtLight        = "light"
	rtGroupedLight = "grouped_light"
	rtScene        = "scene"
)

// v1Prefix is the id_v1 prefix of each type's v1 twin.
var v1Prefix = map[string]string{rtLight: "/lights/", rtGroupedLight: "/groups/", rtScene: "/scenes/"}

// ourID is the id huegate hands out for a v2 resource: its v1 id
// ("/lights/3" -> "3"), so nothing above the client changes with the API,
// else its v2 id (a resource made with v2 only).
func ourID(idv1, prefix, id string) string {
	if v1, ok := strings.CutPrefix(idv1, prefix); ok && v1 != "" {
		return v1
	}
	return id
}

// Reads run one request after the other, not concurrently: the bridge
// takes about 3 v2 requests at once before it answers 429, and a poll that
// took all three would turn the workers' commands into 429s, which pause
// every command. Reads can wait; commands are what people see.

// lightsV2 reads light, device and zigbee_connectivity.
func (c *Client) lightsV2(ctx context.Context) (_ []Light, err error) {
	defer c.observe(OpLights, time.Now(), &err)
	lights, err := getV2[v2Light](ctx, c, rtLight)
	if err != nil {
		return nil, err
	}
	devices, err := getV2[v2Device](ctx, c, "device")
	if err != nil {
		return nil, err
	}
	zbs, err := getV2[v2Zigbee](ctx, c, "zigbee_connectivity")
	if err != nil {
		return nil, err
	}
	out := lightsFrom(lights, devices, zbs)
	if err := c.v1UniqueIDs(ctx, out); err != nil {
		return nil, err
	}
	ids := make(map[string]string, len(lights))
	for _, l := range lights {
		ids[ourID(l.IDv1, "/lights/", l.ID)] = l.ID
	}
	c.v2.setIDs(rtLight, ids, true)
	c.v2.remember(lights, devices)
	return out, nil
}

func lightsFrom(lights []v2Light, devices []v2Device, zbs []v2Zigbee) []Light {
	devByID := make(map[string]*v2Device, len(devices))
	for i := range devices {
		devByID[devices[i].ID] = &devices[i]
	}
	zbByDev := make(map[string]*v2Zigbee, len(zbs))
	for i := range zbs {
		zbByDev[zbs[i].Owner.RID] = &zbs[i]
	}
	delete(devByID, "") // an empty reference refers to nothing
	delete(zbByDev, "")
	out := make([]Light, 0, len(lights))
	for _, l := range lights {
		if l.ID == "" {
			continue // no id, no command can reach it
		}
		out = append(out, lightFromV2(l, devByID[l.Owner.RID], zbByDev[l.Owner.RID]))
	}
	sortByID(out, func(l Light) string { return l.ID })
	return out
}

// lightFromV2 builds a light; d and z are nil when the bridge has none.
func lightFromV2(l v2Light, d *v2Device, z *v2Zigbee) Light {
	out := Light{ID: ourID(l.IDv1, "/lights/", l.ID), Name: l.Metadata.Name, Type: v1Type(l)}
	if d != nil {
		p := d.ProductData
		out.ModelID, out.Manufacturer, out.ProductName, out.SwVersion = p.ModelID, p.Manufacturer, p.ProductName, p.SwVersion
		if out.Name == "" {
			out.Name = d.Metadata.Name
		}
	}
	st := LightState{On: l.On.On, Reachable: true}
	if z != nil {
		st.Reachable = z.Status == "connected"
		out.UniqueID = z.MAC // replaced by the v1 uniqueid when it is known
	}
	if l.Dimming != nil {
		st.Brightness, st.Bri = percentBri(l.Dimming.Brightness)
	}
	if ct := l.ColorTemperature; ct != nil {
		lo, hi := mired(ct.MirekSchema.Min), mired(ct.MirekSchema.Max)
		if lo > 0 && hi > lo {
			out.CTMin, out.CTMax = lo, hi
		}
		if ct.Mirek != nil {
			st.CT = mired(*ct.Mirek)
			if ct.MirekValid {
				st.ColorMode = "ct"
			}
		}
	}
	if col := l.Color; col != nil {
		st.XY = []float32{float32(unit(col.XY.X)), float32(unit(col.XY.Y))}
		st.Hue, st.Sat = xyToHS(unit(col.XY.X), unit(col.XY.Y))
		if st.ColorMode == "" {
			st.ColorMode = "xy"
		}
	}
	out.State = st
	return out
}

// v1Type is the v1 type name of a light with these capabilities, which
// Home Assistant discovery turns into colour modes.
func v1Type(l v2Light) string {
	switch col, ct := l.Color != nil, l.ColorTemperature != nil; {
	case col && ct:
		return "Extended color light"
	case col:
		return "Color light"
	case ct:
		return "Color temperature light"
	case l.Dimming != nil:
		return "Dimmable light"
	}
	return "On/Off plug-in unit"
}

// percentBri is a v2 brightness and the v1 bri it stands for (1..254).
func percentBri(p float64) (float64, uint8) {
	p = min(max(p, 0), 100)
	return p, uint8(min(max(math.Round(p*254/100), 1), 254))
}

// mired bounds a mirek from the bridge to what a uint16 holds.
func mired(m float64) uint16 {
	return uint16(min(max(m, 0), math.MaxUint16))
}

func unit(f float64) float64 { return min(max(f, 0), 1) }

// v1UniqueIDs gives the lights their v1 uniqueid ("00:17:88:01:00:bd:c7:b9-0b"),
// which v2 does not have (only the zigbee mac): Home Assistant's entity ids
// are built from it, and a user who switches API must keep their entities.
// Every bridge that speaks v2 also answers v1 GET /lights, so it is read
// once, cached by v1 id, and read again only when a light appears that an
// earlier read was not asked about. A read that fails for good (no v1)
// leaves those lights with the zigbee mac; one that may work later (a
// timeout, 429) fails the whole call, because a uniqueid that flips from the
// mac to the v1 one and back would give the user duplicate entities.
func (c *Client) v1UniqueIDs(ctx context.Context, lights []Light) error {
	if c.v2.needUniqueIDs(lights) {
		body, err := c.get(ctx, "", "/lights")
		var v1 []Light
		if err == nil {
			v1, err = DecodeLights(body)
		}
		if err != nil && Retryable(err) {
			return err
		}
		c.v2.learnUniqueIDs(lights, v1)
	}
	c.v2.mu.Lock()
	defer c.v2.mu.Unlock()
	for i := range lights {
		if u := c.v2.uniq[lights[i].ID]; u != "" {
			lights[i].UniqueID = u
		}
	}
	return nil
}

// needUniqueIDs reports whether a light with a v1 id has not been asked
// about yet.
func (s *v2State) needUniqueIDs(lights []Light) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range lights {
		if isV1ID(l.ID) && !s.tried[l.ID] {
			return true
		}
	}
	return false
}

func (s *v2State) learnUniqueIDs(asked, v1 []Light) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range asked {
		s.tried[l.ID] = true
	}
	for _, l := range v1 {
		if l.UniqueID != "" {
			s.uniq[l.ID] = l.UniqueID
		}
	}
}

// isV1ID reports whether id is a v1 light or group id (digits), not a v2 id.
func isV1ID(id string) bool {
	if id == "" {
		return false
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// recentReads are the lights and devices of the last lightsV2: a poll reads
// lights, then groups at once, and the groups need both again.
type recentReads struct {
	at      time.Time
	lights  []v2Light
	devices []v2Device
}

// reuseReads is how old the lights and devices a group read borrows may be.
const reuseReads = time.Second

func (s *v2State) remember(lights []v2Light, devices []v2Device) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recent = recentReads{at: time.Now(), lights: lights, devices: devices}
}

func (s *v2State) recentLights() ([]v2Light, []v2Device, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.recent
	return r.lights, r.devices, !r.at.IsZero() && time.Since(r.at) < reuseReads
}

// groupsV2 reads room, zone and grouped_light, and the lights and devices
// that say which lights are in them (borrowed from a light read less than a
// second old).
func (c *Client) groupsV2(ctx context.Context) (_ []Group, err error) {
	defer c.observe(OpGroups, time.Now(), &err)
	var rooms, zones []v2Group
	var gls []v2GroupedLight
	if rooms, err = getV2[v2Group](ctx, c, "room"); err != nil {
		return nil, err
	}
	if zones, err = getV2[v2Group](ctx, c, "zone"); err != nil {
		return nil, err
	}
	if gls, err = getV2[v2GroupedLight](ctx, c, rtGroupedLight); err != nil {
		return nil, err
	}
	lights, devices, ok := c.v2.recentLights()
	if !ok {
		if lights, err = getV2[v2Light](ctx, c, rtLight); err != nil {
			return nil, err
		}
		if devices, err = getV2[v2Device](ctx, c, "device"); err != nil {
			return nil, err
		}
	}
	out, ids := groupsFrom(append(rooms, zones...), gls, lights, devices)
	c.v2.setIDs(rtGroupedLight, ids, true)
	if err := c.v1GroupNames(ctx, out, lights); err != nil {
		return nil, err
	}
	groupColours(out, lights)
	return out, nil
}

// groupColours gives each group the colour of its first light that is on
// (else its first light): a v2 grouped_light reports on and brightness
// only, where v1's group action also had the colour last sent, which the
// group's state topic shows.
func groupColours(groups []Group, lights []v2Light) {
	states := make(map[string]LightState, len(lights))
	for _, l := range lights {
		lf := lightFromV2(l, nil, nil)
		states[lf.ID] = lf.State
	}
	for i := range groups {
		g := &groups[i]
		var from *LightState
		for _, id := range g.Lights {
			st, ok := states[id]
			if ok && (from == nil || st.On && !from.On) {
				from = &st
			}
		}
		if from != nil {
			g.Action.XY, g.Action.CT, g.Action.Hue, g.Action.Sat, g.Action.ColorMode = from.XY, from.CT, from.Hue, from.Sat, from.ColorMode
		}
	}
}

// v1GroupNames fills in the groups v2 has no room or zone for (v1
// LightGroups, Entertainment areas): their names, types and lights are only
// in v1, which every bridge that speaks v2 also answers. Without them their
// topics would change from the name's slug to the id when a user moves to
// v2. Read once, and again only when such a group appears that an earlier
// read was not asked about; a read that may work later fails the call, as
// for the uniqueids, so a topic never flips back and forth.
func (c *Client) v1GroupNames(ctx context.Context, groups []Group, lights []v2Light) error {
	if c.v2.needGroupNames(groups) {
		body, err := c.get(ctx, "", "/groups")
		var v1 []Group
		if err == nil {
			v1, err = DecodeGroups(body)
		}
		if err != nil && Retryable(err) {
			return err
		}
		c.v2.learnGroupNames(groups, v1)
	}
	on := make(map[string]bool, len(lights))
	for _, l := range lights {
		if id := ourID(l.IDv1, "/lights/", ""); id != "" {
			on[id] = l.On.On
		}
	}
	c.v2.mu.Lock()
	defer c.v2.mu.Unlock()
	for i := range groups {
		if g, ok := c.v2.v1Groups[groups[i].ID]; ok && groups[i].Name == "" {
			groups[i].Name, groups[i].Type, groups[i].Class, groups[i].Lights = g.Name, g.Type, g.Class, g.Lights
			groups[i].AllOn = allOn(g.Lights, on)
		}
	}
	return nil
}

func allOn(ids []string, on map[string]bool) bool {
	for _, id := range ids {
		if !on[id] {
			return false
		}
	}
	return len(ids) > 0
}

// needGroupNames reports whether a group v2 does not name has not been
// asked about yet.
func (s *v2State) needGroupNames(groups []Group) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range groups {
		if g.Name == "" && isV1ID(g.ID) && !s.triedGroups[g.ID] {
			return true
		}
	}
	return false
}

func (s *v2State) learnGroupNames(asked, v1 []Group) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range asked {
		s.triedGroups[g.ID] = true
	}
	for _, g := range v1 {
		s.v1Groups[g.ID] = g
	}
}

// groupsFrom builds the groups, and the map from their ids to the
// grouped_light that commands go to. A grouped_light with a v1 id that no
// room or zone owns (group 0, v1 LightGroups and Entertainment areas) is in
// the map so commands reach it; the groups list leaves out group 0, as v1
// does, and lists the others as "LightGroup" without name or lights, which
// v2 does not give, so mappings that name them by id keep working.
func groupsFrom(groups []v2Group, gls []v2GroupedLight, lights []v2Light, devices []v2Device) ([]Group, map[string]string) {
	lightByID := make(map[string]*v2Light, len(lights))
	for i := range lights {
		lightByID[lights[i].ID] = &lights[i]
	}
	lightsOf := make(map[string][]string, len(devices)) // device -> its light services
	for _, d := range devices {
		for _, s := range d.Services {
			if s.RType == rtLight {
				lightsOf[d.ID] = append(lightsOf[d.ID], s.RID)
			}
		}
	}
	glByID := make(map[string]*v2GroupedLight, len(gls))
	for i := range gls {
		glByID[gls[i].ID] = &gls[i]
	}
	ids := make(map[string]string)
	owned := make(map[string]bool)
	out := make([]Group, 0, len(groups))
	for _, g := range groups {
		if g.ID == "" {
			continue
		}
		grp := Group{ID: ourID(g.IDv1, "/groups/", g.ID), Name: g.Metadata.Name, Type: "Zone", Class: roomClass(g.Metadata.Archetype)}
		if g.Type == "room" {
			grp.Type = "Room"
		}
		var members []*v2Light
		for _, ch := range g.Children {
			rids := []string{ch.RID}
			if ch.RType == "device" {
				rids = lightsOf[ch.RID]
			} else if ch.RType != rtLight {
				continue
			}
			for _, rid := range rids {
				if l := lightByID[rid]; l != nil && !slices.Contains(members, l) {
					members = append(members, l)
				}
			}
		}
		grp.Lights = make([]string, 0, len(members))
		grp.AllOn = len(members) > 0
		for _, l := range members {
			grp.Lights = append(grp.Lights, ourID(l.IDv1, "/lights/", l.ID))
			grp.AnyOn = grp.AnyOn || l.On.On
			grp.AllOn = grp.AllOn && l.On.On
		}
		slices.SortFunc(grp.Lights, CompareIDs)
		for _, s := range g.Services {
			if gl := glByID[s.RID]; s.RType == rtGroupedLight && gl != nil && gl.ID != "" {
				grp.Action = groupAction(*gl)
				ids[grp.ID] = gl.ID
				owned[gl.ID] = true
			}
		}
		out = append(out, grp)
	}
	for _, gl := range gls {
		id := ourID(gl.IDv1, "/groups/", "")
		if owned[gl.ID] || id == "" || gl.ID == "" {
			continue
		}
		ids[id] = gl.ID
		if id != AllLightsID {
			out = append(out, Group{ID: id, Type: "LightGroup", Lights: []string{}, AnyOn: gl.On.On, Action: groupAction(gl)})
		}
	}
	sortByID(out, func(g Group) string { return g.ID })
	return out, ids
}

func groupAction(gl v2GroupedLight) LightState {
	st := LightState{On: gl.On.On}
	if gl.Dimming != nil {
		st.Brightness, st.Bri = percentBri(gl.Dimming.Brightness)
	}
	return st
}

// roomClass turns a v2 archetype ("living_room") into v1's class ("Living
// room"), which is close for most; v1 has a few others ("Free").
func roomClass(arch string) string {
	if arch == "" {
		return ""
	}
	if arch == "tv" {
		return "TV"
	}
	s := strings.ReplaceAll(arch, "_", " ")
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// scenesV2 reads scene, and room and zone for the v1 ids of their groups.
func (c *Client) scenesV2(ctx context.Context) (_ []Scene, err error) {
	defer c.observe(OpScenes, time.Now(), &err)
	var scenes []v2Scene
	var rooms, zones []v2Group
	if scenes, err = getV2[v2Scene](ctx, c, rtScene); err != nil {
		return nil, err
	}
	if rooms, err = getV2[v2Group](ctx, c, "room"); err != nil {
		return nil, err
	}
	if zones, err = getV2[v2Group](ctx, c, "zone"); err != nil {
		return nil, err
	}
	out, ids := scenesFrom(scenes, append(rooms, zones...))
	c.v2.setIDs(rtScene, ids, true)
	return out, nil
}

// scenesFrom builds the scenes, sorted as v1's, and the map from their ids
// to v2 ids. Scenes made with v2 only have no v1 id; their v2 id stands in,
// and recalls them just as well.
func scenesFrom(scenes []v2Scene, groups []v2Group) ([]Scene, map[string]string) {
	groupID := make(map[string]string, len(groups))
	for _, g := range groups {
		groupID[g.ID] = ourID(g.IDv1, "/groups/", g.ID)
	}
	ids := make(map[string]string, len(scenes))
	out := make([]Scene, 0, len(scenes))
	for _, s := range scenes {
		if s.ID == "" {
			continue
		}
		id := ourID(s.IDv1, "/scenes/", s.ID)
		ids[id] = s.ID
		out = append(out, Scene{ID: id, Name: s.Metadata.Name, Type: "GroupScene", Group: groupID[s.Group.RID]})
	}
	sortByID(out, func(s Scene) string { return s.ID })
	sortScenes(out)
	return out, ids
}

// bridgeConfigV2 reads the bridge resource for its id, and the bridge's
// device for its name, model and firmware (no v1 /config).
func (c *Client) bridgeConfigV2(ctx context.Context) (_ BridgeConfig, err error) {
	defer c.observe(OpConfig, time.Now(), &err)
	bridges, err := getV2[v2Bridge](ctx, c, "bridge")
	if err != nil {
		return BridgeConfig{}, err
	}
	if len(bridges) == 0 || bridges[0].BridgeID == "" {
		return BridgeConfig{}, c.wrap(http.MethodGet, v2Path+"bridge", fmt.Errorf("%w: no bridge_id", ErrMalformed))
	}
	b := bridges[0]
	// v2 writes the id in lower case, v1 in upper case; ids built from it
	// must not change with the API.
	out := BridgeConfig{BridgeID: strings.ToUpper(b.BridgeID)}
	if b.Owner.RID == "" {
		return out, nil
	}
	devices, err := getV2[v2Device](ctx, c, "device/"+url.PathEscape(b.Owner.RID))
	if err != nil {
		return BridgeConfig{}, err
	}
	for _, d := range devices {
		if d.ID == b.Owner.RID {
			out.Name, out.ModelID, out.SwVersion = d.Metadata.Name, d.ProductData.ModelID, d.ProductData.SwVersion
		}
	}
	return out, nil
}
