package mapping

import (
	"math"
	"testing"
)

func TestHueAndSaturationGiveTheColourTheyName(t *testing.T) {
	for _, c := range []struct {
		name     string
		hue, sat float64
		r, g, b  float64
	}{
		{"red", 0, 254, 255, 0, 0},
		{"green", 65536.0 / 3, 254, 0, 255, 0},
		{"blue", 65536.0 * 2 / 3, 254, 0, 0, 255},
		{"white", 12345, 0, 255, 255, 255},
	} {
		x, y, _ := HSToXY(c.hue, c.sat)
		wx, wy, _ := RGBToXY(c.r, c.g, c.b)
		if math.Abs(x-wx) > 1e-3 || math.Abs(y-wy) > 1e-3 {
			t.Errorf("%s: xy %.4f,%.4f, want %.4f,%.4f", c.name, x, y, wx, wy)
		}
	}
}

// Known points of the Planckian locus: 2700 K (370 mired) and 6500 K
// (154 mired) to three decimals.
func TestMiredToXY(t *testing.T) {
	for _, c := range []struct{ mired, x, y float64 }{{370, 0.460, 0.411}, {154, 0.313, 0.324}} {
		x, y := MiredToXY(c.mired)
		if math.Abs(x-c.x) > 0.002 || math.Abs(y-c.y) > 0.002 {
			t.Errorf("%v mired: (%.4f, %.4f), want (%.3f, %.3f)", c.mired, x, y, c.x, c.y)
		}
	}
}
