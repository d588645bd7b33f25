package config

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the config parser: it must never panic,
// and every failure must be Problems, one non-empty line each.
func FuzzParse(f *testing.F) {
	f.Add([]byte(example))
	f.Add([]byte("bridge: {host: h, light_rat: 4}\n"))
	f.Add([]byte("bridges:\n  up: {host: a, username: k1}\n  down: {host: b, light_rate: 4}\nmappings:\n  - {topic: x, bridge: up, lights: [1], groups: [Kitchen]}\n"))
	f.Add([]byte("mappings:\n  - {topic: a, lights: [1], range: [900, 5], transition: 1, debounce: 200ms, sync: yes}\n"))
	f.Add([]byte("bridge: 192.168.1.2\nmqtt: [1]\n"))
	if data, err := os.ReadFile("../config.example.yaml"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err == nil {
			if c == nil || len(c.Bridges) == 0 {
				t.Fatalf("Parse(%q) = %+v with no error", data, c)
			}
			return
		}
		var p Problems
		if !errors.As(err, &p) || len(p) == 0 {
			t.Fatalf("Parse(%q) error %v (%T) is not Problems", data, err, err)
		}
		for _, line := range p {
			if strings.TrimSpace(line) == "" {
				t.Fatalf("Parse(%q): an empty problem in %q", data, p)
			}
		}
	})
}
