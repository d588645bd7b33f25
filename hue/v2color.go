package hue

import "math"

// xyToHS is the hue (0..65535) and saturation (0..254) of a colour given
// as CIE xy, the inverse of hsToXY: CLIP v2 reports colour as xy only, and
// huegate's state topics carry hue and saturation too, as they do with v1.
func xyToHS(x, y float64) (uint16, uint8) {
	if y <= 0 {
		return 0, 0
	}
	X, Y, Z := x/y, 1.0, (1-x-y)/y
	r := X*1.656492 - Y*0.354851 - Z*0.255038
	g := -X*0.707196 + Y*1.655397 + Z*0.036152
	b := X*0.051713 - Y*0.121364 + Z*1.011530
	r, g, b = max(r, 0), max(g, 0), max(b, 0)
	m := max(r, g, b)
	if m == 0 {
		return 0, 0
	}
	r, g, b = gamma(r/m), gamma(g/m), gamma(b/m)
	hi, lo := max(r, g, b), min(r, g, b)
	if hi == 0 || hi == lo {
		return 0, 0
	}
	d := hi - lo
	var h float64
	switch hi {
	case r:
		h = math.Mod((g-b)/d, 6)
	case g:
		h = (b-r)/d + 2
	default:
		h = (r-g)/d + 4
	}
	if h < 0 {
		h += 6
	}
	return uint16(math.Round(h/6*65536)) % 65535, uint8(math.Round(d / hi * 254))
}

// gamma puts the sRGB gamma back on a linear value.
func gamma(v float64) float64 {
	if v <= 0.0031308 {
		return 12.92 * v
	}
	return 1.055*math.Pow(v, 1/2.4) - 0.055
}
