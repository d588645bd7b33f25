package hue

import (
	"cmp"
	"context"
	"slices"

	"github.com/amimof/huego"
)

// Scene is a stored scene. GroupScenes belong to one group (Group is its
// id); LightScenes name their lights and have no group.
type Scene struct {
	ID      string
	Name    string
	Type    string // "GroupScene" or "LightScene"
	Group   string
	Lights  []string
	Recycle bool // made by an app for one use; the Hue app hides these
}

// Scenes reads every scene in one request, sorted by group id, then name,
// then id.
func (c *Client) Scenes(ctx context.Context) ([]Scene, error) {
	if v2, err := c.useV2(ctx, OpScenes); err != nil {
		return nil, err
	} else if v2 {
		return c.scenesV2(ctx)
	}
	body, err := c.get(ctx, OpScenes, "/scenes")
	if err != nil {
		return nil, err
	}
	return DecodeScenes(body)
}

// DecodeScenes reads the body of GET /scenes.
func DecodeScenes(body []byte) ([]Scene, error) {
	out, err := decodeMap(body, "scenes", func(id string, s huego.Scene) Scene {
		return Scene{ID: id, Name: s.Name, Type: s.Type, Group: s.Group, Lights: s.Lights, Recycle: s.Recycle}
	}, func(s Scene) string { return s.ID })
	if err != nil {
		return nil, err
	}
	sortScenes(out)
	return out, nil
}

// sortScenes orders scenes sorted by id by group id, then name.
func sortScenes(out []Scene) {
	slices.SortStableFunc(out, func(a, b Scene) int {
		if a.Group != b.Group {
			return CompareIDs(a.Group, b.Group) // "" (a LightScene's group) first
		}
		return cmp.Compare(a.Name, b.Name)
	})
}
