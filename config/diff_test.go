package config

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/huegate/huegate/mapping"
)

func TestAReloadNamesTheBuiltInBrokerAndHTTPKeysThatNeedARestart(t *testing.T) {
	old := &Config{
		MQTT: MQTT{Broker: "embedded", Listen: "127.0.0.1:1883", Users: []User{{Username: "a", Password: "old-pw"}}},
		HTTP: HTTP{Listen: "127.0.0.1:8081"},
	}
	cur := &Config{
		MQTT: MQTT{Broker: "embedded", Listen: "127.0.0.1:1883", Users: []User{{Username: "a", Password: "new-pw"}}},
		HTTP: HTTP{Listen: "127.0.0.1:9091"},
	}
	got := Diff(old, cur)
	if got.Mappings || !slices.Equal(got.Restart, []string{"http.listen", "mqtt.users"}) {
		t.Fatalf("changes = %+v, want restart [http.listen mqtt.users]", got)
	}
}

func TestMappingsAreTheOnlyLiveChange(t *testing.T) {
	old := &Config{Mappings: []mapping.Mapping{{Topic: "lights"}}}
	cur := &Config{Mappings: []mapping.Mapping{{Topic: "lamp"}}}
	if got := Diff(old, cur); !got.Mappings || len(got.Restart) != 0 {
		t.Fatalf("changes = %+v", got)
	}
	if got := Diff(old, old); got.Mappings || len(got.Restart) != 0 {
		t.Fatalf("no edit, changes = %+v", got)
	}
}

func TestABridgeAddedOrRemovedNeedsARestart(t *testing.T) {
	one := &Config{Bridges: map[string]Bridge{DefaultBridge: {Host: "a"}}}
	two := &Config{Bridges: map[string]Bridge{DefaultBridge: {Host: "a"}, "attic": {Host: "b"}}}
	if got := Diff(one, two).Restart; !slices.Equal(got, []string{"bridges.attic"}) {
		t.Fatalf("added: %v", got)
	}
	if got := Diff(two, one).Restart; !slices.Equal(got, []string{"bridges.attic"}) {
		t.Fatalf("removed: %v", got)
	}
}

// Every field of every section that needs a restart must show in the diff:
// a field added to a section and forgotten in Diff would make a reload
// ignore an edit silently. The test changes each field in turn.
func TestEveryKeyThatChangesIsNamed(t *testing.T) {
	base := func() *Config {
		return &Config{Bridges: map[string]Bridge{DefaultBridge: {}}}
	}
	sections := []struct {
		prefix string
		field  func(c *Config) reflect.Value // addressable struct
		store  func(c *Config, v reflect.Value)
	}{
		{"bridge", func(c *Config) reflect.Value { b := c.Bridges[DefaultBridge]; return reflect.ValueOf(&b).Elem() },
			func(c *Config, v reflect.Value) { c.Bridges[DefaultBridge] = v.Interface().(Bridge) }},
		{"mqtt", func(c *Config) reflect.Value { return reflect.ValueOf(&c.MQTT).Elem() }, nil},
		{"http", func(c *Config) reflect.Value { return reflect.ValueOf(&c.HTTP).Elem() }, nil},
		{"homeassistant", func(c *Config) reflect.Value { return reflect.ValueOf(&c.HomeAssistant).Elem() }, nil},
	}
	for _, s := range sections {
		n := s.field(base()).NumField()
		for i := range n {
			cur := base()
			v := s.field(cur)
			name := v.Type().Field(i).Name
			change(t, v.Field(i))
			if s.store != nil {
				s.store(cur, v)
			}
			got := Diff(base(), cur)
			if len(got.Restart) != 1 || got.Mappings {
				t.Errorf("%s.%s changed: diff %+v, want exactly one restart key", s.prefix, name, got)
			}
		}
	}
}

// change sets v to a value other than its zero.
func change(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		if v.Type() == reflect.TypeOf(time.Duration(0)) {
			v.SetInt(int64(time.Second))
		} else {
			v.SetInt(1)
		}
	case reflect.Float64:
		v.SetFloat(1)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
	default:
		t.Fatalf("no way to change a %s: teach the test", v.Kind())
	}
}
