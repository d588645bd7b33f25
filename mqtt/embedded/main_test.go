package embedded

import (
	"testing"

	"go.uber.org/goleak"
)

// The broker runs for the life of huegate: closing it must leave nothing.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
