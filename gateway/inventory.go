package gateway

import (
	"context"
	"reflect"
	"slices"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/inventory"
	"github.com/huegate/huegate/mapping"
)

// Scenes change rarely and are only read every sceneEvery, or after a
// command named one huegate did not know, at most every sceneRetry.
const (
	sceneEvery = time.Minute
	sceneRetry = 10 * time.Second
)

// known is what the mirror knows besides states. Guarded by bridgeState.mu.
type known struct {
	lightSlugs map[string]string // topic level -> id, for the set topics
	groupSlugs map[string]string
	scenes     []hue.Scene
	scenesAt   time.Time // last read
	scenesDue  bool      // read again at the next poll
	config     hue.BridgeConfig
	inventory  *inventory.Inventory // last handed to the hook
}

// afterPoll brings the set topics' index up to date with the poll, reads
// scenes and the bridge's name when due, and hands the inventory to the
// hook when it changed.
func (s *bridgeState) afterPoll(ctx context.Context) {
	s.index()
	s.readScenes(ctx)
	s.release()
	configured := s.readConfig(ctx)
	if s.opts.OnInventory == nil || !configured {
		return
	}
	if inv, changed := s.inventory(); changed {
		s.opts.OnInventory(inv)
	}
}

func (s *bridgeState) index() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.known.lightSlugs = slugIndex(s.lights)
	s.known.groupSlugs = slugIndex(s.groups)
}

func slugIndex(m map[string]*entry) map[string]string {
	out := make(map[string]string, len(m))
	for id, e := range m {
		out[e.slug] = id
	}
	return out
}

func (s *bridgeState) readScenes(ctx context.Context) {
	s.mu.Lock()
	due := s.known.scenesDue || time.Since(s.known.scenesAt) >= sceneEvery
	s.mu.Unlock()
	if !due {
		return
	}
	scenes, err := s.pool.bridge.Scenes(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.g.pollWarn.Warn().Err(err).Msg("reading the bridge's scenes failed; scene names resolve from the last list")
		return
	}
	s.known.scenes, s.known.scenesAt, s.known.scenesDue = scenes, time.Now(), false
}

// readConfig reads the bridge's name and id once. It reports whether they
// are known (or the bridge cannot tell), which the inventory waits for so
// the ids built from them do not change under the hook.
func (s *bridgeState) readConfig(ctx context.Context) bool {
	if s.opts.OnInventory == nil {
		return true
	}
	s.mu.Lock()
	have := s.known.config.BridgeID != ""
	s.mu.Unlock()
	if have {
		return true
	}
	cfg, err := s.pool.bridge.BridgeConfig(ctx)
	if err != nil {
		s.g.pollWarn.Warn().Err(err).Msg("reading the bridge's name and id failed")
		return false
	}
	s.mu.Lock()
	s.known.config = cfg
	s.mu.Unlock()
	return true
}

// inventory builds the current inventory and reports whether it differs
// from the one last handed out.
func (s *bridgeState) inventory() (inventory.Inventory, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := inventory.Inventory{Bridge: s.name, Config: s.known.config, StatusTopic: s.statusTopic(), Scenes: s.known.scenes}
	for _, id := range sortedKeys(s.lights) {
		e := s.lights[id]
		l := e.light
		inv.Lights = append(inv.Lights, inventory.Light{
			ID: l.ID, Name: l.Name, Type: l.Type, ModelID: l.ModelID, ProductName: l.ProductName,
			UniqueID: l.UniqueID, Manufacturer: l.Manufacturer, SwVersion: l.SwVersion,
			ColorModes: colorModes(l), MinMireds: l.CTMin, MaxMireds: l.CTMax,
			StateTopic: s.lightTopic(e.slug), SetTopic: s.setTopic(kindLight, e.slug),
		})
	}
	for _, id := range sortedKeys(s.groups) {
		e := s.groups[id]
		g := e.group
		inv.Groups = append(inv.Groups, inventory.Group{
			ID: g.ID, Name: g.Name, Type: g.Type, Class: g.Class, Lights: slices.Clone(g.Lights),
			ColorModes: s.modesOf(g), StateTopic: s.groupTopic(e.slug), SetTopic: s.setTopic(kindGroup, e.slug),
		})
	}
	if s.known.inventory != nil && reflect.DeepEqual(*s.known.inventory, inv) {
		return inv, false
	}
	s.known.inventory = &inv
	return inv, true
}

func sortedKeys(m map[string]*entry) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sortByNumber(ids)
	return ids
}

// AllLights is group 0, which every bridge has and none lists: mappings may
// name it.
var AllLights = mapping.Named{ID: hue.AllLightsID, Name: "All lights"}

// sortByNumber orders ids numerically ("2" before "12"), others as text.
func sortByNumber(ids []string) { slices.SortFunc(ids, hue.CompareIDs) }
