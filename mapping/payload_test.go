package mapping

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseAcceptsWhatDimmersSend(t *testing.T) {
	r254 := Range{0, 254}
	r1023 := Range{0, 1023}
	tests := []struct {
		name    string
		payload string
		r       Range
		want    Level
	}{
		{"a plain number is the identity on 0..254", "127", r254, Level{On: true, Bri: 127}},
		{"a decimal rounds", "127.5", r254, Level{On: true, Bri: 128}},
		{"whitespace and newline are ignored", " 127\n", r254, Level{On: true, Bri: 127}},
		{"the range minimum is off", "0", r254, Level{}},
		{"below the minimum is off", "-5", r254, Level{}},
		{"above the maximum clamps", "999", r254, Level{On: true, Bri: 254}},
		{"the smallest step above min is dim, not off", "0.1", r254, Level{On: true, Bri: 1}},
		{"a 10-bit ADC scales", "1023", r1023, Level{On: true, Bri: 254}},
		{"a 10-bit ADC midpoint", "512", r1023, Level{On: true, Bri: 127}},
		{"a percentage of the range", "50%", r1023, Level{On: true, Bri: 127}},
		{"100 percent is full", "100%", r254, Level{On: true, Bri: 254}},
		{"0 percent is off", "0%", r254, Level{}},
		{"percentages over 100 clamp", "250%", r254, Level{On: true, Bri: 254}},
		{"ON keeps the brightness", "ON", r254, Level{On: true}},
		{"on in lower case", "on", r254, Level{On: true}},
		{"OFF", "OFF", r254, Level{}},
		{"true", "true", r254, Level{On: true}},
		{"false", "false", r254, Level{}},
		{"a JSON number is a number", "2e2", r254, Level{On: true, Bri: 200}},
		{"zigbee2mqtt-style JSON", `{"state":"ON","brightness":100}`, r254, Level{On: true, Bri: 100}},
		{"JSON brightness is in the mapping's range", `{"state":"ON","brightness":1023}`, r1023, Level{On: true, Bri: 254}},
		{"JSON OFF ignores brightness", `{"state":"OFF","brightness":100}`, r254, Level{}},
		{"JSON ON without brightness", `{"state":"on"}`, r254, Level{On: true}},
		{"JSON brightness alone means on", `{"brightness":12}`, r254, Level{On: true, Bri: 12}},
		{"an offset range", "20", Range{10, 20}, Level{On: true, Bri: 254}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.payload), tt.r)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.payload, err)
			}
			if got.On != tt.want.On || got.Bri != tt.want.Bri {
				t.Fatalf("Parse(%q) = %+v, want %+v", tt.payload, got, tt.want)
			}
		})
	}
}

func TestParseRejectsJunkWithAReason(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    *Reject
	}{
		{"empty", "", ErrEmpty},
		{"only whitespace", " \n\t", ErrEmpty},
		{"words", "bright", ErrNotNumber},
		{"NaN", "NaN", ErrNotNumber},
		{"Inf", "Inf", ErrNotNumber},
		{"-Infinity", "-Infinity", ErrNotNumber},
		{"an overflowing exponent", "1e999", ErrNotFinite},
		{"a hex float", "0x1p4", ErrNotNumber},
		{"underscores", "1_000", ErrNotNumber},
		{"two numbers", "1 2", ErrNotNumber},
		{"a percent sign alone", "%", ErrNotNumber},
		{"invalid UTF-8", "\xff\xfe", ErrNotUTF8},
		{"over 1 KiB", strings.Repeat("1", MaxPayload+1), ErrTooLarge},
		{"broken JSON", `{"state":`, ErrNotNumber},
		{"JSON with an unknown state", `{"state":"DIM"}`, ErrNotNumber},
		{"JSON with a string brightness", `{"brightness":"x"}`, ErrNotNumber},
		{"JSON with no known field", `{"level":3}`, ErrNotNumber},
		{"JSON brightness overflowing", `{"brightness":1e999}`, ErrNotFinite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.payload), DefaultRange)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse(%q) error = %v, want %v", tt.payload, err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"127", " 12.5\n", "50%", "ON", "off", `{"state":"ON","brightness":3}`, "1e999", "NaN", "\xff"} {
		f.Add([]byte(s), 0.0, 254.0)
	}
	f.Fuzz(func(t *testing.T, payload []byte, lo, hi float64) {
		r := Range{lo, hi}
		if !r.Valid() {
			return
		}
		l, err := Parse(payload, r)
		if err != nil {
			var rej *Reject
			if !errors.As(err, &rej) || rej.Reason == "" {
				t.Fatalf("error %v is not a Reject", err)
			}
			return
		}
		if len(payload) > MaxPayload || !utf8.Valid(payload) {
			t.Fatalf("accepted %q", payload)
		}
		if l.Bri > MaxBri || (!l.On && l.Bri != 0) {
			t.Fatalf("Parse(%q) = %+v: not a valid level", payload, l)
		}
	})
}

func BenchmarkParseNumber(b *testing.B) {
	p := []byte("127\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(p, Range{0, 1023}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePercent(b *testing.B) {
	p := []byte("42.5%")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(p, DefaultRange); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseJSON(b *testing.B) {
	p := []byte(`{"state":"ON","brightness":100}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(p, DefaultRange); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseJunk(b *testing.B) {
	p := []byte("not a number at all")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(p, DefaultRange); err == nil {
			b.Fatal("accepted junk")
		}
	}
}
