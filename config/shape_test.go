package config

import (
	"errors"
	"strings"
	"testing"
)

func problems(t *testing.T, yaml string) (Problems, []string) {
	t.Helper()
	c, err := Parse([]byte(yaml))
	var p Problems
	if !errors.As(err, &p) {
		t.Fatalf("Parse(%q) = %v, want Problems", yaml, err)
	}
	var warnings []string
	if c != nil {
		warnings = c.Warnings
	}
	return p, warnings
}

func TestASectionThatIsNotAMapIsNamedAsSuch(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"bridge: 192.168.1.2\n", "bridge: must be a map of settings"},
		{"bridge: [a, b]\n", "bridge: must be a map of settings"},
		{"mqtt: tcp://127.0.0.1:1883\n", "mqtt: must be a map of settings"},
		{"bridges: [upstairs, downstairs]\n", "bridges: must be a map of bridges by name"},
		{"bridges: {upstairs: 192.168.1.2}\n", "bridges.upstairs: must be a map of settings"},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			p, warnings := problems(t, tt.yaml)
			if len(p) != 1 || !strings.HasPrefix(p[0], tt.want) {
				t.Fatalf("problems:\n%s\nwant exactly one line starting %q", p.Error(), tt.want)
			}
			if len(warnings) > 0 {
				t.Fatalf("a known section is warned about as unknown: %v", warnings)
			}
		})
	}
}

func TestSecretsAreNeverEchoedInProblems(t *testing.T) {
	tests := []struct{ yaml, key, secret string }{
		{"mqtt: {password: [hunter2-secret]}\n", "mqtt.password", "hunter2"},
		{"mqtt: {password: {hunter2-secret: 1}}\n", "mqtt.password", "hunter2"},
		{"bridge: {username: [k3y-secret]}\n", "bridge.username", "k3y"},
		{"bridges: {up: {host: h, username: [k3y-secret]}}\n", "bridges.up.username", "k3y"},
		{"mqtt: {broker: 'tcp://user:pa ss-secret@x:1'}\n", "mqtt.broker", "pa ss"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			p, warnings := problems(t, tt.yaml)
			if !strings.Contains(p.Error(), tt.key+":") {
				t.Errorf("no problem names %s:\n%s", tt.key, p.Error())
			}
			all := p.Error() + strings.Join(warnings, "\n")
			if strings.Contains(all, tt.secret) {
				t.Fatalf("the secret is echoed:\n%s", all)
			}
		})
	}
}

func TestNumbersThatDoNotFitAreRefusedNotWrapped(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"bridge: {timeout: 1e300}\n", "bridge.timeout: must be a duration"},
		{"bridge: {poll_interval: .nan}\n", "bridge.poll_interval: must be a duration"},
		{"mappings: [{topic: a, lights: [1], debounce: 1e300}]\n", "mappings[0].debounce: must be a duration"},
		{"bridge: {workers: 1e300}\n", "bridge.workers: must be a whole number"},
		{"mqtt: {qos: 1.5}\n", "mqtt.qos: must be a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			p, _ := problems(t, tt.yaml)
			if !strings.Contains(p.Error(), tt.want) {
				t.Fatalf("problems:\n%s\nwant a line with %q", p.Error(), tt.want)
			}
			if strings.Contains(p.Error(), "-2562047h") || strings.Contains(p.Error(), "-9223372036854775808") {
				t.Fatalf("an overflowed value is reported:\n%s", p.Error())
			}
		})
	}
}

// Every scalar key, given a value of the wrong type, gets a problem line
// that starts with the key's full path.
func TestEveryTypeErrorNamesItsKey(t *testing.T) {
	for key := range defaults {
		section, name, _ := strings.Cut(key, ".")
		t.Run(key, func(t *testing.T) {
			p, _ := problems(t, section+":\n  "+name+": {wrong: [type]}\n")
			for _, line := range p {
				if strings.HasPrefix(line, key+": ") {
					return
				}
			}
			t.Fatalf("no line starts with %q:\n%s", key+": ", p.Error())
		})
	}
	for _, key := range []string{"topic", "bridge", "lights", "groups", "range", "transition", "debounce", "sync"} {
		t.Run("mappings[0]."+key, func(t *testing.T) {
			base := map[string]string{"topic": "topic: a, ", "lights": "lights: [1], "}
			delete(base, key)
			p, _ := problems(t, "mappings:\n  - {"+base["topic"]+base["lights"]+key+": {wrong: {type: 1}}}\n")
			if !strings.Contains(p.Error(), "mappings[0]."+key) {
				t.Fatalf("no line names mappings[0].%s:\n%s", key, p.Error())
			}
		})
	}
}
