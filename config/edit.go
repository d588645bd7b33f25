package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Update sets one string key of a config file: Path is the key path, such as
// {"bridge", "username"}; Quote writes the value in double quotes, so YAML
// never reads a key such as "1e3" or "no" as a number or a boolean.
type Update struct {
	Path  []string
	Value string
	Quote bool
}

// Edit sets keys in the YAML file at path, creating the file and missing
// sections as needed, and leaves everything else as it was: other keys,
// comments, blank lines and alignment. It edits the text at the positions the
// YAML node tree gives; where that cannot be done safely (flow style such as
// `bridge: {host: a}`, a section given as null) it edits the node tree and
// writes it out again, which keeps keys and comments but not blank lines.
// Either way the result is read back and checked to differ from the old file
// in the updated keys only. The file is replaced atomically, with mode 0600:
// it holds the bridge key. Every update must share one parent section.
func Edit(path string, updates []Update) error {
	if len(updates) == 0 {
		return nil
	}
	target, err := resolveLink(path)
	if err != nil {
		return err
	}
	data, err := ReadFile(target)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return readError(path, err)
	}
	out, err := edited(data, updates)
	if err != nil {
		return fmt.Errorf("edit %s: %w", path, err)
	}
	return writeFileAtomic(target, out, 0o600)
}

// readError says which file could not be read; a *NotRegularError names it
// already.
func readError(path string, err error) error {
	var nr *NotRegularError
	if errors.As(err, &nr) {
		return err
	}
	return fmt.Errorf("read %s: %w", path, err)
}

// edited returns data with the updates applied, by a text edit when that
// checks out, else by a node-tree edit.
func edited(data []byte, updates []Update) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not valid YAML (%s); fix it first", firstLine(err))
	}
	var want any
	if err := yaml.Unmarshal(data, &want); err != nil {
		return nil, err
	}
	want, err := applyGeneric(want, updates)
	if err != nil {
		return nil, err
	}
	if out, ok := textEdit(data, &doc, updates); ok && sameContent(out, want) {
		return out, nil
	}
	out, err := treeEdit(&doc, updates)
	if err != nil {
		return nil, err
	}
	if !sameContent(out, want) {
		return nil, errors.New("the edited file would not read back as expected; edit it by hand")
	}
	return out, nil
}

// FileValue reads one string key from a config file as written, without
// environment overrides or checks. ok is false when the file or key is absent.
func FileValue(path string, keys ...string) (value string, ok bool, err error) {
	data, err := ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, readError(path, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", false, fmt.Errorf("%s: not valid YAML (%s)", path, firstLine(err))
	}
	if len(doc.Content) == 0 {
		return "", false, nil
	}
	n := doc.Content[0]
	for _, k := range keys {
		n = lookup(n, k)
		if n == nil {
			return "", false, nil
		}
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", false, nil
	}
	return n.Value, true, nil
}

// BridgeSection is where `pair` writes a bridge in the file at path:
// {"bridge"} for the one-bridge form (and for a new file), or
// {"bridges", name} when the file names its bridges.
func BridgeSection(path, name string) ([]string, error) {
	data, err := ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, readError(path, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not valid YAML (%s); fix it first", path, firstLine(err))
	}
	var one, named *yaml.Node
	if len(doc.Content) > 0 {
		one, named = lookup(doc.Content[0], "bridge"), lookup(doc.Content[0], "bridges")
	}
	if named == nil || named.Kind != yaml.MappingNode || len(named.Content) == 0 {
		switch {
		case name == "" || name == DefaultBridge:
			return []string{"bridge"}, nil
		case one != nil:
			return nil, fmt.Errorf("%s has one bridge (`bridge:`); pair without --bridge, or rename `bridge:` to `bridges: {%s: ...}` first", path, name)
		}
		return []string{"bridges", name}, nil
	}
	if name == "" {
		var names []string
		for i := 0; i+1 < len(named.Content); i += 2 {
			names = append(names, named.Content[i].Value)
		}
		return nil, fmt.Errorf("%s names several bridges (%s): choose one with --bridge", path, strings.Join(names, ", "))
	}
	return []string{"bridges", name}, nil
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// applyGeneric applies the updates to a decoded document, to know what the
// edited file must read back as.
func applyGeneric(doc any, updates []Update) (any, error) {
	if doc == nil {
		doc = map[string]any{}
	}
	for _, u := range updates {
		m, ok := doc.(map[string]any)
		if !ok {
			return nil, errors.New("the file is not a YAML mapping of keys")
		}
		for i, k := range u.Path[:len(u.Path)-1] {
			next := m[k]
			if next == nil {
				next = map[string]any{}
				m[k] = next
			}
			nm, ok := next.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s is not a section of keys; fix it first", strings.Join(u.Path[:i+1], "."))
			}
			m = nm
		}
		m[u.Path[len(u.Path)-1]] = u.Value
	}
	return doc, nil
}

func sameContent(out []byte, want any) bool {
	var got any
	if err := yaml.Unmarshal(out, &got); err != nil {
		return false
	}
	return reflect.DeepEqual(got, want)
}

// treeEdit sets the keys in the node tree and encodes it again.
func treeEdit(doc *yaml.Node, updates []Update) ([]byte, error) {
	if doc.Kind == 0 {
		doc.Kind = yaml.DocumentNode
	}
	if len(doc.Content) == 0 {
		doc.Content = []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}
	}
	for _, u := range updates {
		m := doc.Content[0]
		for i, k := range u.Path[:len(u.Path)-1] {
			next := lookup(m, k)
			if next == nil {
				next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, next)
			}
			if next.Kind == yaml.ScalarNode && next.Tag == "!!null" {
				next.Kind, next.Tag, next.Value, next.Style = yaml.MappingNode, "!!map", "", 0
			}
			if next.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("%s is not a section of keys; fix it first", strings.Join(u.Path[:i+1], "."))
			}
			m = next
		}
		setScalar(m, u)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// setScalar sets key to the update's value, keeping the comments around it.
func setScalar(m *yaml.Node, u Update) {
	key := u.Path[len(u.Path)-1]
	v := lookup(m, key)
	if v == nil {
		v = &yaml.Node{}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
	}
	v.Kind, v.Tag, v.Value, v.Content, v.Alias = yaml.ScalarNode, "!!str", u.Value, nil, nil
	v.Style = 0
	if u.Quote {
		v.Style = yaml.DoubleQuotedStyle
	}
}

// resolveLink follows a symlink, so the file it points to is replaced and
// the link stays.
func resolveLink(path string) (string, error) {
	target, err := filepath.EvalSymlinks(path)
	if errors.Is(err, os.ErrNotExist) {
		return path, nil
	}
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", path, err)
	}
	return target, nil
}

// writeFileAtomic writes a temporary file next to path and renames it over
// path, so a reader (the running gateway's reload) never sees half a file.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // fails harmlessly once renamed
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
