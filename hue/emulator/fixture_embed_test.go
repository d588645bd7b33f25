package emulator

import (
	"bytes"
	"os"
	"testing"
)

func TestEmbeddedFixtureIsTheProjectFixture(t *testing.T) {
	want, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(Fixture(), want) {
		t.Fatalf("hue/emulator/fixture.json differs from %s: run `go generate ./hue/emulator`", fixture)
	}
}

func TestFixtureReturnsACopy(t *testing.T) {
	a := Fixture()
	a[0] = 'x'
	if Fixture()[0] == 'x' {
		t.Fatal("Fixture returned the embedded bytes, not a copy")
	}
	if _, err := New(Fixture()); err != nil {
		t.Fatalf("the embedded fixture does not load: %v", err)
	}
}
