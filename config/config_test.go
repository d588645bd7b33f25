package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/mapping"
)

const example = `
bridge:
  host: 192.168.1.2
  username: "abc"
mqtt:
  broker: tcp://127.0.0.1:1883
mappings:
  - topic: lights
    lights: ["Desk lamp", 3]
    range: [0, 1023]
    transition: 0s
`

func TestParseAppliesDefaults(t *testing.T) {
	c, err := Parse([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	b := c.Bridges[DefaultBridge]
	if b.Host != "192.168.1.2" || b.LightRate != 10 || b.GroupRate != 1 || b.Timeout != 3*time.Second || b.PollInterval != 2*time.Second || b.Workers != 3 {
		t.Fatalf("bridge = %+v", b)
	}
	if c.MQTT.Prefix != "huegate" || c.MQTT.QoS != 1 || c.MQTT.ClientID != "huegate" {
		t.Fatalf("mqtt = %+v", c.MQTT)
	}
	m := c.Mappings[0]
	if m.Topic != "lights" || m.Range != (mapping.Range{Min: 0, Max: 1023}) || m.Transition != 0 {
		t.Fatalf("mapping = %+v", m)
	}
	if len(m.Lights) != 2 || m.Lights[0].Name != "Desk lamp" || m.Lights[1].ID != "3" {
		t.Fatalf("lights = %+v", m.Lights)
	}
}

func TestTransitionDefaultsToAQuickFade(t *testing.T) {
	c, err := Parse([]byte("bridge: {host: h}\nmappings:\n  - {topic: a, lights: [1]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Mappings[0].Transition != DefaultTransition || c.Mappings[0].Range != mapping.DefaultRange {
		t.Fatalf("mapping = %+v", c.Mappings[0])
	}
}

func TestEnvironmentOverridesEveryKeyEvenWithoutAFile(t *testing.T) {
	t.Setenv("HUEGATE_BRIDGE_USERNAME", "from-env")
	t.Setenv("HUEGATE_BRIDGE_HOST", "10.0.0.9")
	t.Setenv("HUEGATE_BRIDGE_LIGHT_RATE", "5")
	t.Setenv("HUEGATE_MQTT_PASSWORD", "pw")
	c, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	b := c.Bridges[DefaultBridge]
	if b.Username != "from-env" || b.Host != "10.0.0.9" || b.LightRate != 5 || c.MQTT.Password != "pw" {
		t.Fatalf("env not applied: %+v %+v", b, c.MQTT)
	}
}

func TestEnvironmentOverridesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HUEGATE_BRIDGE_USERNAME", "override")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Bridges[DefaultBridge].Username; got != "override" {
		t.Fatalf("username = %q", got)
	}
	if c.File != path && path != "" {
		t.Fatalf("File = %q", c.File)
	}
}

func TestBridgesMapByName(t *testing.T) {
	c, err := Parse([]byte("bridges:\n  upstairs: {host: a, username: k1}\n  downstairs: {host: b, light_rate: 4}\nmappings:\n  - {topic: x, bridge: upstairs, lights: [1]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Bridges) != 2 || c.Bridges["upstairs"].Host != "a" || c.Bridges["downstairs"].LightRate != 4 || c.Bridges["upstairs"].LightRate != 10 {
		t.Fatalf("bridges = %+v", c.Bridges)
	}
}

func TestBrokenConfigsNameTheirKey(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"reversed range", "mappings:\n  - {topic: a, lights: [1], range: [900, 5]}\n", "mappings[0].range: min 900 must be below max 5"},
		{"range not numbers", "mappings:\n  - {topic: a, lights: [1], range: [a, b]}\n", "mappings[0].range: must be two numbers"},
		{"zero light rate", "bridge: {light_rate: 0}\n", "bridge.light_rate: must be above 0"},
		{"rate not a number", "bridge: {light_rate: fast}\n", `bridge.light_rate: must be a number, got "fast"`},
		{"bad duration", "bridge: {timeout: soon}\n", "bridge.timeout: must be a duration"},
		{"duplicate topic", "mappings:\n  - {topic: a, lights: [1]}\n  - {topic: a, lights: [2]}\n", `mappings[1].topic: "a" is already mapped by mappings[0]`},
		{"wildcard topic", "mappings:\n  - {topic: 'a/+', lights: [1]}\n", "mappings[0].topic: \"a/+\" contains a wildcard"},
		{"hash topic", "mappings:\n  - {topic: 'a/#', lights: [1]}\n", "contains a wildcard"},
		{"no lights", "mappings:\n  - {topic: a}\n", "mappings[0]: needs at least one light"},
		{"light id zero", "mappings:\n  - {topic: a, lights: [0]}\n", "mappings[0].lights[0]: light id 0 must be positive"},
		{"unknown mapping key", "mappings:\n  - {topic: a, lights: [1], rnage: [0, 1]}\n", "mappings[0].rnage: unknown key"},
		{"qos", "mqtt: {qos: 3}\n", "mqtt.qos: must be 0, 1 or 2"},
		{"broker scheme", "mqtt: {broker: 'http://x:1'}\n", "mqtt.broker: scheme \"http\""},
		{"credentials in URL", "mqtt: {broker: 'tcp://u:secret@x:1'}\n", "mqtt.broker: put credentials"},
		{"mappings not a list", "mappings: yes\n", "mappings: must be a list"},
		{"unknown bridge", "mappings:\n  - {topic: a, bridge: attic, lights: [1]}\n", `mappings[0].bridge: no bridge named "attic"`},
		{"both bridge forms", "bridge: {host: a}\nbridges:\n  x: {host: b}\n", "not both"},
		{"negative transition", "mappings:\n  - {topic: a, lights: [1], transition: -1s}\n", "mappings[0].transition: must not be negative"},
		{"topic under the prefix", "mappings:\n  - {topic: huegate/x, lights: [1]}\n", "under mqtt.prefix"},
		{"not YAML", "bridge: [\n", "not valid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			var p Problems
			if !errors.As(err, &p) {
				t.Fatalf("error = %v, want Problems", err)
			}
			if !strings.Contains(p.Error(), tt.want) {
				t.Fatalf("problems:\n%s\nwant a line with %q", p.Error(), tt.want)
			}
		})
	}
}

