package mapping

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Slug turns a Hue name into one MQTT topic level: lower-cased, every run of
// whitespace becomes "-", and "/", "+", "#", "$", control characters and
// format characters are removed ("/" would split the level; "+" and "#" are
// wildcards, and publishing to them is a protocol error that drops the
// connection; "$" starts broker-internal topics). Format characters
// (Unicode category Cf: zero-width spaces and joiners, bidi marks,
// overrides and isolates, the byte order mark, the soft hyphen) show
// nothing or only reorder what is shown: kept, they would let two topics
// look the same ("desk-lamp" and "desk\u200b-lamp"), or one read as
// another. Letters outside ASCII are kept: "Küche Decke" becomes
// "küche-decke", "Spot #1" becomes "spot-1". Leading and trailing whitespace
// is dropped, and bytes that are not UTF-8 become U+FFFD, so the result is
// always valid UTF-8. A name made only of removed characters gives ""
// (Slugs then uses the id).
func Slug(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	space := false // a whitespace run is pending
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0 // leading whitespace is dropped
		case r == '/' || r == '+' || r == '#' || r == '$' || unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			// removed; a run of spaces around it still becomes one "-"
		default:
			if space {
				b.WriteByte('-')
				space = false
			}
			if r == utf8.RuneError {
				b.WriteRune(r)
				continue
			}
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// Slugs gives every item a slug that no other item in items has: Slug of
// its name, and for names whose slugs collide, the slug with "-<id>"
// appended ("Desk lamp" 3 and "desk  lamp" 8 become "desk-lamp-3" and
// "desk-lamp-8"). An empty slug is replaced by the id. The result maps id to
// slug; it depends only on the names and ids, not on their order.
func Slugs(items []Named) map[string]string {
	out := make(map[string]string, len(items))
	for _, it := range items {
		s := Slug(it.Name)
		if s == "" {
			s = it.ID
		}
		out[it.ID] = s
	}
	// A suffixed slug can meet another name's plain slug ("a" 1, "a" 2 and
	// "a-1" 3); repeat until nothing collides. Each id is suffixed at most
	// once, so this ends, and ids differ, so suffixed slugs never collide.
	suffixed := make(map[string]bool, len(items))
	for changed := true; changed; {
		changed = false
		byslug := make(map[string][]string, len(out))
		for id, s := range out {
			byslug[s] = append(byslug[s], id)
		}
		for s, ids := range byslug {
			if len(ids) < 2 {
				continue
			}
			for _, id := range ids {
				if !suffixed[id] {
					out[id] = s + "-" + id
					suffixed[id] = true
					changed = true
				}
			}
		}
	}
	return out
}
