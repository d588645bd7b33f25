package mapping

import (
	"encoding/json"
	"fmt"
	"math"
)

// colourFields are the members a command's "color" may have: x and y, hue
// and saturation (or h and s, as Home Assistant writes them), or r, g and b.
var colourFields = []string{"x", "y", "hue", "saturation", "h", "s", "r", "g", "b"}

// readColor reads "color". When several forms are present (a state payload
// sent back as a command carries x, y, hue and saturation), xy wins, then
// hue and saturation, then rgb.
func (c *Command) readColor(raw json.RawMessage) error {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return badValue("color", `must be an object: {"x":..,"y":..}, {"hue":..,"saturation":..} or {"r":..,"g":..,"b":..}`)
	}
	if err := unknownFields(m, colourFields, "color"); err != nil {
		return err
	}
	has := func(k string) bool { _, ok := m[k]; return ok }
	switch {
	case has("x") || has("y"):
		return c.readXY(m)
	case has("hue") || has("saturation"):
		return c.readHS(m, "hue", "saturation")
	case has("h") || has("s"):
		return c.readHS(m, "h", "s")
	case has("r") || has("g") || has("b"):
		return c.readRGB(m)
	}
	return badValue("color", "is empty")
}

func (c *Command) readXY(m map[string]json.RawMessage) error {
	var xy [2]float64
	for i, k := range []string{"x", "y"} {
		v, err := member(m, k, 0, 1)
		if err != nil {
			return err
		}
		xy[i] = v
	}
	c.Parts |= PartXY
	c.XY = xy
	return nil
}

// readHS takes hue in degrees (0..360) and saturation in percent (0..100)
// and turns them into the bridge's 0..65535 and 0..254.
func (c *Command) readHS(m map[string]json.RawMessage, hueKey, satKey string) error {
	h, err := member(m, hueKey, 0, 360)
	if err != nil {
		return err
	}
	s, err := member(m, satKey, 0, 100)
	if err != nil {
		return err
	}
	c.Parts |= PartHS
	c.Hue = uint16(math.Round(h / 360 * 65535))
	c.Sat = uint8(math.Round(s / 100 * MaxBri))
	return nil
}

func (c *Command) readRGB(m map[string]json.RawMessage) error {
	var rgb [3]float64
	for i, k := range []string{"r", "g", "b"} {
		v, err := member(m, k, 0, 255)
		if err != nil {
			return err
		}
		rgb[i] = v
	}
	x, y, ok := RGBToXY(rgb[0], rgb[1], rgb[2])
	if !ok {
		return badValue("color", "r, g and b are all 0: black has no colour (send OFF to switch off)")
	}
	c.Parts |= PartXY
	c.XY = [2]float64{x, y}
	return nil
}

// member reads a number from a colour object and checks its range.
func member(m map[string]json.RawMessage, k string, lo, hi float64) (float64, error) {
	raw, ok := m[k]
	if !ok {
		return 0, badValue("color", fmt.Sprintf("%q is missing", k))
	}
	v, err := number("color."+k, raw)
	if err != nil {
		return 0, err
	}
	if v < lo || v > hi {
		return 0, badValue("color."+k, fmt.Sprintf("%v is outside %v..%v", v, lo, hi))
	}
	return v, nil
}

// RGBToXY converts an sRGB colour, 0..255 per channel, to CIE 1931 xy the
// way Philips describes it for Hue: undo the sRGB gamma, then apply the
// wide-gamut D65 matrix, then project. The bridge itself moves a point
// outside a light's gamut to the nearest colour the light can show. Black
// has no chromaticity: ok is false.
func RGBToXY(r, g, b float64) (x, y float64, ok bool) {
	lr, lg, lb := linear(r/255), linear(g/255), linear(b/255)
	X := lr*0.664511 + lg*0.154324 + lb*0.162028
	Y := lr*0.283881 + lg*0.668433 + lb*0.047685
	Z := lr*0.000088 + lg*0.072310 + lb*0.986039
	sum := X + Y + Z
	if sum <= 0 || math.IsNaN(sum) {
		return 0, 0, false
	}
	return X / sum, Y / sum, true
}

// linear undoes the sRGB transfer function (gamma) for one channel in 0..1.
func linear(v float64) float64 {
	if v > 0.04045 {
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return v / 12.92
}

// HSToXY is the CIE xy of a Hue hue (0..65535 around the wheel) and
// saturation (0..254) at full value, through RGBToXY: what a bridge reports
// as xy after a light was set by hue and saturation.
func HSToXY(hue, sat float64) (x, y float64, ok bool) {
	h := math.Mod(hue/65536*6, 6)
	s := math.Min(math.Max(sat/254, 0), 1)
	c := s
	x1 := c * (1 - math.Abs(math.Mod(h, 2)-1))
	var r, g, b float64
	switch int(h) {
	case 0:
		r, g = c, x1
	case 1:
		r, g = x1, c
	case 2:
		g, b = c, x1
	case 3:
		g, b = x1, c
	case 4:
		r, b = x1, c
	default:
		r, b = c, x1
	}
	m := 1 - c
	return RGBToXY((r+m)*255, (g+m)*255, (b+m)*255)
}

// MiredToXY is the CIE xy of a colour temperature in mired on the
// Planckian locus (Kim et al.'s cubic fit, 1667-25000 K): the colour a
// white-ambiance light shows, for a stream that carries xy only.
func MiredToXY(mired float64) (x, y float64) {
	t := min(max(1e6/max(mired, 1), 1667), 25000)
	t2, t3 := t*t, t*t*t
	if t <= 4000 {
		x = -0.2661239e9/t3 - 0.2343589e6/t2 + 0.8776956e3/t + 0.179910
	} else {
		x = -3.0258469e9/t3 + 2.1070379e6/t2 + 0.2226347e3/t + 0.240390
	}
	x2, x3 := x*x, x*x*x
	switch {
	case t <= 2222:
		y = -1.1063814*x3 - 1.34811020*x2 + 2.18555832*x - 0.20219683
	case t <= 4000:
		y = -0.9549476*x3 - 1.37418593*x2 + 2.09137015*x - 0.16748867
	default:
		y = 3.0817580*x3 - 5.87338670*x2 + 3.75112997*x - 0.37001483
	}
	return x, y
}
