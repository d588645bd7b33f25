package entertainment

import (
	"bytes"
	"errors"
	"testing"
)

const area = "1a8d99cc-967b-44f2-9202-43f976c0fa6b"

func TestAppendIsTheDocumentedLayout(t *testing.T) {
	b, err := Append(nil, Frame{Seq: 7, Space: XYB, Area: area, Channels: []Channel{{ID: 3, A: 0x0102, B: 0x0304, C: 0xffff}}})
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte("HueStream\x02\x00\x07\x00\x00\x01\x00"), area...)
	want = append(want, 3, 0x01, 0x02, 0x03, 0x04, 0xff, 0xff)
	if !bytes.Equal(b, want) {
		t.Fatalf("frame\n got %x\nwant %x", b, want)
	}
}

func TestAppendRefuses(t *testing.T) {
	many := make([]Channel, MaxChannels+1)
	for name, f := range map[string]Frame{
		"short area":   {Area: "abc"},
		"space":        {Area: area, Space: 2},
		"21 channels":  {Area: area, Channels: many},
		"non-ascii id": {Area: "1a8d99cc-967b-44f2-9202-43f976c0fa6\xff"},
	} {
		if _, err := Append(nil, f); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	good, _ := Append(nil, Frame{Space: RGB, Area: area, Channels: []Channel{{ID: 1}}})
	cases := map[string][]byte{
		"empty":          nil,
		"magic":          append([]byte("HueStreaX"), good[9:]...),
		"version 1":      append(append([]byte("HueStream"), 1, 0), good[11:]...),
		"half channel":   good[:len(good)-3],
		"colour space":   func() []byte { b := bytes.Clone(good); b[14] = 9; return b }(),
		"short header":   good[:40],
		"binary area id": func() []byte { b := bytes.Clone(good); b[20] = 0; return b }(),
	}
	for name, b := range cases {
		if _, err := Parse(b); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	if _, err := Parse(cases["version 1"]); !errors.Is(err, ErrVersion) {
		t.Errorf("version 1: %v, want ErrVersion", err)
	}
}

func TestUnitRoundTrips(t *testing.T) {
	for _, f := range []float64{0, 0.3127, 0.329, 0.5, 1} {
		if got := Float(Unit(f)); got-f > 1e-5 || f-got > 1e-5 {
			t.Errorf("%v -> %v", f, got)
		}
	}
	if Unit(-1) != 0 || Unit(2) != 0xffff {
		t.Error("Unit does not clamp")
	}
}

// FuzzFrame holds the encoder and decoder together: whatever Parse accepts,
// Append writes back byte for byte, and whatever Append writes, Parse reads
// back as the same frame.
func FuzzFrame(f *testing.F) {
	good, _ := Append(nil, Frame{Seq: 1, Space: XYB, Area: area, Channels: []Channel{{ID: 0, A: 1, B: 2, C: 3}, {ID: 9, A: 0xffff}}})
	f.Add(good)
	f.Add([]byte("HueStream"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := Parse(b)
		if err != nil {
			return
		}
		out, err := Append(nil, fr)
		if err != nil {
			t.Fatalf("parsed %x but cannot encode it: %v", b, err)
		}
		// Reserved bytes may be anything on the wire; compare the rest.
		norm := bytes.Clone(b)
		norm[12], norm[13], norm[15] = 0, 0, 0
		if !bytes.Equal(out, norm) {
			t.Fatalf("round trip\n in %x\nout %x", norm, out)
		}
		again, err := Parse(out)
		if err != nil || again.Seq != fr.Seq || again.Area != fr.Area || len(again.Channels) != len(fr.Channels) {
			t.Fatalf("re-parse: %+v, %v", again, err)
		}
	})
}
