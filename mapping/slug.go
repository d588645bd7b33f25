package mapping

import (
	"strings"
	"unicode"
)

// Slug turns a Hue name into one MQTT topic level: lower-cased, runs of
// whitespace become "-", and "/", "+", "#", "$" and control characters are
// removed (a "+" or "#" in a published topic is a protocol error that drops
// the connection). Letters outside ASCII are kept: "Küche Decke" is
// "küche-decke".
func Slug(name string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(name) {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case r == '/' || r == '+' || r == '#' || r == '$' || unicode.IsControl(r) || r == unicode.ReplacementChar:
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte('-')
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Slugs gives every light (or group) its topic level, by id. Names whose
// slugs collide, or that have none left, get "-<id>" (or the id alone), so
// every topic is unique and stable for a given set of names.
func Slugs(items []Named) map[string]string {
	count := make(map[string]int, len(items))
	for _, it := range items {
		count[Slug(it.Name)]++
	}
	out := make(map[string]string, len(items))
	for _, it := range items {
		s := Slug(it.Name)
		switch {
		case s == "":
			s = it.ID
		case count[s] > 1:
			s += "-" + it.ID
		}
		out[it.ID] = s
	}
	return out
}
