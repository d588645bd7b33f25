package emulator

import (
	"testing"

	"go.uber.org/goleak"
)

// Every server, handler and client goroutine must be gone when the tests
// end: the emulator also runs as a long-lived process.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