func TestUnknownKeysAreWarned(t *testing.T) {
	c, err := Parse([]byte("bridge: {host: h, light_rat: 4}\nmappings: [{topic: a, lights: [1]}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "bridge.light_rat: unknown key") {
		t.Fatalf("warnings = %v", c.Warnings)
	}
}

func TestAdviceForWhatAConfigProbablyDoesNotMean(t *testing.T) {
	cfg, err := Parse([]byte("mqtt: {broker: 'tcp://127.0.0.1:1883'}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Warnings, "\n"); !strings.Contains(got, "mappings: none") {
		t.Errorf("no mappings, warnings %q", got)
	}
	cfg, err = Parse([]byte("mappings:\n  - {topic: a, lights: [1], transition: 150ms}\n  - {topic: b, lights: [2], transition: 300ms}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Warnings, "\n"); got != "mappings[0].transition: 150ms is sent as 200ms: the bridge counts in steps of 100 ms" {
		t.Errorf("warnings %q", got)
	}
}

// A streamed mapping on a bridge that cannot stream still works, over
// REST; validate and the start-up log say so, and how to fix it.
func TestAStreamTheBridgeCannotCarryIsWarned(t *testing.T) {
	for _, c := range []struct{ bridge, want string }{
		{"{host: h}", "bridge.clientkey is empty"},
		{"{host: 'http://h', clientkey: 00112233445566778899aabbccddeeff}", "streaming needs CLIP v2 over https"},
		{"{host: h, api: v1, clientkey: 00112233445566778899aabbccddeeff}", "streaming needs CLIP v2 over https"},
	} {
		cfg, err := Parse([]byte("bridge: " + c.bridge + "\nmappings: [{topic: a, stream: TV area}]\n"))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(cfg.Warnings, "\n"); !strings.Contains(got, "mappings[0].stream: "+c.want) {
			t.Errorf("%s: warnings %q", c.bridge, got)
		}
	}
	cfg, err := Parse([]byte("bridge: {host: h, clientkey: 00112233445566778899aabbccddeeff}\nmappings: [{topic: a, stream: TV area}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("a bridge that can stream: warnings %q", cfg.Warnings)
	}
}
