package config

import (
	"errors"
	"strings"
	"testing"
)

func TestAMappingMustNameItsBridgeWhenThereAreSeveral(t *testing.T) {
	_, err := Parse([]byte("bridges:\n  up: {host: a}\n  down: {host: b}\nmappings:\n  - {topic: x, lights: [1]}\n"))
	var p Problems
	if !errors.As(err, &p) || !strings.Contains(p.Error(), "mappings[0].bridge: must name one of the bridges (down, up)") {
		t.Fatalf("err = %v", err)
	}
}
