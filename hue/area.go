package hue

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/huegate/huegate/hue/entertainment"
)

// Area is an entertainment area: the v2 entertainment_configuration the
// Hue app sets up for sync. Streaming needs its v2 ID; an old bridge (v1
// only) names its areas too, with IDv1 alone, so their lights are known.
type Area struct {
	ID       string // v2 id (a UUID); "" on a v1-only bridge
	IDv1     string // the v1 group id, "" if none
	Name     string
	Active   bool   // some application streams to it
	Streamer string // the application id streaming to it, if any
	Channels []AreaChannel
}

// Streamable says why huegate cannot stream to an area the bridge
// described, checked before anything is started: an id that no frame can
// carry, or more channels than one frame holds.
func (a Area) Streamable() error {
	if len(a.ID) != entertainment.AreaIDLen {
		return &StreamError{Cause: CauseUnknownArea, Err: fmt.Errorf("entertainment area %q has the id %q, not a %d-character UUID", a.Name, a.ID, entertainment.AreaIDLen)}
	}
	if len(a.Channels) > entertainment.MaxChannels {
		return &StreamError{Cause: CauseUnknownArea, Err: fmt.Errorf("entertainment area %q has %d channels; a stream carries at most %d", a.Name, len(a.Channels), entertainment.MaxChannels)}
	}
	return nil
}

// AreaChannel is one channel of an area and the lights (v1 ids) it drives.
type AreaChannel struct {
	ID     uint8
	Lights []string
}

// Lights are the area's lights, each once, in channel order.
func (a Area) Lights() []string {
	var out []string
	seen := map[string]bool{}
	for _, ch := range a.Channels {
		for _, l := range ch.Lights {
			if !seen[l] {
				seen[l] = true
				out = append(out, l)
			}
		}
	}
	return out
}

const (
	rtArea          = "entertainment_configuration"
	rtEntertainment = "entertainment"
)

type v2Area struct {
	ID             string `json:"id"`
	IDv1           string `json:"id_v1"`
	Metadata       v2Meta `json:"metadata"`
	Name           string `json:"name"`
	Status         string `json:"status"`
	ActiveStreamer *v2Ref `json:"active_streamer"`
	Channels       []struct {
		ChannelID uint8 `json:"channel_id"`
		Members   []struct {
			Service v2Ref `json:"service"`
		} `json:"members"`
	} `json:"channels"`
}

type v2Entertainment struct {
	ID    string `json:"id"`
	IDv1  string `json:"id_v1"`
	Owner v2Ref  `json:"owner"`
}

// Areas lists the bridge's entertainment areas. Over CLIP v2 they come with
// their channels; over v1 they are the groups of type Entertainment, one
// channel per light, and cannot be streamed to.
func (c *Client) Areas(ctx context.Context) ([]Area, error) {
	if v2, err := c.useV2(ctx, OpGroups); err != nil {
		return nil, err
	} else if !v2 {
		return c.areasV1(ctx)
	}
	areas, err := getV2[v2Area](ctx, c, rtArea)
	if err != nil {
		return nil, err
	}
	ents, err := getV2[v2Entertainment](ctx, c, rtEntertainment)
	if err != nil {
		return nil, err
	}
	lightOf, err := c.entertainmentLights(ctx, ents)
	if err != nil {
		return nil, err
	}
	out := make([]Area, 0, len(areas))
	for _, a := range areas {
		out = append(out, areaFrom(a, lightOf))
	}
	return out, nil
}

// entertainmentLights maps each entertainment service to the v1 id of its
// light: by its id_v1, or else through the device that owns both.
func (c *Client) entertainmentLights(ctx context.Context, ents []v2Entertainment) (map[string]string, error) {
	out := make(map[string]string, len(ents))
	var byDevice map[string]string
	for _, e := range ents {
		if id, ok := strings.CutPrefix(e.IDv1, "/lights/"); ok {
			out[e.ID] = id
			continue
		}
		if byDevice == nil {
			lights, err := getV2[v2Light](ctx, c, rtLight)
			if err != nil {
				return nil, err
			}
			byDevice = make(map[string]string, len(lights))
			for _, l := range lights {
				byDevice[l.Owner.RID] = ourID(l.IDv1, "/lights/", l.ID)
			}
		}
		if id := byDevice[e.Owner.RID]; id != "" {
			out[e.ID] = id
		}
	}
	return out, nil
}

