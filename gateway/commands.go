package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt"
)

// Per-light and per-group command topics, <base>/lights/<slug>/set and
// <base>/groups/<slug>/set, take zigbee2mqtt-style commands (see
// mapping.ParseCommand). One wildcard subscription per kind and bridge
// serves them all; the slug is looked up in the index the last poll built,
// so a light renamed in the Hue app moves its set topic with its state
// topic. Commands go through the same slots, workers and budget as the
// shared topics. huegate never subscribes to its state topics, so nothing
// it publishes comes back as a command.

func (s *bridgeState) setFilter(k kind) string { return s.base + "/" + k.String() + "s/+/set" }

func (s *bridgeState) setTopic(k kind, slug string) string {
	return s.base + "/" + k.String() + "s/" + slug + "/set"
}

// subscribeCommands subscribes every bridge's set topics.
func (g *Gateway) subscribeCommands(ctx context.Context) error {
	for _, s := range g.states {
		for _, k := range []kind{kindLight, kindGroup} {
			if err := g.broker.Subscribe(ctx, s.commandHandler(k), s.setFilter(k)); err != nil {
				return err // names the filter
			}
		}
	}
	return nil
}

func (s *bridgeState) commandHandler(k kind) mqtt.Handler {
	prefix := s.base + "/" + k.String() + "s/"
	return func(msg mqtt.Message) { s.command(k, prefix, msg) }
}

// command is the message handler of the set topics. Like Gateway.handle it
// runs on the MQTT client's ordered delivery path and never blocks: it
// parses, looks up the light in memory and writes its slot.
func (s *bridgeState) command(k kind, prefix string, msg mqtt.Message) {
	g := s.g
	if g.closed.Load() {
		return
	}
	g.events.Received(msg.Topic)
	// A retained command is an old one the broker replays at subscribe time:
	// applying it would undo what happened since. zigbee2mqtt users know
	// this trap; commands are only taken live.
	if msg.Retained || isClear(msg) {
		return
	}
	if s.hold(k, prefix, msg) {
		return
	}
	s.apply(k, prefix, msg)
}

// apply takes a live command for a light or group the bridge is known to
// have (or refuses it).
func (s *bridgeState) apply(k kind, prefix string, msg mqtt.Message) {
	g := s.g
	cmd, err := mapping.ParseCommand(msg.Payload, k == kindGroup)
	if err != nil {
		g.reject(msg.Topic, err)
		return
	}
	slug := strings.TrimSuffix(strings.TrimPrefix(msg.Topic, prefix), "/set")
	t, err := s.target(k, slug, cmd)
	if err != nil {
		g.reject(msg.Topic, err)
		return
	}
	sl := s.pool.slot(k, t.id)
	if on, ok := s.pool.intended(sl); ok {
		t.on = on // a command not yet confirmed by the bridge is the newer truth
	}
	st, now := commandState(cmd, t.on, t.scene), time.Now()
	if k == kindLight && s.pool.streamLight(t.id, st, now) {
		return // the light's area is streaming: REST would not show
	}
	if s.pool.set(sl, st, 0, now) {
		g.events.Coalesced(msg.Topic)
	}
}

// target is the light or group a command is for, what the mirror knows of
// its power, and the id of the scene the command names.
type target struct {
	id    string
	on    bool
	scene string
}

func (s *bridgeState) target(k kind, slug string, cmd mapping.Command) (target, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k == kindLight {
		id := s.known.lightSlugs[slug]
		e := s.lights[id]
		if e == nil {
			return target{}, &mapping.Reject{Reason: "unknown_light", Detail: fmt.Sprintf("no light has the topic level %q (see the state topics for each light's)", slug)}
		}
		return target{id: id, on: e.light.State.On}, nil
	}
	id := s.known.groupSlugs[slug]
	e := s.groups[id]
	if e == nil {
		return target{}, &mapping.Reject{Reason: "unknown_group", Detail: fmt.Sprintf("no group has the topic level %q (see the state topics for each group's)", slug)}
	}
	t := target{id: id, on: e.group.AnyOn} // a room is on while any of its lights is, as in the Hue app
	if cmd.Has(mapping.PartScene) {
		var err error
		t.scene, err = s.sceneID(e.group, cmd.Scene)
		return t, err
	}
	return t, nil
}

// sceneID resolves a scene for a group: a name among the group's own
// scenes, exactly first, then ignoring case; or any scene's id. An unknown
// scene makes the next poll read the scenes again (at most every
// sceneRetry), so one created in the Hue app a moment ago works on the next
// try. Callers hold s.mu.
func (s *bridgeState) sceneID(g hue.Group, name string) (string, error) {
	var own []hue.Scene
	for _, sc := range s.known.scenes {
		if sc.Group == g.ID {
			own = append(own, sc)
		}
	}
	for _, match := range []func(string, string) bool{func(a, b string) bool { return a == b }, strings.EqualFold} {
		for _, sc := range own {
			if match(sc.Name, name) {
				return sc.ID, nil
			}
		}
	}
	for _, sc := range s.known.scenes {
		if sc.ID == name {
			return sc.ID, nil
		}
	}
	if time.Since(s.known.scenesAt) > sceneRetry {
		s.known.scenesDue = true
		s.pokePoll()
	}
	names := make([]string, len(own))
	for i, sc := range own {
		names[i] = fmt.Sprintf("%q", sc.Name)
	}
	return "", &mapping.Reject{Reason: "unknown_scene", Detail: fmt.Sprintf("group %q has no scene %q; its scenes: %s", g.Name, name, orNone(names))}
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// commandState turns a command into the bridge's fields. on is the light's
// (or group's) power as huegate knows it, which TOGGLE flips. A command that
// ends with the light off sends no colour, which an off light refuses.
func commandState(c mapping.Command, on bool, scene string) hue.State {
	var st hue.State
	switch c.Switch {
	case mapping.SwitchOn:
		st.Fields, st.On = hue.FieldOn, true
	case mapping.SwitchOff:
		st.Fields, st.On = hue.FieldOn, false
	case mapping.SwitchToggle:
		st.Fields, st.On = hue.FieldOn, !on
	}
	if !st.Has(hue.FieldOn) || st.On {
		addColour(&st, c)
	}
	if c.Has(mapping.PartTransition) {
		st.Fields |= hue.FieldTransition
		st.TransitionTime = c.Transition
	}
	if c.Has(mapping.PartScene) {
		st.Fields |= hue.FieldScene
		st.Scene = scene
	}
	return st
}

func addColour(st *hue.State, c mapping.Command) {
	if c.Has(mapping.PartBri) {
		st.Fields |= hue.FieldBri
		st.Bri = c.Bri
	}
	if c.Has(mapping.PartCT) {
		st.Fields |= hue.FieldCT
		st.CT = c.CT
	}
	if c.Has(mapping.PartXY) {
		st.Fields |= hue.FieldXY
		st.XY = c.XY
	}
	if c.Has(mapping.PartHS) {
		st.Fields |= hue.FieldHue | hue.FieldSat
		st.Hue, st.Sat = c.Hue, c.Sat
	}
}
