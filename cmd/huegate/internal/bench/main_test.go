package bench

import (
	"context"
	"testing"
	"time"

	"github.com/huegate/huegate/config"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// runInProcess runs scenarios with the world in this process.
func runInProcess(t *testing.T, d time.Duration, broker string, names ...string) []Row {
	t.Helper()
	scs, err := Select(names)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rows, err := Run(ctx, Options{Duration: d, Broker: broker, Scenarios: scs, Spawn: InProcess()})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func testConfig(broker, prefix string) *config.Config {
	return &config.Config{MQTT: config.MQTT{Broker: broker, Prefix: prefix}}
}
