package config

import (
	"testing"

	"go.uber.org/goleak"
)

// Loading a config must leave nothing running (no file watchers).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
