package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestHomeAssistantIsOffByDefault(t *testing.T) {
	c, err := Parse([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if c.HomeAssistant != (HomeAssistant{Enabled: false, DiscoveryPrefix: "homeassistant"}) {
		t.Fatalf("homeassistant = %+v", c.HomeAssistant)
	}
}

func TestHomeAssistantFromTheFileAndTheEnvironment(t *testing.T) {
	c, err := Parse([]byte(example + "homeassistant:\n  enabled: true\n  discovery_prefix: /ha/discovery/\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.HomeAssistant != (HomeAssistant{Enabled: true, DiscoveryPrefix: "ha/discovery"}) {
		t.Fatalf("homeassistant = %+v", c.HomeAssistant)
	}
	t.Setenv("HUEGATE_HOMEASSISTANT_ENABLED", "true")
	c, err = Parse([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if !c.HomeAssistant.Enabled || c.HomeAssistant.DiscoveryPrefix != "homeassistant" {
		t.Fatalf("homeassistant from the environment = %+v", c.HomeAssistant)
	}
}

func TestHomeAssistantProblemsNameTheKey(t *testing.T) {
	tests := map[string]string{
		"homeassistant: {enabled: true, discovery_prefix: 'ha/#'}": "homeassistant.discovery_prefix: \"ha/#\" contains a wildcard",
		"homeassistant: {enabled: true, discovery_prefix: ''}":     "homeassistant.discovery_prefix: must be set",
		"homeassistant: {enabled: maybe}":                          "homeassistant.enabled: must be true or false",
	}
	for yaml, want := range tests {
		_, err := Parse([]byte(example + yaml + "\n"))
		var p Problems
		if !errors.As(err, &p) || !strings.Contains(p.Error(), want) {
			t.Errorf("%s: error = %v, want %q", yaml, err, want)
		}
	}
	// A bad prefix does not matter while discovery is off.
	if _, err := Parse([]byte(example + "homeassistant: {discovery_prefix: 'ha/#'}\n")); err != nil {
		t.Errorf("disabled discovery with a bad prefix: %v", err)
	}
}

func TestATypoUnderHomeAssistantIsAWarning(t *testing.T) {
	c, err := Parse([]byte(example + "homeassistant: {enable: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(c.Warnings, "homeassistant.enable: unknown key (ignored)") {
		t.Fatalf("warnings = %v", c.Warnings)
	}
}

func TestTheExampleConfigLoadsWithoutWarnings(t *testing.T) {
	c, err := Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 || c.HomeAssistant.Enabled || c.HomeAssistant.DiscoveryPrefix != "homeassistant" {
		t.Fatalf("warnings %v, homeassistant %+v", c.Warnings, c.HomeAssistant)
	}
}
