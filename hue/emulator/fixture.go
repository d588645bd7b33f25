package emulator

import (
	"bytes"
	_ "embed"
)

// The project's fixture (testdata/bridge.json at the module root) is copied
// here because go:embed cannot reach a parent directory. The copy lets
// `huegate emulate` and `huegate demo` run from a bare binary; a test keeps
// it identical to the original, and `go generate ./hue/emulator` refreshes it.
//
//go:generate cp ../../testdata/bridge.json fixture.json

//go:embed fixture.json
var fixtureDump []byte

// Fixture returns the project's bridge dump: lights, groups, scenes and the
// rest of a small real-looking installation, in the format New reads.
func Fixture() []byte { return bytes.Clone(fixtureDump) }
