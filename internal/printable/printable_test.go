package printable

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestTextEscapesWhatATerminalWouldObey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Desk lamp", "Desk lamp"},
		{"Küche Decke 💡 居間", "Küche Decke 💡 居間"},
		{`C:\path "quoted"`, `C:\path "quoted"`},
		{"\x1b]0;PWNED\a\x1b[2J", `\x1b]0;PWNED\a\x1b[2J`},
		{"boom\r\n12:00:00 INF bridge key accepted", `boom\r\n12:00:00 INF bridge key accepted`},
		{"tab\there\x00nul\x7fdel", `tab\there\x00nul\x7fdel`},
		{"c1 \u0085 \u009b[2J", `c1 \u0085 \u009b[2J`},
		{"txt.exe\u202egpj", `txt.exe\u202egpj`},
		{"Desk\u200b lamp\ufeff\u00ad\u2066\u2069\u061c", `Desk\u200b lamp\ufeff\u00ad\u2066\u2069\u061c`},
		{"line\u2028sep\u2029", `line\u2028sep\u2029`},
		{"tag\U000e0041", `tag\U000e0041`},
		{"bad\xff\xc3utf8", `bad\xff\xc3utf8`},
		{"\ufffd is shown", "\ufffd is shown"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Every character is either shown as it is or escaped, and what comes out
// has nothing left to escape.
func TestTextLeavesNothingHiddenAndIsIdempotent(t *testing.T) {
	var all strings.Builder
	for r := rune(0); r <= 0x3000; r++ {
		all.WriteRune(r)
	}
	for _, r := range []rune{0xfeff, 0xfff9, 0xfffa, 0xfffb, 0x110bd, 0x1d173, 0xe0001, 0xe007f} {
		all.WriteRune(r)
	}
	all.WriteString("\xff\xfe\xc3")
	out := Text(all.String())
	if !utf8.ValidString(out) {
		t.Fatal("not valid UTF-8")
	}
	for _, r := range out {
		if Hidden(r) {
			t.Fatalf("U+%04X left in the output", r)
		}
	}
	if Text(out) != out {
		t.Fatal("Text(Text(s)) != Text(s)")
	}
	for _, r := range []rune{'\x1b', '\a', '\r', '\n', '\t', 0x7f, 0x80, 0x9b, 0x9f, 0xad, 0x200b, 0x200f, 0x202a, 0x202e, 0x2066, 0x2069, 0xfeff, 0x2028, 0x2029} {
		if !Hidden(r) {
			t.Errorf("U+%04X is not Hidden", r)
		}
	}
	for r := rune(0x20); r < 0x3000; r++ {
		if Hidden(r) != (unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029) {
			t.Errorf("Hidden(U+%04X) = %v", r, Hidden(r))
		}
	}
}

func TestJSONEscapesHiddenCharactersInStringsAndStaysTheSameValue(t *testing.T) {
	in := map[string]any{
		"message":   "m \x1b[2J\u0085\u202e\u200b\x7f\u2028 ok ü 💡",
		"list":      []any{"\u009b[31m", "\U000e0041", 1.5, true, nil},
		"key\u202e": "v",
	}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out := JSON(raw)
	if !json.Valid(out) {
		t.Fatalf("not valid JSON: %s", out)
	}
	for _, r := range string(out) {
		if Hidden(r) {
			t.Fatalf("U+%04X left in %s", r, out)
		}
	}
	var a, b any
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("the value changed:\n%s\n%s", ja, jb)
	}
	if plain := []byte(`{"level":"info","message":"Küche Decke"}`); &JSON(plain)[0] != &plain[0] {
		t.Error("JSON copied a text with nothing to escape")
	}
}
