package config

import (
	"bytes"
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// textEdit applies the updates to the file's text at the positions the node
// tree gives, so nothing else in the file moves. ok is false when the file's
// shape needs the node-tree edit instead; the caller checks the result.
func textEdit(data []byte, doc *yaml.Node, updates []Update) ([]byte, bool) {
	parent := updates[0].Path[:len(updates[0].Path)-1]
	for _, u := range updates {
		if !slices.Equal(u.Path[:len(u.Path)-1], parent) {
			return nil, false
		}
	}
	if len(doc.Content) == 0 { // empty, or comments only
		return appendSection(data, parent, updates, 2), true
	}
	root := doc.Content[0]
	if !isBlockMapping(root) {
		return nil, false
	}
	m := root
	for _, k := range parent {
		v := lookup(m, k)
		if v == nil && m == root {
			return appendSection(data, parent, updates, indentOf(root)), true
		}
		if v == nil || !isBlockMapping(v) || len(v.Content) == 0 {
			return nil, false
		}
		m = v
	}
	edits, ok := keyEdits(data, m, updates)
	if !ok {
		return nil, false
	}
	return applyEdits(data, edits), true
}

// edit replaces data[start:end] with text; start == end inserts.
type edit struct {
	start, end int
	text       string
}

// keyEdits replaces the values of keys that exist in the block mapping m
// and inserts lines for those that do not, after the previous updated key
// (or before m's first key).
func keyEdits(data []byte, m *yaml.Node, updates []Update) ([]edit, bool) {
	starts := lineStarts(data)
	indent := strings.Repeat(" ", m.Content[0].Column-1)
	insertAt := endOfMapping(data, starts, m)
	var edits []edit
	for _, u := range updates {
		key := u.Path[len(u.Path)-1]
		k, v := lookupPair(m, key)
		if v == nil {
			line := indent + scalarText(key, false) + ": " + scalarText(u.Value, u.Quote) + "\n"
			if insertAt == len(data) && len(data) > 0 && data[len(data)-1] != '\n' {
				line = "\n" + line
			}
			edits = append(edits, edit{insertAt, insertAt, line})
			continue
		}
		e, ok := valueEdit(data, starts, k, v, scalarText(u.Value, u.Quote))
		if !ok {
			return nil, false
		}
		edits = append(edits, e)
		insertAt = min(lineEnd(data, e.start)+1, len(data))
	}
	return edits, true
}

// endOfMapping is where a new key goes when no updated key precedes it:
// after the mapping's last line when that is a one-line key and value, else
// before its first key.
func endOfMapping(data []byte, starts []int, m *yaml.Node) int {
	k, v := m.Content[len(m.Content)-2], m.Content[len(m.Content)-1]
	if v.Kind == yaml.ScalarNode && (v.Line == k.Line || v.Tag == "!!null" && v.Value == "") &&
		v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		return min(lineEnd(data, offset(data, starts, k.Line, k.Column))+1, len(data))
	}
	return offset(data, starts, m.Content[0].Line, 1)
}

// valueEdit replaces the one-line scalar value v of key k with text; an
// empty value (`username:`) gets text after its colon.
func valueEdit(data []byte, starts []int, k, v *yaml.Node, text string) (edit, bool) {
	if k.Kind != yaml.ScalarNode || k.Style&yaml.TaggedStyle != 0 || v.Kind != yaml.ScalarNode ||
		v.Style&(yaml.TaggedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return edit{}, false
	}
	if v.Tag == "!!null" && v.Value == "" {
		kstart := offset(data, starts, k.Line, k.Column)
		eol := lineEnd(data, kstart)
		kend, ok := keyEnd(data, kstart, eol, k)
		if !ok {
			return edit{}, false
		}
		colon := bytes.IndexByte(data[kend:eol], ':')
		if colon < 0 || len(bytes.TrimSpace(data[kend:kend+colon])) > 0 {
			return edit{}, false
		}
		at := kend + colon + 1
		return edit{at, at, " " + text}, true
	}
	if v.Line != k.Line {
		return edit{}, false
	}
	start := offset(data, starts, v.Line, v.Column)
	end, ok := scalarEnd(data, start, lineEnd(data, start), v.Style)
	return edit{start, end, text}, ok
}

