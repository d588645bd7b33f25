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
