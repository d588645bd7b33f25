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
