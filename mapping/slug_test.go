package mapping

import (
	"maps"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSlug(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Desk lamp", "desk-lamp"},
		{"Küche Decke", "küche-decke"},
		{"Lámpara sala", "lámpara-sala"},
		{"Spot #1", "spot-1"},
		{"LED+Strip", "ledstrip"},
		{"Hall/Up", "hallup"},
		{"Coffee machine", "coffee-machine"},
		{"$SYS lamp", "sys-lamp"},
		{"a \t\n b", "a-b"},
		{"  padded  ", "padded"},
		{"Spot # 1", "spot-1"},
		{"bell\x07ring", "bellring"},
		{"nul\x00byte", "nulbyte"},
		{"ÄÖÜ ŒÆ", "äöü-œæ"},
		{"Σαλόνι", "σαλόνι"},
		{"居間 ランプ", "居間-ランプ"},
		{"non\u00a0breaking", "non-breaking"},
		{"#/+$", ""},
		{"", ""},
		{"bad\xffutf8", "bad\ufffdutf8"},
	}
	for _, tt := range tests {
		if got := Slug(tt.name); got != tt.want {
			t.Errorf("Slug(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSlugIsAlwaysOneValidTopicLevel(t *testing.T) {
	for _, name := range []string{"a/b/c", "x+#y", "$share/g", "\x1b[31mred", "bad\xc3", "tab\there"} {
		s := Slug(name)
		if strings.ContainsAny(s, "/+#$") || !utf8.ValidString(s) || strings.ContainsAny(s, " \t\x00\x1b") {
			t.Errorf("Slug(%q) = %q is not a safe topic level", name, s)
		}
	}
}

// Characters that show nothing, or only reorder what is shown (Unicode
// category Cf: zero-width spaces and joiners, bidi marks, embeddings,
// overrides and isolates, the byte order mark, the soft hyphen), are
// removed, so two topics that look the same are the same: a name cannot
// hide a second "desk-lamp" behind a zero-width space, nor show "pmal-ksed"
// as "desk-lamp".
func TestSlugDropsInvisibleAndBidiCharacters(t *testing.T) {
	hidden := []rune{
		0x00ad,                                 // soft hyphen
		0x200b, 0x200c, 0x200d, 0x200e, 0x200f, // zero-width space, non-joiner, joiner; LRM, RLM
		0x202a, 0x202b, 0x202c, 0x202d, 0x202e, // LRE, RLE, PDF, LRO, RLO
		0x2060, 0x2066, 0x2067, 0x2068, 0x2069, // word joiner; LRI, RLI, FSI, PDI
		0x061c, 0xfeff, 0xfff9, 0xe0001, // Arabic letter mark, BOM, interlinear anchor, language tag
	}
	for _, r := range hidden {
		for _, name := range []string{"Desk" + string(r) + " lamp", string(r) + "Desk lamp", "Desk lamp" + string(r), "Desk " + string(r) + "lamp"} {
			if got := Slug(name); got != "desk-lamp" {
				t.Errorf("Slug(%q) = %q, want \"desk-lamp\" (U+%04X removed)", name, got, r)
			}
		}
		if got := Slug("Desk" + string(r) + "lamp"); got != "desklamp" {
			t.Errorf("Slug(%q) = %q, want \"desklamp\"", "Desk"+string(r)+"lamp", got)
		}
		if got := Slug(string(r)); got != "" {
			t.Errorf("Slug(%q) = %q, want \"\" (Slugs then uses the id)", string(r), got)
		}
	}
	// What is seen is kept: letters of every script, marks, emoji.
	for name, want := range map[string]string{"Café": "café", "Cafe\u0301": "cafe\u0301", "مصباح": "مصباح", "Lamp 💡": "lamp-💡"} {
		if got := Slug(name); got != want {
			t.Errorf("Slug(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestSlugsSuffixCollidingNamesWithTheirIDs(t *testing.T) {
	tests := []struct {
		name  string
		items []Named
		want  map[string]string
	}{
		{
			"distinct names keep plain slugs",
			[]Named{{"1", "Küche Decke"}, {"5", "Spot #1"}, {"12", "Hall/Up"}},
			map[string]string{"1": "küche-decke", "5": "spot-1", "12": "hallup"},
		},
		{
			"names differing only in case and spacing collide",
			[]Named{{"3", "Desk lamp"}, {"8", "desk  lamp"}, {"9", "Porch"}},
			map[string]string{"3": "desk-lamp-3", "8": "desk-lamp-8", "9": "porch"},
		},
		{
			"a suffixed slug meeting another name's slug is suffixed again",
			[]Named{{"1", "a"}, {"2", "a"}, {"3", "a-1"}},
			map[string]string{"1": "a-1", "2": "a-2", "3": "a-1-3"},
		},
		{
			"a name of removed characters only becomes its id",
			[]Named{{"4", "###"}, {"6", "Lamp"}},
			map[string]string{"4": "4", "6": "lamp"},
		},
		{
			"symbols removed make names collide",
			[]Named{{"5", "Spot #1"}, {"6", "Spot 1"}},
			map[string]string{"5": "spot-1-5", "6": "spot-1-6"},
		},
		{
			"an invisible character removed makes names collide",
			[]Named{{"3", "Desk lamp"}, {"8", "Desk\u200b lamp"}, {"9", "\u202eDesk lamp\u202c"}},
			map[string]string{"3": "desk-lamp-3", "8": "desk-lamp-8", "9": "desk-lamp-9"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Slugs(tt.items)
			if !maps.Equal(got, tt.want) {
				t.Fatalf("Slugs = %v, want %v", got, tt.want)
			}
			// The same items in reverse order give the same slugs.
			rev := make([]Named, len(tt.items))
			for i, it := range tt.items {
				rev[len(rev)-1-i] = it
			}
			if again := Slugs(rev); !maps.Equal(again, got) {
				t.Fatalf("order changed the slugs: %v vs %v", again, got)
			}
		})
	}
}
