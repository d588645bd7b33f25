package config

import (
	"fmt"
	"sort"

	"github.com/huegate/huegate/mapping"
	"github.com/spf13/cast"
)

func (r *reader) mappings() []mapping.Mapping {
	raw := r.v.Get("mappings")
	if raw == nil {
		return nil
	}
	items, ok := raw.([]any)
	if !ok {
		r.bad("mappings", raw, "must be a list of mappings")
		return nil
	}
	out := make([]mapping.Mapping, 0, len(items))
	for i, it := range items {
		key := fmt.Sprintf("mappings[%d]", i)
		m, ok := it.(map[string]any)
		if !ok {
			r.bad(key, it, "must be a mapping with topic, lights and range")
			continue
		}
		out = append(out, r.mapping(key, m))
	}
	return out
}

func (r *reader) mapping(key string, raw map[string]any) mapping.Mapping {
	m := mapping.Mapping{Range: mapping.DefaultRange, Transition: DefaultTransition}
	for _, k := range sortedKeys(raw) {
		if !mappingKeys[k] {
			r.problems = append(r.problems, fmt.Sprintf("%s.%s: unknown key", key, k))
		}
	}
	m.Topic = r.itemString(key+".topic", raw["topic"])
	if b, ok := raw["bridge"]; ok {
		m.Bridge = r.itemString(key+".bridge", b)
	}
	m.Lights = r.refs(key+".lights", raw["lights"])
	m.Groups = r.refs(key+".groups", raw["groups"])
	if v, ok := raw["range"]; ok {
		m.Range = r.rangeValue(key+".range", v)
	}
	if v, ok := raw["transition"]; ok {
		m.Transition = r.durValue(key+".transition", v)
	}
	if v, ok := raw["debounce"]; ok {
		m.Debounce = r.durValue(key+".debounce", v)
	}
	if v, ok := raw["stream"]; ok {
		m.Stream = r.itemString(key+".stream", v)
	}
	m.StreamIdle = mapping.DefaultStreamIdle
	if v, ok := raw["stream_idle"]; ok {
		m.StreamIdle = r.durValue(key+".stream_idle", v)
	}
	if v, ok := raw["sync"]; ok {
		b, err := cast.ToBoolE(v)
		if err != nil {
			r.bad(key+".sync", v, "must be true or false")
		}
		m.Sync = b
	}
	return m
}

func (r *reader) itemString(key string, v any) string {
	if v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.bad(key, v, "must be a string")
	}
	return s
}

func (r *reader) refs(key string, v any) []mapping.Ref {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		list = []any{v} // a single name or id
	}
	out := make([]mapping.Ref, 0, len(list))
	for i, it := range list {
		ref, err := mapping.ParseRef(it)
		if err != nil {
			r.problems = append(r.problems, fmt.Sprintf("%s[%d]: %v", key, i, err))
			continue
		}
		out = append(out, ref)
	}
	return out
}

func (r *reader) rangeValue(key string, v any) mapping.Range {
	list, ok := v.([]any)
	if !ok || len(list) != 2 {
		r.bad(key, v, "must be two numbers, [min, max]")
		return mapping.DefaultRange
	}
	lo, err1 := cast.ToFloat64E(list[0])
	hi, err2 := cast.ToFloat64E(list[1])
	if err1 != nil || err2 != nil {
		r.bad(key, v, "must be two numbers, [min, max]")
		return mapping.DefaultRange
	}
	return mapping.Range{Min: lo, Max: hi}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
