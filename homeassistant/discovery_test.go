package homeassistant_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Discovery is tested where huegate is built, through app.New between a
// real Mosquitto and the bridge emulator: see ../app/homeassistant_test.go.

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
