// Package printable makes outside text safe to show on a terminal or in a
// log: what a bridge, a broker, a config file or a light's name says is
// shown, never obeyed.
//
// A terminal obeys control characters: ESC starts sequences that set the
// window title, clear the screen or recolour what follows, CR and LF start
// a line that can pass for a log line of huegate's own, BEL rings. Unicode
// formatting characters (bidi overrides and isolates, zero-width spaces,
// the soft hyphen) reorder or hide what is shown. Text and JSON replace
// every one of them by an escape that shows what it was: \x1b, \n, \u202e.
package printable

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Hidden reports whether a terminal or a viewer would act on r instead of
// showing it: C0 controls (with tab, CR and LF), DEL, C1 controls, the line
// and paragraph separators, and Unicode format characters (category Cf).
func Hidden(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f, r == '\u2028', r == '\u2029':
		return true
	case r < 0xad:
		return false
	}
	return unicode.Is(unicode.Cf, r)
}

// Text is s with every Hidden character written as a Go escape (\x1b, \r,
// \n, \u202e) and every byte that is not UTF-8 as \xNN; the rest, including
// backslashes, is left as it is, so Text(Text(s)) == Text(s). Text of a
// string with nothing to escape is that string, without copying.
func Text(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case Hidden(r):
			q := strconv.QuoteRune(r) // '\x1b', '\n', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Lines is Text of each line of s: its line breaks stay, and every other
// Hidden character is escaped. For text made of lines that were each made
// printable (Text) where they came from, such as a list of problems.
func Lines(s string) string {
	if firstUnsafe(s) < 0 {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Text(l)
	}
	return strings.Join(lines, "\n")
}

// JSON is a JSON text with every Hidden character inside its strings
// written as a \u escape, so it decodes to the same value. Encoders escape
// the C0 controls already, and most leave DEL, C1 and format characters as
// they are: valid JSON, but obeyed by a terminal that shows the log, and
// reordering what a log viewer shows. p is returned as it is when there is
// nothing to escape. Outside strings, valid JSON has only ASCII and no
// control characters but whitespace, so only strings change.
func JSON(p []byte) []byte {
	i := firstUnsafeJSON(p)
	if i < 0 {
		return p
	}
	out := make([]byte, 0, len(p)+32)
	out = append(out, p[:i]...)
	for i < len(p) {
		r, size := utf8.DecodeRune(p[i:])
		if r >= 0x7f && Hidden(r) {
			out = appendU(out, r)
		} else {
			out = append(out, p[i:i+size]...)
		}
		i += size
	}
	return out
}

// firstUnsafe is the index of the first byte of s that may start a
// character Text escapes, or -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			if c < 0x80 {
				return i
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && size == 1) || Hidden(r) {
				return i
			}
			i += size - 1
		}
	}
	return -1
}

// firstUnsafeJSON is the index of the first DEL or non-ASCII Hidden
// character in p, or -1; control characters below 0x20 are the encoder's
// to escape (and outside strings they are JSON's whitespace).
func firstUnsafeJSON(p []byte) int {
	for i := 0; i < len(p); i++ {
		if c := p[i]; c >= 0x7f {
			r, size := utf8.DecodeRune(p[i:])
			if Hidden(r) {
				return i
			}
			i += size - 1
		}
	}
	return -1
}

func appendU(out []byte, r rune) []byte {
	if r > 0xffff {
		hi, lo := utf16.EncodeRune(r)
		return appendU(appendU(out, hi), lo)
	}
	const digits = "0123456789abcdef"
	return append(out, '\\', 'u', digits[r>>12&0xf], digits[r>>8&0xf], digits[r>>4&0xf], digits[r&0xf])
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}