func areaFrom(a v2Area, lightOf map[string]string) Area {
	out := Area{ID: a.ID, Name: a.Metadata.Name, Active: a.Status == "active"}
	if out.Name == "" {
		out.Name = a.Name
	}
	out.IDv1, _ = strings.CutPrefix(a.IDv1, "/groups/")
	if a.ActiveStreamer != nil {
		out.Streamer = a.ActiveStreamer.RID
	}
	for _, ch := range a.Channels {
		ac := AreaChannel{ID: ch.ChannelID}
		for _, m := range ch.Members {
			if l := lightOf[m.Service.RID]; l != "" {
				ac.Lights = append(ac.Lights, l)
			}
		}
		out.Channels = append(out.Channels, ac)
	}
	return out
}

func (c *Client) areasV1(ctx context.Context) ([]Area, error) {
	groups, err := c.Groups(ctx)
	if err != nil {
		return nil, err
	}
	return V1Areas(groups), nil
}

// V1Areas are the areas among v1 groups (type Entertainment): what a
// bridge without CLIP v2 tells of them, one channel per light.
func V1Areas(groups []Group) []Area {
	var out []Area
	for _, g := range groups {
		if g.Type != "Entertainment" {
			continue
		}
		a := Area{IDv1: g.ID, Name: g.Name}
		for i, l := range g.Lights {
			a.Channels = append(a.Channels, AreaChannel{ID: uint8(i), Lights: []string{l}})
		}
		out = append(out, a)
	}
	return out
}

// Area reads one area by its v2 id, fresh.
func (c *Client) area(ctx context.Context, id string) (Area, error) {
	areas, err := c.Areas(ctx)
	if err != nil {
		return Area{}, err
	}
	for _, a := range areas {
		if a.ID == id {
			return a, nil
		}
	}
	return Area{}, &StreamError{Cause: CauseUnknownArea, Err: fmt.Errorf("entertainment area %s is not on the bridge", id)}
}

// setArea starts or stops an area's streaming ("start" or "stop").
func (c *Client) setArea(ctx context.Context, id, action string) (err error) {
	defer c.observe(OpArea, time.Now(), &err)
	path := v2Path + rtArea + "/" + url.PathEscape(id)
	_, err = c.v2do(ctx, http.MethodPut, path, []byte(`{"action":"`+action+`"}`))
	var ve *V2Error
	if errors.As(err, &ve) && ve.Status == http.StatusConflict {
		return &StreamError{Cause: CauseInUse, Err: err}
	}
	return err
}

// ApplicationID is the id the bridge knows this application by (the
// hue-application-id header of GET /auth/v1): the stream's PSK identity.
func (c *Client) ApplicationID(ctx context.Context) (string, error) {
	c.v2.mu.Lock()
	id := c.v2.appID
	c.v2.mu.Unlock()
	if id != "" {
		return id, nil
	}
	code, data, hdr, err := c.v2round(ctx, http.MethodGet, "/auth/v1", nil)
	if err == nil {
		if err = v2StatusError(code, data); err != nil {
			err = c.wrap(http.MethodGet, "/auth/v1", err)
		}
	}
	if err != nil {
		return "", err
	}
	id = hdr.Get("hue-application-id")
	if id == "" {
		return "", c.wrap(http.MethodGet, "/auth/v1", errors.New("the bridge sent no hue-application-id"))
	}
	c.v2.mu.Lock()
	c.v2.appID = id
	c.v2.mu.Unlock()
	return id, nil
}

// FindArea finds an area by v2 id, v1 id or name (exactly, then ignoring
// case). Its error lists the areas there are.
func FindArea(areas []Area, ref string) (Area, error) {
	for _, a := range areas {
		if a.ID == ref || a.IDv1 == ref || a.Name == ref {
			return a, nil
		}
	}
	var names []string
	for _, a := range areas {
		if strings.EqualFold(a.Name, ref) {
			return a, nil
		}
		names = append(names, strconv.Quote(a.Name))
	}
	if len(names) == 0 {
		return Area{}, fmt.Errorf("no entertainment area %q: the bridge has none (make one in the Hue app: Settings, Entertainment areas)", ref)
	}
	return Area{}, fmt.Errorf("no entertainment area %q (the bridge has %s)", ref, strings.Join(names, ", "))
}
