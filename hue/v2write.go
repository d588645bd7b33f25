package hue

import (
	"context"
	"errors"
	"maps"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// setLightV2 sends a state command to a light over v2.
func (c *Client) setLightV2(ctx context.Context, id string, s State) (err error) {
	defer c.observe(OpSetLight, time.Now(), &err)
	rid, err := c.v2id(ctx, rtLight, id)
	if err != nil {
		return err
	}
	return c.putV2(ctx, rtLight, rid, s.AppendV2JSON(nil))
}

// setGroupV2 sends an action to a group's grouped_light over v2, and a
// scene as a recall of the scene.
func (c *Client) setGroupV2(ctx context.Context, id string, s State) (err error) {
	defer c.observe(OpSetGroup, time.Now(), &err)
	if s.Has(FieldScene) {
		rid, err := c.v2id(ctx, rtScene, s.Scene)
		if err != nil {
			return err
		}
		if err := c.putV2(ctx, rtScene, rid, s.appendRecallJSON(nil)); err != nil {
			return err
		}
		// v1 lays the fields sent beside a scene over it; v2 recalls a
		// scene on its own, so they follow in a second request.
		s.Fields &^= FieldScene
		if s.Fields&^FieldTransition == 0 {
			return nil
		}
	}
	rid, err := c.v2id(ctx, rtGroupedLight, id)
	if err != nil {
		return err
	}
	return c.putV2(ctx, rtGroupedLight, rid, s.AppendV2JSON(nil))
}

func (c *Client) putV2(ctx context.Context, rtype, rid string, body []byte) error {
	_, err := c.v2do(ctx, http.MethodPut, v2Path+rtype+"/"+url.PathEscape(rid), body)
	var ve *V2Error
	if errors.As(err, &ve) && ve.Status == http.StatusNotFound {
		c.v2.forget(rtype, rid) // gone: the next command for it asks the bridge again
	}
	return err
}

// v2id is the v2 id behind one of our ids. Reads fill the map; an id it
// lacks makes one GET of the type (a light added since the last read), and
// then it is an error of type 3, not available, as v1 gives. A scene may
// also be named by its v2 id.
func (c *Client) v2id(ctx context.Context, rtype, id string) (string, error) {
	if rid, ok := c.v2.lookup(rtype, id); ok {
		return rid, nil
	}
	if rtype == rtScene && isUUID(id) {
		return id, nil
	}
	if err := c.refreshIDs(ctx, rtype); err != nil {
		return "", err
	}
	if rid, ok := c.v2.lookup(rtype, id); ok {
		return rid, nil
	}
	return "", c.wrap(http.MethodPut, v2Path+rtype, &APIError{
		Type: ErrTypeNotAvailable, Address: v1Prefix[rtype] + id,
		Description: "the bridge has no " + rtype + " " + strconv.Quote(id),
	})
}

// v2Base is what every v2 resource has.
type v2Base struct {
	ID   string `json:"id"`
	IDv1 string `json:"id_v1"`
}

// refreshIDs reads one type's ids. Grouped lights without a v1 id are left
// out: they go by their room's or zone's id, which only a group read knows.
func (c *Client) refreshIDs(ctx context.Context, rtype string) error {
	items, err := getV2[v2Base](ctx, c, rtype)
	if err != nil {
		return err
	}
	ids := make(map[string]string, len(items))
	for _, it := range items {
		fallback := it.ID
		if rtype == rtGroupedLight {
			fallback = ""
		}
		if id := ourID(it.IDv1, v1Prefix[rtype], fallback); id != "" && it.ID != "" {
			ids[id] = it.ID
		}
	}
	c.v2.setIDs(rtype, ids, false)
	return nil
}

// setIDs stores the v2 ids behind our ids of one type: a full read replaces
// the map (what is gone is gone), a refresh adds to it.
func (s *v2State) setIDs(rtype string, ids map[string]string, replace bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if replace || s.ids[rtype] == nil {
		s.ids[rtype] = ids
		return
	}
	maps.Copy(s.ids[rtype], ids)
}

func (s *v2State) lookup(rtype, id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rid, ok := s.ids[rtype][id]
	return rid, ok
}

func (s *v2State) forget(rtype, rid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	maps.DeleteFunc(s.ids[rtype], func(_, v string) bool { return v == rid })
}

// isUUID reports whether s looks like a v2 id (8-4-4-4-12 hex digits).
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}

