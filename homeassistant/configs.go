package homeassistant

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/inventory"
)

// nodeID groups huegate's configs under <prefix>/<component>/huegate/.
const nodeID = "huegate"

// names builds topics, ids and payloads.
type names struct {
	prefix  string // discovery prefix
	status  string // huegate's availability topic
	version string
}

// The parts of a discovery config, in Home Assistant's names.

type availability struct {
	Topic         string `json:"topic"`
	ValueTemplate string `json:"value_template,omitempty"`
}

type device struct {
	Identifiers   []string `json:"identifiers"`
	Name          string   `json:"name"`
	Manufacturer  string   `json:"manufacturer,omitempty"`
	Model         string   `json:"model,omitempty"`
	SwVersion     string   `json:"sw_version,omitempty"`
	ViaDevice     string   `json:"via_device,omitempty"`
	SuggestedArea string   `json:"suggested_area,omitempty"`
}

type origin struct {
	Name      string `json:"name"`
	SwVersion string `json:"sw_version,omitempty"`
}

// lightConfig is a light in Home Assistant's JSON schema. Its name is null:
// the entity takes its device's name, the name from the Hue app.
type lightConfig struct {
	Name                *string        `json:"name"`
	UniqueID            string         `json:"unique_id"`
	Schema              string         `json:"schema"`
	CommandTopic        string         `json:"command_topic"`
	StateTopic          string         `json:"state_topic"`
	BrightnessScale     int            `json:"brightness_scale"`
	SupportedColorModes []string       `json:"supported_color_modes"`
	MinMireds           uint16         `json:"min_mireds,omitempty"` // the lamp's range, not Home Assistant's 153-500 guess
	MaxMireds           uint16         `json:"max_mireds,omitempty"`
	Flash               bool           `json:"flash"` // huegate takes no flash command
	Availability        []availability `json:"availability"`
	AvailabilityMode    string         `json:"availability_mode"`
	Device              device         `json:"device"`
	Origin              origin         `json:"origin"`
}

type sceneConfig struct {
	Name             string         `json:"name"`
	UniqueID         string         `json:"unique_id"`
	CommandTopic     string         `json:"command_topic"`
	PayloadOn        string         `json:"payload_on"`
	Availability     []availability `json:"availability"`
	AvailabilityMode string         `json:"availability_mode"`
	Device           device         `json:"device"`
	Origin           origin         `json:"origin"`
}

type bridgeConfig struct {
	Name              string `json:"name"`
	UniqueID          string `json:"unique_id"`
	DeviceClass       string `json:"device_class"`
	EntityCategory    string `json:"entity_category"`
	StateTopic        string `json:"state_topic"`
	PayloadOn         string `json:"payload_on"`
	PayloadOff        string `json:"payload_off"`
	AvailabilityTopic string `json:"availability_topic"`
	Device            device `json:"device"`
	Origin            origin `json:"origin"`
}

// reachable makes a light unavailable while the bridge cannot reach it
// (switched off at the wall), from the reachable field of its state.
const reachable = `{{ 'online' if value_json.reachable else 'offline' }}`

// configs are every discovery config for one bridge, by topic.
func (n names) configs(inv inventory.Inventory) map[string][]byte {
	b := bridgeOf(inv)
	out := map[string][]byte{}
	put := func(component, objectID string, v any) {
		payload, _ := json.Marshal(v) // plain structs always marshal
		out[n.prefix+"/"+component+"/"+nodeID+"/"+objectID+"/config"] = payload
	}
	put("binary_sensor", b.key+"_bridge", n.bridge(b, inv))
	rooms := roomOf(inv.Groups)
	for _, l := range inv.Lights {
		id := lightObjectID(b, l)
		put("light", id, n.light(b, l, id, rooms[l.ID]))
	}
	groups := map[string]inventory.Group{}
	for _, g := range inv.Groups {
		id := b.key + "_group_" + g.ID
		groups[g.ID] = g
		put("light", id, n.group(b, g, id))
	}
	for _, sc := range inv.Scenes {
		g, ok := groups[sc.Group]
		if !ok || sc.Recycle { // LightScenes have no group; recycled ones are an app's scratch
			continue
		}
		id := b.key + "_scene_" + sanitize(sc.ID)
		put("scene", id, n.scene(b, g, sc, id))
	}
	return out
}

// bridge is what every config says about the bridge it came from.
type bridge struct {
	key    string // lower-case bridge id, or huegate's name for it
	device string // the bridge device's identifier, via_device of the rest
	cfg    hue.BridgeConfig
	status string
}

