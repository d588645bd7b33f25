package gateway

import (
	"context"
	"fmt"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/mapping"
	"github.com/rs/zerolog"
)

// route is one mapping, ready for the message path: its topic's range and
// transition, and the slots it drives.
type route struct {
	m      mapping.Mapping
	pool   *pool
	tt     uint16
	slots  []*slot
	echo   echoes      // huegate's own sync publishes, to be ignored when they come back
	stream *areaStream // nil unless the mapping streams to an entertainment area
	// beside are the slots outside the area (the mapping's lights and
	// groups besides its stream): they go over REST while the area streams.
	beside []*slot
}

// table maps each subscribed topic to its route. It is replaced whole on a
// reload and read without locks on the message path.
type table map[string]*route

// build resolves every mapping's light and group names on its bridge and
// returns the routing table. Lights and groups are read once per bridge.
func (g *Gateway) build(ctx context.Context, ms []mapping.Mapping) (table, error) {
	inv := make(map[string]*nameCache)
	t := make(table, len(ms))
	for i, m := range ms {
		name, p, err := g.pool(m.Bridge)
		if err != nil {
			return nil, fmt.Errorf("mappings[%d] (%s): %w", i, m.Topic, err)
		}
		if inv[name] == nil {
			inv[name] = &nameCache{bridge: p.bridge}
		}
		r, err := newRoute(ctx, m, p, inv[name], g.log)
		if err != nil {
			return nil, fmt.Errorf("mappings[%d] (%s): %w", i, m.Topic, err)
		}
		if t[m.Topic] != nil {
			return nil, fmt.Errorf("mappings[%d]: topic %q is mapped twice", i, m.Topic)
		}
		t[m.Topic] = r
	}
	return t, nil
}

func newRoute(ctx context.Context, m mapping.Mapping, p *pool, inv *nameCache, log zerolog.Logger) (*route, error) {
	r := &route{m: m, pool: p, tt: m.TransitionTime()}
	if m.Stream != "" {
		if err := r.addStream(ctx, inv, log); err != nil {
			return nil, err
		}
	}
	if len(m.Lights) > 0 {
		known, err := inv.lights(ctx)
		if err != nil {
			return nil, err
		}
		ids, err := mapping.Resolve("light", m.Lights, known)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			r.slots = append(r.slots, p.slot(kindLight, id))
		}
	}
	if len(m.Groups) > 0 {
		known, err := inv.groups(ctx)
		if err != nil {
			return nil, err
		}
		ids, err := mapping.Resolve("group", m.Groups, known)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			r.slots = append(r.slots, p.slot(kindGroup, id))
		}
	}
	if r.stream != nil {
		r.beside = outside(r.slots, r.stream.slots)
	}
	return r, nil
}

// outside is every slot of all that is not one of the area's.
func outside(all []*slot, area map[string]*slot) []*slot {
	var out []*slot
	for _, s := range all {
		if s.kind != kindLight || area[s.id] != s {
			out = append(out, s)
		}
	}
	return out
}

// nameCache caches one bridge's light and group names while a table is built.
type nameCache struct {
	bridge    Bridge
	lightList []mapping.Named
	groupList []mapping.Named
	areaList  []hue.Area
	areaErr   error
}

func (inv *nameCache) lights(ctx context.Context) ([]mapping.Named, error) {
	if inv.lightList != nil {
		return inv.lightList, nil
	}
	ls, err := inv.bridge.Lights(ctx)
	if err != nil {
		return nil, fmt.Errorf("read lights from the bridge: %w", err)
	}
	inv.lightList = make([]mapping.Named, len(ls))
	for i, l := range ls {
		inv.lightList[i] = mapping.Named{ID: l.ID, Name: l.Name}
	}
	return inv.lightList, nil
}

func (inv *nameCache) groups(ctx context.Context) ([]mapping.Named, error) {
	if inv.groupList != nil {
		return inv.groupList, nil
	}
	gs, err := inv.bridge.Groups(ctx)
	if err != nil {
		return nil, fmt.Errorf("read groups from the bridge: %w", err)
	}
	inv.groupList = []mapping.Named{AllLights}
	for _, g := range gs {
		inv.groupList = append(inv.groupList, mapping.Named{ID: g.ID, Name: g.Name})
	}
	return inv.groupList, nil
}

// command is the Hue state for a level: on is always explicit, and bri goes
// with on:true so an off light never answers error 201.
func (r *route) command(l mapping.Level) hue.State {
	st := hue.State{Fields: hue.FieldOn | hue.FieldTransition, On: l.On, TransitionTime: r.tt}
	if l.On && l.Bri > 0 {
		st.Fields |= hue.FieldBri
		st.Bri, st.Brightness = l.Bri, l.Pct
	}
	return st
}

// addStream resolves the mapping's entertainment area: its lights become
// the route's slots (for REST when the area cannot stream). An old bridge
// (v1 only) names its areas but cannot stream: REST, with a warning.
func (r *route) addStream(ctx context.Context, inv *nameCache, log zerolog.Logger) error {
	a, err := inv.area(ctx, r.m.Stream)
	if err != nil {
		return err
	}
	for _, id := range a.Lights() {
		r.slots = append(r.slots, r.pool.slot(kindLight, id))
	}
	if a.ID == "" {
		log.Warn().Str("topic", r.m.Topic).Str("area", a.Name).Err(hue.ErrStreamNeedsV2).Msg("cannot stream to the entertainment area; values go over REST")
		return nil
	}
	if err := a.Streamable(); err != nil {
		return err
	}
	r.stream = r.pool.areaStream(a, r.m.StreamIdle)
	return nil
}

// area finds an entertainment area by v2 id, v1 id or name.
func (inv *nameCache) area(ctx context.Context, ref string) (hue.Area, error) {
	if inv.areaList == nil && inv.areaErr == nil {
		inv.areaList, inv.areaErr = inv.bridge.Areas(ctx)
		if inv.areaErr != nil {
			inv.areaErr = fmt.Errorf("read entertainment areas from the bridge: %w", inv.areaErr)
		}
	}
	if inv.areaErr != nil {
		return hue.Area{}, inv.areaErr
	}
	return hue.FindArea(inv.areaList, ref)
}
