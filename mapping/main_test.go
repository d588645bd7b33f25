package mapping

import (
	"testing"

	"go.uber.org/goleak"
)

// mapping starts no goroutines; this keeps it that way.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