// AppendV2JSON appends the CLIP v2 body of the command for a light or a
// grouped_light to b: only the fields that are set, brightness in percent
// with two decimals, hue and saturation as xy (v2 has neither), the
// transition in milliseconds. A scene is not part of it (appendRecallJSON).
func (s State) AppendV2JSON(b []byte) []byte {
	b = append(b, '{')
	n := len(b)
	if s.Has(FieldOn) {
		b = v2Key(b, n, "on")
		b = append(b, `{"on":`...)
		b = strconv.AppendBool(b, s.On)
		b = append(b, '}')
	}
	if s.Has(FieldBri) {
		b = v2Key(b, n, "dimming")
		b = append(b, `{"brightness":`...)
		b = appendPercent(b, s.Percent())
		b = append(b, '}')
	}
	x, y, xy := s.XY[0], s.XY[1], s.Has(FieldXY)
	if !xy && s.Has(FieldHue|FieldSat) {
		x, y = hsToXY(s.Hue, s.Sat)
		xy = true
	}
	if xy {
		b = v2Key(b, n, "color")
		b = append(b, `{"xy":{"x":`...)
		b = strconv.AppendFloat(b, x, 'f', 4, 64)
		b = append(b, `,"y":`...)
		b = strconv.AppendFloat(b, y, 'f', 4, 64)
		b = append(b, "}}"...)
	}
	if s.Has(FieldCT) {
		b = v2Key(b, n, "color_temperature")
		b = append(b, `{"mirek":`...)
		b = strconv.AppendUint(b, uint64(s.CT), 10)
		b = append(b, '}')
	}
	if s.Has(FieldTransition) {
		b = v2Key(b, n, "dynamics")
		b = append(b, `{"duration":`...)
		b = strconv.AppendUint(b, uint64(s.TransitionTime)*100, 10)
		b = append(b, '}')
	}
	return append(b, '}')
}

// v2Key appends "name": after a comma unless it is the first key after n.
func v2Key(b []byte, n int, name string) []byte {
	if len(b) > n {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

// appendPercent writes a brightness rounded to 0.01 %, the bridge's step:
// 512 of 0..1023 is 50.05, not 50.048875855327466. It writes whole
// hundredths as digits, which is exact and several times faster than
// formatting the float.
func appendPercent(b []byte, p float64) []byte {
	n := int64(math.Round(min(max(p, 0), 100) * 100))
	b = strconv.AppendInt(b, n/100, 10)
	if f := n % 100; f != 0 {
		b = append(b, '.', byte('0'+f/10))
		if f%10 != 0 {
			b = append(b, byte('0'+f%10))
		}
	}
	return b
}

// appendRecallJSON appends the body that recalls a scene, with the
// transition as its duration.
func (s State) appendRecallJSON(b []byte) []byte {
	b = append(b, `{"recall":{"action":"active"`...)
	if s.Has(FieldTransition) {
		b = append(b, `,"duration":`...)
		b = strconv.AppendUint(b, uint64(s.TransitionTime)*100, 10)
	}
	return append(b, "}}"...)
}

// hsToXY turns v1 hue (0..65535) and sat (0..254) into CIE xy: HSV at full
// value to RGB, sRGB gamma removed, then to XYZ with Philips' Wide RGB D65
// matrix. The bridge maps the point into the lamp's own gamut, so no gamut
// is applied here; brightness stays with dimming.
func hsToXY(hue uint16, sat uint8) (float64, float64) {
	h := float64(hue) / 65536 * 6
	s := min(float64(sat)/254, 1)
	f := h - math.Floor(h)
	p, q, t := 1-s, 1-s*f, 1-s*(1-f)
	var r, g, b float64
	switch int(h) % 6 {
	case 0:
		r, g, b = 1, t, p
	case 1:
		r, g, b = q, 1, p
	case 2:
		r, g, b = p, 1, t
	case 3:
		r, g, b = p, q, 1
	case 4:
		r, g, b = t, p, 1
	default:
		r, g, b = 1, p, q
	}
	r, g, b = linear(r), linear(g), linear(b)
	x := r*0.664511 + g*0.154324 + b*0.162028
	y := r*0.283881 + g*0.668433 + b*0.047685
	z := r*0.000088 + g*0.072310 + b*0.986039
	sum := x + y + z
	return x / sum, y / sum // sum > 0: at full value one channel is 1
}

// linear removes the sRGB gamma.
func linear(v float64) float64 {
	if v > 0.04045 {
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return v / 12.92
}
