package main

import (
	"testing"

	"go.uber.org/goleak"
)

// Commands run in-process in these tests: when one returns, everything it
// started (broker, emulator, servers, workers) must be gone.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
