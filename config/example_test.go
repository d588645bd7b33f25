package config

import (
	"bytes"
	"os"
	"testing"
)

func TestExampleIsTheRootFile(t *testing.T) {
	root, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(root, Example) {
		t.Fatal("config/config.example.yaml differs from the root config.example.yaml: run `go generate ./config`")
	}
}

func TestExampleIsAValidConfigWithoutWarnings(t *testing.T) {
	c, err := Parse(Example)
	if err != nil {
		t.Fatalf("the starter config has problems:\n%v", err)
	}
	if len(c.Warnings) > 0 {
		t.Fatalf("the starter config has unknown keys: %v", c.Warnings)
	}
	if len(c.Mappings) == 0 {
		t.Fatal("the starter config maps no topic")
	}
}
