package gateway

import (
	"bytes"
	"encoding/json"
	"sync"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/inventory"
	"github.com/huegate/huegate/mapping"
)

// StateOptions turns on publishing the bridges' state back to MQTT.
type StateOptions struct {
	Prefix       string        // huegate's topic prefix, e.g. "huegate"
	PollInterval time.Duration // how often lights and groups are read; default 2 s
	SafetyPoll   time.Duration // the poll interval while the event stream is up; default 60 s
	// OnInventory, if set, gets each bridge's lights, groups and scenes after
	// a poll that changed them (see package inventory). It runs on the bridge's poll
	// goroutine: it may publish, but must not wait long.
	OnInventory func(inventory.Inventory)
}

func (o StateOptions) defaults() StateOptions {
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.SafetyPoll <= 0 {
		o.SafetyPoll = 60 * time.Second
	}
	return o
}

// bridgeState mirrors one bridge's lights and groups and publishes each
// change, retained, on <base>/lights/<slug>/state and <base>/groups/<slug>/state.
type bridgeState struct {
	g    *Gateway
	pool *pool
	name string // the bridge's name in the configuration
	base string // prefix, plus the bridge's name when there are several
	opts StateOptions
	poke chan struct{} // poll now (the event stream saw a change)

	mu     sync.Mutex // also orders publishes, so a retained state is never older than the cache
	polled bool       // the first poll is done: later differences are outside changes
	lights map[string]*entry
	groups map[string]*entry
	online int8 // -1 unknown, 0 offline, 1 online
	stream bool // the event stream is connected
	known  known
	held   held     // set-topic commands that came before the first read
	clears []string // topics left in this poll, cleared at its end
	// cmdFailing: the last command failed in a way that is retried (error
	// 901, 429, 503, no answer). A bridge that answers reads but fails
	// commands is not usable: reads alone do not make it online again.
	cmdFailing bool

	firstPoll     chan struct{} // closed after the first read of the bridge
	connected     chan struct{} // closed on the first connect to the broker
	firstPollOnce sync.Once
	connectOnce   sync.Once
}

// entry is one light or group: what the bridge says (or what huegate just
// told it), under which topic, and what was last published there.
type entry struct {
	light     hue.Light
	group     hue.Group
	slug      string
	published []byte
	commanded time.Time // last successful command from huegate
}

func newBridgeState(g *Gateway, p *pool, name, base string, o StateOptions) *bridgeState {
	return &bridgeState{
		g: g, pool: p, name: name, base: base, opts: o.defaults(),
		poke:      make(chan struct{}, 1),
		lights:    map[string]*entry{},
		groups:    map[string]*entry{},
		online:    -1,
		firstPoll: make(chan struct{}),
		connected: make(chan struct{}),
	}
}

func (s *bridgeState) lightTopic(slug string) string { return s.base + "/lights/" + slug + "/state" }
func (s *bridgeState) groupTopic(slug string) string { return s.base + "/groups/" + slug + "/state" }
func (s *bridgeState) statusTopic() string           { return s.base + "/bridge/status" }

// publish sends payload if it differs from what the entry last published.
// Callers hold s.mu.
func (s *bridgeState) publish(e *entry, topic string, payload []byte) {
	if bytes.Equal(e.published, payload) {
		return
	}
	e.published = payload
	s.g.out.put(topic, payload)
}

// setOnline publishes the bridge's availability when it changes.
func (s *bridgeState) setOnline(ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := int8(0)
	if ok {
		v = 1
	}
	if s.online == v {
		return
	}
	s.online = v
	s.publishStatus()
}

func (s *bridgeState) publishStatus() {
	if s.online < 0 {
		return
	}
	payload := "offline"
	if s.online == 1 {
		payload = "online"
	}
	s.g.out.put(s.statusTopic(), []byte(payload))
}

// republish sends everything again: after a (re)connect the broker may have
// lost retained messages, and the core promise is a full set on connect.
// It reports whether the bridge has been read yet.
func (s *bridgeState) republish() (polled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.publishStatus()
	for _, e := range s.lights {
		if e.published != nil {
			s.g.out.put(s.lightTopic(e.slug), e.published)
		}
	}
	for _, e := range s.groups {
		if e.published != nil {
			s.g.out.put(s.groupTopic(e.slug), e.published)
		}
	}
	return s.polled
}

// lightJSON is the state payload of a light. id, name, on, bri and reachable
// are always present, and so are the zigbee2mqtt fields state and color_mode.
type lightJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	On        bool      `json:"on"`
	Bri       uint8     `json:"bri"`
	Reachable bool      `json:"reachable"`
	ColorMode string    `json:"colormode,omitempty"`
	CT        uint16    `json:"ct,omitempty"`
	Hue       *uint16   `json:"hue,omitempty"`
	Sat       *uint8    `json:"sat,omitempty"`
	XY        []float32 `json:"xy,omitempty"`
	Type      string    `json:"type"`
	haFields
}

