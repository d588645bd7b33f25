package hue

import "testing"

// v2 reports colour as xy only; hue and saturation read back from it are
// the ones that were sent, within a step of rounding.
func TestXYToHSInvertsHSToXY(t *testing.T) {
	for h := 0; h < 65536; h += 1111 {
		for _, s := range []uint8{40, 127, 200, 254} {
			x, y := hsToXY(uint16(h), s)
			gh, gs := xyToHS(x, y)
			dh := int(gh) - h
			if dh > 32768 {
				dh -= 65536
			} else if dh < -32768 {
				dh += 65536
			}
			if dh > 200 || dh < -200 || int(gs)-int(s) > 2 || int(s)-int(gs) > 2 {
				t.Fatalf("hs %d/%d -> xy %.4f,%.4f -> hs %d/%d", h, s, x, y, gh, gs)
			}
		}
	}
	if h, s := xyToHS(0, 0); h != 0 || s != 0 {
		t.Errorf("xy 0,0 = %d/%d, want 0/0", h, s)
	}
}
