package huetest

import (
	"testing"

	"github.com/huegate/huegate/hue/emulator"
)

// NewServer loads a fixture and serves it on a loopback port until the
// test ends. It fails the test on any error.
func NewServer(tb testing.TB, fixturePath string, opts ...emulator.Option) *emulator.Server {
	tb.Helper()
	b, err := emulator.Load(fixturePath, opts...)
	if err != nil {
		tb.Fatalf("emulator: %v", err)
	}
	s, err := emulator.Start(b, "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("emulator: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}