func lightPayload(l hue.Light) []byte {
	st := l.State
	j := lightJSON{ID: l.ID, Name: l.Name, On: st.On, Bri: st.Bri, Reachable: st.Reachable,
		ColorMode: st.ColorMode, CT: st.CT, XY: st.XY, Type: l.Type,
		haFields: newHAFields(st.On, st, colorModes(l))}
	if len(st.XY) == 2 { // colour lights also report hue and sat
		j.Hue, j.Sat = &st.Hue, &st.Sat
	}
	b, _ := json.Marshal(j) // plain types always marshal
	return b
}

type groupJSON struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Lights []string `json:"lights"`
	AnyOn  bool     `json:"any_on"`
	AllOn  bool     `json:"all_on"`
	On     bool     `json:"on"`
	Bri    uint8    `json:"bri"`
	haFields
}

// groupPayload is a group's state; its zigbee2mqtt state is ON while any
// member is on, as the Hue app shows a room.
// Its on and brightness describe the lights as they are (on while any is,
// the mean brightness of those on), not the group's last command, which is
// what the bridge reports as the group's action.
func groupPayload(g hue.Group, modes []string, bri uint8) []byte {
	lights := g.Lights
	if lights == nil {
		lights = []string{}
	}
	st := g.Action
	st.On, st.Bri = g.AnyOn, bri
	b, _ := json.Marshal(groupJSON{ID: g.ID, Name: g.Name, Type: g.Type, Lights: lights,
		AnyOn: g.AnyOn, AllOn: g.AllOn, On: st.On, Bri: st.Bri,
		haFields: newHAFields(g.AnyOn, st, modes)})
	return b
}

// groupState is a group's payload from what the mirror knows of its
// lights. Callers hold s.mu.
func (s *bridgeState) groupState(g hue.Group) []byte {
	return groupPayload(g, s.modesOf(g), s.groupBri(g))
}

// groupBri is the mean brightness of the group's lights that are on and
// dimmable; the group's last command's when none is. Callers hold s.mu.
func (s *bridgeState) groupBri(g hue.Group) uint8 {
	sum, n := 0, 0
	for _, id := range g.Lights {
		e := s.lights[id]
		if e == nil || !e.light.State.On || e.light.State.Bri == 0 {
			continue
		}
		sum += int(e.light.State.Bri)
		n++
	}
	if n == 0 {
		return g.Action.Bri
	}
	return uint8((sum + n/2) / n)
}

// applyCommand is the optimistic update: a command the bridge accepted is
// published at once; the next poll confirms or corrects it.
func (s *bridgeState) applyCommand(k kind, id string, st hue.State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if k == kindLight {
		s.applyToLight(id, st, now)
		return
	}
	e := s.groups[id]
	if e == nil {
		return
	}
	mergeState(&e.group.Action, st)
	e.commanded = now
	for _, lid := range e.group.Lights {
		s.applyToLight(lid, st, now)
	}
	if id == "0" {
		for lid := range s.lights {
			s.applyToLight(lid, st, now)
		}
	}
	e.group.AnyOn, e.group.AllOn = s.anyAll(e.group.Lights)
	s.publish(e, s.groupTopic(e.slug), s.groupState(e.group))
}

func (s *bridgeState) applyToLight(id string, st hue.State, now time.Time) {
	e := s.lights[id]
	if e == nil {
		return
	}
	mergeState(&e.light.State, st)
	e.commanded = now
	s.publish(e, s.lightTopic(e.slug), lightPayload(e.light))
}

func (s *bridgeState) anyAll(ids []string) (anyOn, allOn bool) {
	allOn = len(ids) > 0
	for _, id := range ids {
		if e := s.lights[id]; e != nil && e.light.State.On {
			anyOn = true
		} else {
			allOn = false
		}
	}
	return anyOn, allOn
}

// mergeState lays a command over a known state, as the bridge would.
func mergeState(ls *hue.LightState, st hue.State) {
	if st.Has(hue.FieldOn) {
		ls.On = st.On
	}
	if st.Has(hue.FieldBri) {
		ls.Bri = st.Bri
	}
	if st.Has(hue.FieldCT) {
		ls.CT, ls.ColorMode = st.CT, "ct"
	}
	if st.Has(hue.FieldXY) {
		ls.XY, ls.ColorMode = []float32{float32(st.XY[0]), float32(st.XY[1])}, "xy"
	}
	if st.Has(hue.FieldHue) {
		ls.Hue, ls.ColorMode = st.Hue, "hs"
	}
	if st.Has(hue.FieldSat) {
		ls.Sat, ls.ColorMode = st.Sat, "hs"
	}
}

// level is a light's state as a mapping level, for sync.
func level(ls hue.LightState) mapping.Level {
	return mapping.Level{On: ls.On, Bri: ls.Bri}
}
