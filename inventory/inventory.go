// Package inventory is the contract between huegate's state mirror and the
// extensions that describe the bridge to others (Home Assistant discovery):
// one bridge's lights, groups and scenes with the topics huegate uses for
// each. It holds types only, and no state (on, brightness): an Inventory
// changes when something is added, removed, renamed or updated.
package inventory

import "github.com/huegate/huegate/hue"

// Inventory is one bridge's lights, groups and scenes as the state mirror
// last read them.
type Inventory struct {
	Bridge      string           // the bridge's name in huegate's configuration
	Config      hue.BridgeConfig // the bridge's own name, id, model and firmware
	StatusTopic string           // the bridge's availability topic (online/offline)
	Lights      []Light
	Groups      []Group
	Scenes      []hue.Scene // every scene; GroupScenes name their group
}

// Light is one light and its topics.
type Light struct {
	ID, Name, Type                 string
	ModelID, ProductName, UniqueID string
	Manufacturer, SwVersion        string
	ColorModes                     []string // onoff, brightness, or color_temp and/or xy
	// MinMireds and MaxMireds bound the colour temperature it can show; 0
	// when the light does not say.
	MinMireds, MaxMireds uint16
	StateTopic, SetTopic string
}

// Group is one group and its topics.
type Group struct {
	ID, Name, Type, Class string
	Lights                []string
	ColorModes            []string // what the members can do together
	StateTopic, SetTopic  string
}
