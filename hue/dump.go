package hue

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Redacted is what SanitizeDump puts in place of every secret it removes.
const Redacted = "redacted"

// Dump reads the bridge's full state (GET /api/<key>): lights, groups,
// config, schedules, scenes, rules, sensors and resourcelinks, as the bridge
// sends it. It still holds the whitelist and every app key: pass it through
// SanitizeDump before it leaves the machine.
func (c *Client) Dump(ctx context.Context) ([]byte, error) {
	body, err := c.get(ctx, "", "")
	if err != nil {
		return nil, fmt.Errorf("read the bridge's full state: %w", err)
	}
	return body, nil
}

// SanitizeDump returns a full-state dump without secrets, indented, in the
// format emulator.Load and `huegate emulate --fixture` read. It empties
// config.whitelist (the paired apps and their keys), and replaces with
// Redacted: every occurrence of a whitelisted key or of keys (the caller's
// own) anywhere in the dump, such as in scene owners or schedule addresses;
// the values of fields named like a secret (owner, username, password,
// token, ...); and any string or path segment that looks like an app key
// (30 or more letters, digits and dashes that are not a UUID). Numbers are
// kept exactly as the bridge wrote them.
func SanitizeDump(dump []byte, keys ...string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(dump))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("sanitize dump: %w: %s", ErrMalformed, describe(err))
	}
	if top == nil {
		return nil, fmt.Errorf("sanitize dump: %w: want a JSON object", ErrMalformed)
	}
	s := sanitizer{}
	for _, k := range keys {
		s.add(k)
	}
	if cfg, ok := top["config"].(map[string]any); ok {
		if wl, ok := cfg["whitelist"].(map[string]any); ok {
			for k := range wl {
				s.add(k)
			}
		}
		if _, ok := cfg["whitelist"]; ok {
			cfg["whitelist"] = map[string]any{}
		}
	}
	clean := s.value(top)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(clean); err != nil {
		return nil, fmt.Errorf("sanitize dump: %w", err)
	}
	return out.Bytes(), nil
}

// sanitizer knows the secrets found so far, longest first so that a key
// containing another is replaced whole.
type sanitizer struct {
	secrets []string
}

func (s *sanitizer) add(k string) {
	if k = strings.TrimSpace(k); k == "" {
		return
	}
	for _, have := range s.secrets {
		if have == k {
			return
		}
	}
	s.secrets = append(s.secrets, k)
	for i := len(s.secrets) - 1; i > 0 && len(s.secrets[i]) > len(s.secrets[i-1]); i-- {
		s.secrets[i], s.secrets[i-1] = s.secrets[i-1], s.secrets[i]
	}
}

func (s *sanitizer) value(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, item := range x {
			if str, ok := item.(string); ok && str != "" && secretField(k) {
				x[k] = Redacted
				continue
			}
			x[k] = s.value(item)
		}
		return x
	case []any:
		for i, item := range x {
			x[i] = s.value(item)
		}
		return x
	case string:
		return s.text(x)
	}
	return v
}

// text redacts known secrets inside a string, then anything that looks
// like a key, whole or as a segment of a path such as /api/<key>/groups/1.
func (s *sanitizer) text(str string) string {
	for _, k := range s.secrets {
		str = strings.ReplaceAll(str, k, Redacted)
	}
	if !strings.Contains(str, "/") {
		if looksLikeKey(str) {
			return Redacted
		}
		return str
	}
	segs := strings.Split(str, "/")
	for i, seg := range segs {
		if looksLikeKey(seg) {
			segs[i] = Redacted
		}
	}
	return strings.Join(segs, "/")
}

// secretFields are field names whose string values are credentials or
// name the app that owns something (its key).
var secretFields = []string{"owner", "username", "password", "token", "secret", "apikey", "clientkey", "appkey"}

func secretField(name string) bool {
	n := strings.ToLower(name)
	for _, f := range secretFields {
		if n == f || strings.HasSuffix(n, f) {
			return true
		}
	}
	return false
}

var (
	keyLike = regexp.MustCompile(`^[A-Za-z0-9-]{30,}$`)
	uuid    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// looksLikeKey: bridge-generated app keys are 30 to 40 letters, digits and
// dashes. UUIDs (scene images, v2 ids) have the same alphabet but are not
// secrets, and product ids carry underscores.
func looksLikeKey(s string) bool {
	return keyLike.MatchString(s) && !uuid.MatchString(s)
}