func bridgeOf(inv inventory.Inventory) bridge {
	key := strings.ToLower(sanitize(inv.Config.BridgeID))
	if key == "" {
		key = sanitize(inv.Bridge)
	}
	return bridge{key: key, device: nodeID + "_bridge_" + key, cfg: inv.Config, status: inv.StatusTopic}
}

func (n names) origin() origin { return origin{Name: "huegate", SwVersion: n.version} }

// availability: huegate and the bridge must both be online.
func (n names) availability(b bridge, extra ...availability) []availability {
	return append([]availability{{Topic: n.status}, {Topic: b.status}}, extra...)
}

func (n names) bridge(b bridge, inv inventory.Inventory) bridgeConfig {
	name := b.cfg.Name
	if name == "" {
		name = "Hue bridge " + inv.Bridge
	}
	return bridgeConfig{
		Name: "Connection", UniqueID: nodeID + "_" + b.key + "_bridge",
		DeviceClass: "connectivity", EntityCategory: "diagnostic",
		StateTopic: b.status, PayloadOn: "online", PayloadOff: "offline",
		AvailabilityTopic: n.status,
		Device: device{Identifiers: []string{b.device}, Name: name, Manufacturer: "Signify",
			Model: b.cfg.ModelID, SwVersion: b.cfg.SwVersion},
		Origin: n.origin(),
	}
}

func (n names) light(b bridge, l inventory.Light, objectID, room string) lightConfig {
	model := l.ProductName
	if model == "" {
		model = l.ModelID
	} else if l.ModelID != "" {
		model += " (" + l.ModelID + ")"
	}
	c := lightConfig{
		UniqueID: nodeID + "_" + objectID, Schema: "json",
		CommandTopic: l.SetTopic, StateTopic: l.StateTopic,
		BrightnessScale: 254, SupportedColorModes: l.ColorModes,
		Availability:     n.availability(b, availability{Topic: l.StateTopic, ValueTemplate: reachable}),
		AvailabilityMode: "all",
		Device: device{Identifiers: []string{nodeID + "_" + objectID}, Name: l.Name,
			Manufacturer: l.Manufacturer, Model: model, SwVersion: l.SwVersion,
			ViaDevice: b.device, SuggestedArea: room},
		Origin: n.origin(),
	}
	if slices.Contains(l.ColorModes, "color_temp") {
		c.MinMireds, c.MaxMireds = l.MinMireds, l.MaxMireds
	}
	return c
}

func (n names) group(b bridge, g inventory.Group, objectID string) lightConfig {
	area := ""
	if g.Type == "Room" {
		area = g.Name
	}
	return lightConfig{
		UniqueID: nodeID + "_" + objectID, Schema: "json",
		CommandTopic: g.SetTopic, StateTopic: g.StateTopic,
		BrightnessScale: 254, SupportedColorModes: g.ColorModes,
		Availability: n.availability(b), AvailabilityMode: "all",
		Device: device{Identifiers: []string{nodeID + "_" + objectID}, Name: g.Name,
			Manufacturer: "Signify", Model: "Hue " + g.Type, ViaDevice: b.device, SuggestedArea: area},
		Origin: n.origin(),
	}
}

// scene is a scene entity on its group's device; activating it sends the
// scene's id to the group's set topic.
func (n names) scene(b bridge, g inventory.Group, sc hue.Scene, objectID string) sceneConfig {
	payload, _ := json.Marshal(map[string]string{"scene": sc.ID})
	return sceneConfig{
		Name: sc.Name, UniqueID: nodeID + "_" + objectID,
		CommandTopic: g.SetTopic, PayloadOn: string(payload),
		Availability: n.availability(b), AvailabilityMode: "all",
		Device: device{Identifiers: []string{nodeID + "_" + b.key + "_group_" + g.ID}, Name: g.Name},
		Origin: n.origin(),
	}
}

// lightObjectID is stable for the life of the lamp: the Hue uniqueid (its
// Zigbee address), which survives renames and a bridge reset. A light
// without one falls back to its id on the bridge.
func lightObjectID(b bridge, l inventory.Light) string {
	if id := sanitize(l.UniqueID); id != "" {
		return id
	}
	return b.key + "_light_" + l.ID
}

// roomOf names the room (a group of type Room) each light is in, for Home
// Assistant's suggested area. A light is in one room at most.
func roomOf(groups []inventory.Group) map[string]string {
	out := map[string]string{}
	for _, g := range groups {
		if g.Type != "Room" {
			continue
		}
		for _, id := range g.Lights {
			out[id] = g.Name
		}
	}
	return out
}

// sanitize keeps what a discovery topic level and an id may hold: letters,
// digits, _ and -.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '_' || r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	return b.String()
}
