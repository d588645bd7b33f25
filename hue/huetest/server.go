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

// NewModeServer loads a fixture and serves it on a loopback port as the
// kind of bridge mode says until the test ends. For ModeGen2 and ModePro
// it makes a new test CA and shows a certificate of kind cert from it (for
// the bridge id of the fixture); a client verifies the bridge by trusting
// ca.CertPEM(). For ModeOld ca is nil.
func NewModeServer(tb testing.TB, fixturePath string, mode emulator.Mode, cert emulator.CertKind,
	opts ...emulator.Option) (s *emulator.Server, ca *emulator.CA) {
	tb.Helper()
	return NewModeServerOpts(tb, fixturePath, emulator.ServeOptions{Mode: mode}, cert, opts...)
}

// NewModeServerOpts is NewModeServer with all of the server's options, such
// as a StreamAddr for the Entertainment stream; opt.Cert is made here.
func NewModeServerOpts(tb testing.TB, fixturePath string, opt emulator.ServeOptions, cert emulator.CertKind,
	opts ...emulator.Option) (s *emulator.Server, ca *emulator.CA) {
	tb.Helper()
	b, err := emulator.Load(fixturePath, opts...)
	if err != nil {
		tb.Fatalf("emulator: %v", err)
	}
	if opt.Mode != emulator.ModeOld {
		if ca, err = emulator.NewCA(); err != nil {
			tb.Fatalf("emulator: %v", err)
		}
		c, err := ca.Cert(cert, b.BridgeID())
		if err != nil {
			tb.Fatalf("emulator: %v", err)
		}
		opt.Cert = &c
	}
	s, err = emulator.StartMode(b, "127.0.0.1:0", opt)
	if err != nil {
		tb.Fatalf("emulator: %v", err)
	}
	tb.Cleanup(s.Close)
	return s, ca
}
