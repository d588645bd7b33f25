package mapping

import "math"

// MaxBri is the highest brightness a Hue light accepts; 1 is the lowest
// (dim, not off).
const MaxBri = 254

// Range is the value range of a shared topic, e.g. [0, 254] or [0, 1023].
type Range struct {
	Min, Max float64
}

// DefaultRange suits the examples the project grew from: Hue's own scale.
var DefaultRange = Range{Min: 0, Max: MaxBri}

// Level is a light's desired state: off, or on at a brightness in 1..254.
// Pct is the same brightness in percent with finer steps (0.01 %), for
// bridges that take them (CLIP v2); 0 means "only Bri is known".
type Level struct {
	On  bool
	Bri uint8
	Pct float64
}

// Level converts a topic value into a Hue level. Values at or below the
// range's minimum switch the light off; everything else is on with
// bri = clamp(round((v-min)/(max-min)*254), 1, 254), so [0,254] is the
// identity and out-of-range values clamp.
func (r Range) Level(v float64) Level {
	if v <= r.Min {
		return Level{}
	}
	f := min(1, (v-r.Min)/(r.Max-r.Min))
	bri := math.Round(f * MaxBri)
	return Level{On: true, Bri: uint8(max(1, bri)), Pct: max(0.01, math.Round(f*10000)/100)}
}

// Value is the inverse of Level: the topic value that stands for a light's
// state, used to publish changes made outside huegate back to the topic.
// Off maps to the range minimum, on without a brightness to the maximum. The result is rounded to a whole number
// when the range is, so a dimmer reading integers gets integers.
func (r Range) Value(l Level) float64 {
	switch {
	case !l.On:
		return r.Min
	case l.Bri == 0 && l.Pct == 0: // on, without a brightness (a plug)
		return r.Max
	}
	f := float64(l.Bri) / MaxBri
	if l.Pct > 0 {
		f = min(l.Pct, 100) / 100
	}
	v := r.Min + f*(r.Max-r.Min)
	if r.Min == math.Trunc(r.Min) && r.Max == math.Trunc(r.Max) {
		// A light that is on must never read as the minimum, which means off.
		v = max(math.Round(v), r.Min+1)
	}
	return min(v, r.Max)
}

// Valid reports whether the range can scale values.
func (r Range) Valid() bool {
	return isFinite(r.Min) && isFinite(r.Max) && r.Min < r.Max
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
