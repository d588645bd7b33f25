package hue

import "testing"

func TestStateSendsOnlyItsFields(t *testing.T) {
	tests := []struct {
		st   State
		want string
	}{
		{State{}, `{}`},
		{State{Fields: FieldOn}, `{"on":false}`},
		{State{Fields: FieldOn | FieldBri, On: true, Bri: 1}, `{"on":true,"bri":1}`},
		{State{Fields: FieldHue | FieldSat | FieldTransition}, `{"hue":0,"sat":0,"transitiontime":0}`},
		{State{Fields: FieldXY | FieldCT, XY: [2]float64{0.4573, 0.41}, CT: 366}, `{"xy":[0.4573,0.4100],"ct":366}`},
		{State{Fields: FieldScene, Scene: "Relax \"1\" ü"}, `{"scene":"Relax \"1\" ü"}`},
	}
	for _, tt := range tests {
		if got := string(tt.st.AppendJSON(nil)); got != tt.want {
			t.Errorf("%+v -> %s, want %s", tt.st, got, tt.want)
		}
	}
}

func TestMergeKeepsTheNewestFieldAndOffDropsColour(t *testing.T) {
	s := State{Fields: FieldOn | FieldBri | FieldCT, On: true, Bri: 10, CT: 300}
	s.Merge(State{Fields: FieldBri, Bri: 20})
	if !s.On || s.Bri != 20 || s.CT != 300 || s.Fields != FieldOn|FieldBri|FieldCT {
		t.Fatalf("merge: %+v", s)
	}
	s.Merge(State{Fields: FieldOn | FieldTransition, On: false, TransitionTime: 2})
	if got := string(s.AppendJSON(nil)); got != `{"on":false,"transitiontime":2}` {
		t.Fatalf("off: %s", got)
	}
}

func BenchmarkStateAppendJSON(b *testing.B) {
	s := State{Fields: FieldOn | FieldBri | FieldTransition, On: true, Bri: 127, TransitionTime: 1}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = s.AppendJSON(buf[:0])
	}
}

func TestMergeLetsTheNewestColourModeWin(t *testing.T) {
	tests := []struct {
		name         string
		older, newer State
		want         string
	}{
		{"ct after xy", State{Fields: FieldOn | FieldXY, On: true, XY: [2]float64{0.5, 0.4}}, State{Fields: FieldCT, CT: 300}, `{"on":true,"ct":300}`},
		{"xy after hue and sat", State{Fields: FieldHue | FieldSat, Hue: 0, Sat: 0}, State{Fields: FieldXY, XY: [2]float64{0.1, 0.2}}, `{"xy":[0.1000,0.2000]}`},
		{"hue after ct keeps brightness", State{Fields: FieldBri | FieldCT, Bri: 9, CT: 300}, State{Fields: FieldHue, Hue: 0}, `{"bri":9,"hue":0}`},
		{"brightness keeps the colour", State{Fields: FieldXY, XY: [2]float64{0.1, 0.2}}, State{Fields: FieldBri, Bri: 3}, `{"bri":3,"xy":[0.1000,0.2000]}`},
	}
	for _, tt := range tests {
		s := tt.older
		s.Merge(tt.newer)
		if got := string(s.AppendJSON(nil)); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestMergeTreatsASceneAsAWholeState(t *testing.T) {
	s := State{Fields: FieldOn | FieldBri | FieldCT, On: true, Bri: 10, CT: 300}
	s.Merge(State{Fields: FieldScene | FieldTransition, Scene: "R3lax", TransitionTime: 0})
	if got := string(s.AppendJSON(nil)); got != `{"transitiontime":0,"scene":"R3lax"}` {
		t.Fatalf("scene over pending fields: %s", got)
	}
	s.Merge(State{Fields: FieldOn, On: false})
	if got := string(s.AppendJSON(nil)); got != `{"on":false,"transitiontime":0}` {
		t.Fatalf("off after a pending scene: %s", got)
	}
	s.Merge(State{Fields: FieldScene, Scene: "C0nc"})
	if got := string(s.AppendJSON(nil)); got != `{"scene":"C0nc"}` {
		t.Fatalf("scene after off: %s", got)
	}
}