func applyEdits(data []byte, edits []edit) []byte {
	slices.SortStableFunc(edits, func(a, b edit) int { return a.start - b.start })
	var out bytes.Buffer
	prev := 0
	for _, e := range edits {
		out.Write(data[prev:e.start])
		out.WriteString(e.text)
		prev = e.end
	}
	out.Write(data[prev:])
	return out.Bytes()
}

// appendSection adds the section and its keys at the end of the file.
func appendSection(data []byte, parent []string, updates []Update, indent int) []byte {
	var b bytes.Buffer
	b.Write(data)
	if len(data) > 0 && !bytes.HasSuffix(data, []byte("\n")) {
		b.WriteByte('\n')
	}
	if len(bytes.TrimSpace(data)) > 0 && !bytes.HasSuffix(data, []byte("\n\n")) {
		b.WriteByte('\n')
	}
	for i, k := range parent {
		b.WriteString(strings.Repeat(" ", i*indent) + scalarText(k, false) + ":\n")
	}
	pad := strings.Repeat(" ", len(parent)*indent)
	for _, u := range updates {
		b.WriteString(pad + scalarText(u.Path[len(u.Path)-1], false) + ": " + scalarText(u.Value, u.Quote) + "\n")
	}
	return b.Bytes()
}

func isBlockMapping(n *yaml.Node) bool {
	return n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0
}

// indentOf is the indentation the file uses for the first nested section.
func indentOf(root *yaml.Node) int {
	for i := 1; i < len(root.Content); i += 2 {
		if v := root.Content[i]; isBlockMapping(v) && len(v.Content) > 0 && v.Content[0].Column > 1 {
			return v.Content[0].Column - 1
		}
	}
	return 2
}

func lookupPair(m *yaml.Node, key string) (k, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// scalarText is a string as YAML: double-quoted when asked, else plain
// unless it needs quotes.
func scalarText(s string, quote bool) string {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if quote {
		n.Style = yaml.DoubleQuotedStyle
	}
	out, err := yaml.Marshal(n)
	if err != nil {
		return `"` + s + `"` // not reached for a string; the read-back check would catch it
	}
	return strings.TrimSuffix(string(out), "\n")
}

// keyEnd finds where a key that starts at start ends: a quoted key like a
// quoted value, a plain key by its text (a plain scan would take the colon).
func keyEnd(data []byte, start, eol int, k *yaml.Node) (int, bool) {
	if k.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		return scalarEnd(data, start, eol, k.Style)
	}
	end := start + len(k.Value)
	return end, end <= eol && string(data[start:end]) == k.Value
}

func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// offset turns the node tree's line and column (1-based, counted in
// characters) into a byte offset.
func offset(data []byte, starts []int, line, column int) int {
	if line-1 >= len(starts) {
		return len(data)
	}
	i := starts[line-1]
	for c := 1; c < column && i < len(data) && data[i] != '\n'; c++ {
		_, size := utf8.DecodeRune(data[i:])
		i += size
	}
	return i
}

func lineEnd(data []byte, from int) int {
	if i := bytes.IndexByte(data[from:], '\n'); i >= 0 {
		return from + i
	}
	return len(data)
}

// scalarEnd finds where a one-line scalar that starts at start ends.
func scalarEnd(data []byte, start, eol int, style yaml.Style) (int, bool) {
	switch {
	case style&yaml.DoubleQuotedStyle != 0:
		for i := start + 1; i < eol; i++ {
			switch data[i] {
			case '\\':
				i++
			case '"':
				return i + 1, true
			}
		}
		return 0, false
	case style&yaml.SingleQuotedStyle != 0:
		for i := start + 1; i < eol; i++ {
			if data[i] != '\'' {
				continue
			}
			if i+1 < eol && data[i+1] == '\'' {
				i++
				continue
			}
			return i + 1, true
		}
		return 0, false
	}
	end := eol
	for i := start; i < eol; i++ {
		if data[i] == '#' && i > start && (data[i-1] == ' ' || data[i-1] == '\t') {
			end = i
			break
		}
	}
	for end > start && strings.ContainsRune(" \t\r", rune(data[end-1])) {
		end--
	}
	return end, end > start
}
