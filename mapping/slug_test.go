package mapping

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSlugMakesOneValidTopicLevel(t *testing.T) {
	tests := map[string]string{
		"Desk lamp":        "desk-lamp",
		"Küche Decke":      "küche-decke",
		"Lámpara sala":     "lámpara-sala",
		"Spot #1":          "spot-1",
		"LED+Strip":        "ledstrip",
		"Hall/Up":          "hallup",
		"  Two   spaces  ": "two-spaces",
		"Tab\there":        "tab-here",
		"$SYS":             "sys",
		"ctrl\x00\x07x":    "ctrlx",
		"日本の灯り":            "日本の灯り",
	}
	for in, want := range tests {
		got := Slug(in)
		if got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
		if strings.ContainsAny(got, "/+#$ ") || !utf8.ValidString(got) {
			t.Errorf("Slug(%q) = %q is not one valid topic level", in, got)
		}
	}
}

func TestSlugsResolveCollisionsWithTheID(t *testing.T) {
	got := Slugs([]Named{{"1", "Desk lamp"}, {"4", "desk  LAMP"}, {"5", "Porch"}, {"9", "###"}})
	want := map[string]string{"1": "desk-lamp-1", "4": "desk-lamp-4", "5": "porch", "9": "9"}
	for id, s := range want {
		if got[id] != s {
			t.Errorf("slug of %s = %q, want %q", id, got[id], s)
		}
	}
}

func FuzzSlug(f *testing.F) {
	for _, s := range []string{"Desk lamp", "Spot #1", "a/b+c", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		s := Slug(name)
		if strings.ContainsAny(s, "/+#$") || strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
			t.Fatalf("Slug(%q) = %q", name, s)
		}
	})
}
