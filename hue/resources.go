package hue

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/amimof/huego"
)

// Light is a light as the bridge describes it.
type Light struct {
	ID           string
	Name         string
	Type         string
	ModelID      string
	Manufacturer string
	ProductName  string
	UniqueID     string
	SwVersion    string
	// CTMin and CTMax are the colour temperatures (mired) the lamp can
	// show, from its capabilities; 0 when it does not say.
	CTMin, CTMax uint16
	State        LightState
}

// LightState is what a light is doing now.
type LightState struct {
	On        bool
	Bri       uint8
	Hue       uint16
	Sat       uint8
	XY        []float32
	CT        uint16
	ColorMode string
	Reachable bool

	// Brightness is the brightness in percent as CLIP v2 reports it, finer
	// than Bri; 0 when the bridge gives only Bri (v1) or the light does not
	// dim.
	Brightness float64
}

// Group is a room, zone or other group of lights.
type Group struct {
	ID     string
	Name   string
	Type   string
	Class  string
	Lights []string
	AnyOn  bool
	AllOn  bool
	Action LightState
}

// Lights reads every light in one request, sorted by numeric id (the bridge
// answers with a JSON object, whose order means nothing).
func (c *Client) Lights(ctx context.Context) ([]Light, error) {
	if v2, err := c.useV2(ctx, OpLights); err != nil {
		return nil, err
	} else if v2 {
		return c.lightsV2(ctx)
	}
	body, err := c.get(ctx, OpLights, "/lights")
	if err != nil {
		return nil, err
	}
	return DecodeLights(body)
}

// DecodeLights reads the body of GET /lights.
func DecodeLights(body []byte) ([]Light, error) {
	return decodeMap(body, "lights", lightFrom, func(l Light) string { return l.ID })
}

// lightJSON is huego's light with the capabilities huego leaves out.
type lightJSON struct {
	huego.Light
	Capabilities struct {
		Control struct {
			CT *struct {
				Min uint16 `json:"min"`
				Max uint16 `json:"max"`
			} `json:"ct"`
		} `json:"control"`
	} `json:"capabilities"`
}

// Groups reads every group in one request, sorted by numeric id.
func (c *Client) Groups(ctx context.Context) ([]Group, error) {
	if v2, err := c.useV2(ctx, OpGroups); err != nil {
		return nil, err
	} else if v2 {
		return c.groupsV2(ctx)
	}
	body, err := c.get(ctx, OpGroups, "/groups")
	if err != nil {
		return nil, err
	}
	return DecodeGroups(body)
}

// DecodeGroups reads the body of GET /groups.
func DecodeGroups(body []byte) ([]Group, error) {
	return decodeMap(body, "groups", groupFrom, func(g Group) string { return g.ID })
}

// decodeMap reads a v1 collection (an object of id → resource, decoded with
// huego's type H) into a slice sorted by id.
func decodeMap[H, T any](body []byte, what string, from func(string, H) T, id func(T) string) ([]T, error) {
	var raw map[string]H
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("read %s: %w: %s", what, ErrMalformed, describe(err))
	}
	out := make([]T, 0, len(raw))
	for k, v := range raw {
		out = append(out, from(k, v))
	}
	sortByID(out, id)
	return out, nil
}

func lightFrom(id string, j lightJSON) Light {
	l := j.Light
	out := Light{
		ID: id, Name: l.Name, Type: l.Type, ModelID: l.ModelID,
		Manufacturer: l.ManufacturerName, ProductName: l.ProductName,
		UniqueID: l.UniqueID, SwVersion: l.SwVersion,
	}
	if l.State != nil {
		out.State = stateFrom(*l.State)
	}
	if ct := j.Capabilities.Control.CT; ct != nil && ct.Min > 0 && ct.Max > ct.Min {
		out.CTMin, out.CTMax = ct.Min, ct.Max
	}
	return out
}

func groupFrom(id string, g huego.Group) Group {
	out := Group{ID: id, Name: g.Name, Type: g.Type, Class: g.Class, Lights: g.Lights}
	if g.GroupState != nil {
		out.AnyOn, out.AllOn = g.GroupState.AnyOn, g.GroupState.AllOn
	}
	if g.State != nil {
		out.Action = stateFrom(*g.State)
	}
	return out
}

func stateFrom(s huego.State) LightState {
	return LightState{
		On: s.On, Bri: s.Bri, Hue: s.Hue, Sat: s.Sat, XY: s.Xy, CT: s.Ct,
		ColorMode: s.ColorMode, Reachable: s.Reachable,
	}
}

// AllLightsID is group 0: every bridge has it, and none lists it.
const AllLightsID = "0"

// CompareIDs orders numeric ids by number ("2" before "12"), as bridges and
// people list them, and others as text ("" first).
func CompareIDs(a, b string) int {
	x, errx := strconv.Atoi(a)
	y, erry := strconv.Atoi(b)
	if errx == nil && erry == nil {
		return cmp.Compare(x, y)
	}
	return cmp.Compare(a, b)
}

// sortByID orders by id (CompareIDs).
func sortByID[T any](items []T, id func(T) string) {
	slices.SortFunc(items, func(a, b T) int { return CompareIDs(id(a), id(b)) })
}
