package mapping

import (
	"testing"
	"time"
)

func TestLevelFollowsTheCoreFormula(t *testing.T) {
	tests := []struct {
		r    Range
		v    float64
		want Level
	}{
		{Range{0, 254}, 254, Level{On: true, Bri: 254}},
		{Range{0, 254}, 1, Level{On: true, Bri: 1}},
		{Range{0, 255}, 255, Level{On: true, Bri: 254}},
		{Range{0, 255}, 128, Level{On: true, Bri: 127}},
		{Range{0, 1023}, 1, Level{On: true, Bri: 1}},
		{Range{0, 1023}, 1023, Level{On: true, Bri: 254}},
		{Range{-10, 10}, 0, Level{On: true, Bri: 127}},
		{Range{-10, 10}, -10, Level{}},
		{Range{0, 1}, 0.5, Level{On: true, Bri: 127}},
	}
	for _, tt := range tests {
		if got := tt.r.Level(tt.v); got.On != tt.want.On || got.Bri != tt.want.Bri {
			t.Errorf("%v.Level(%v) = %+v, want %+v", tt.r, tt.v, got, tt.want)
		}
	}
}

func TestValueInvertsLevel(t *testing.T) {
	for _, r := range []Range{{0, 254}, {0, 255}, {0, 1023}, {0, 100}, {10, 20}, {0, 1}} {
		if v := r.Value(Level{}); v != r.Min {
			t.Errorf("%v: off = %v, want the minimum %v", r, v, r.Min)
		}
		for bri := 1; bri <= MaxBri; bri++ {
			v := r.Value(Level{On: true, Bri: uint8(bri)})
			if v <= r.Min || v > r.Max {
				t.Fatalf("%v: bri %d gives %v, outside (min, max]", r, bri, v)
			}
			// Wide integer ranges round-trip exactly; narrow ones lose steps.
			if r.Max-r.Min >= MaxBri {
				if got := r.Level(v); got.Bri != uint8(bri) {
					t.Fatalf("%v: bri %d -> %v -> %d", r, bri, v, got.Bri)
				}
			}
		}
	}
}

func TestRangeValid(t *testing.T) {
	if (Range{5, 5}).Valid() || (Range{9, 1}).Valid() {
		t.Fatal("an empty or reversed range must be invalid")
	}
	if !DefaultRange.Valid() {
		t.Fatal("the default range must be valid")
	}
}

func TestTransitionTimeRoundsToSteps(t *testing.T) {
	tests := map[time.Duration]uint16{0: 0, 100 * time.Millisecond: 1, 149 * time.Millisecond: 1, 150 * time.Millisecond: 2, 400 * time.Millisecond: 4, 3 * time.Hour: 65535}
	for d, want := range tests {
		if got := (Mapping{Transition: d}).TransitionTime(); got != want {
			t.Errorf("TransitionTime(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in   any
		want Ref
		ok   bool
	}{
		{"Desk lamp", Ref{Name: "Desk lamp"}, true},
		{3, Ref{ID: "3"}, true},
		{"12", Ref{ID: "12"}, true},
		{3.0, Ref{ID: "3"}, true},
		{3.5, Ref{}, false},
		{0, Ref{}, false},
		{"", Ref{}, false},
		{true, Ref{}, false},
	}
	for _, tt := range tests {
		got, err := ParseRef(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseRef(%v) = %+v, %v; want %+v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func BenchmarkLevel(b *testing.B) {
	r := Range{0, 1023}
	var sink Level
	for i := 0; b.Loop(); i++ {
		sink = r.Level(float64(i & 1023))
	}
	_ = sink
}

// CLIP v2 takes brightness in percent with finer steps than v1's 254: a
// 10-bit ADC's midpoint must land as 50.05 %, not a rounded 254-step.
func TestLevelKeepsFinerStepsInPercent(t *testing.T) {
	r := Range{0, 1023}
	tests := []struct {
		v    float64
		want float64
	}{{512, 50.05}, {511, 49.95}, {1023, 100}, {2000, 100}, {1, 0.1}, {0.001, 0.01}}
	for _, tt := range tests {
		if got := r.Level(tt.v).Pct; got != tt.want {
			t.Errorf("Level(%v).Pct = %v, want %v", tt.v, got, tt.want)
		}
	}
	// Neighbouring ADC steps stay apart in percent where bri merges them.
	a, b := r.Level(512), r.Level(513)
	if a.Bri != b.Bri || a.Pct == b.Pct {
		t.Errorf("512 and 513: bri %d/%d, pct %v/%v: want the same bri, different pct", a.Bri, b.Bri, a.Pct, b.Pct)
	}
	// And the way back reads the finer value.
	if v := r.Value(Level{On: true, Bri: 127, Pct: 50.05}); v != 512 {
		t.Errorf("Value(50.05 %%) = %v, want 512", v)
	}
}
