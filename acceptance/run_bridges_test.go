package acceptance

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/huegate/huegate/mqtt/mqtttest"
)

// README "Configuration" and "Topics and payloads": with `bridges:`, each
// mapping names its bridge and huegate's topics gain the bridge's name.
func TestRunTwoBridges(t *testing.T) {
	t.Parallel()
	needTools(t)
	broker := mqtttest.StartMosquitto(t)
	up, down := startEmulator(t), startEmulator(t)
	upLog, upURL := startProxy(t, up)
	downLog, downURL := startProxy(t, down)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	content := fmt.Sprintf(`bridges:
  upstairs: {host: %q, username: %q, ca_file: %q, workers: 1, poll_interval: 250ms}
  downstairs: {host: %q, username: %q, ca_file: %q, workers: 1, poll_interval: 250ms}
mqtt:
  broker: %q
http:
  listen: 127.0.0.1:0
mappings:
  - {topic: up, lights: ["Desk lamp"], bridge: upstairs}
  - {topic: down, lights: ["Desk lamp"], bridge: downstairs}
`, upURL, up.Key, up.CAFile, downURL, down.Key, down.CAFile, broker.URL)
	if err := os.WriteFile(cfg, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	status := mqtttest.Subscribe(t, broker.URL, "huegate/status")
	huegate(t, "run", "--config", cfg, "--log-format", "json")
	status.WaitFor(t, wait, payloadIs("huegate/status", "online"))
	upLog.waitPolledTwice(t)
	downLog.waitPolledTwice(t)

	t.Run("a mapping's value reaches its own bridge only", func(t *testing.T) {
		fromUp, fromDown := upLog.mark(), downLog.mark()
		pub(t, broker.Addr(), "up", "50", false)
		pub(t, broker.Addr(), "down", "60", false)
		upLog.waitPut(t, fromUp, "/lights/3/state", `{"on":true,"bri":50,"transitiontime":1}`)
		downLog.waitPut(t, fromDown, "/lights/3/state", `{"on":true,"bri":60,"transitiontime":1}`)
		onlyBodies(t, upLog.putsTo(fromUp, "/lights/3/state"), `{"on":true,"bri":50,"transitiontime":1}`)
		onlyBodies(t, downLog.putsTo(fromDown, "/lights/3/state"), `{"on":true,"bri":60,"transitiontime":1}`)
	})

	t.Run("state topics carry the bridge's name", func(t *testing.T) {
		states := retainedStates(t, broker.URL, "huegate/+/lights/+/state", "huegate/%s/lights/desk-lamp/state",
			map[string]string{"upstairs": "3", "downstairs": "3"})
		for name, doc := range states {
			wantFields(t, name, doc, map[string]any{"id": "3", "name": "Desk lamp"})
		}
	})

	t.Run("set topics carry the bridge's name", func(t *testing.T) {
		fromUp, fromDown := upLog.mark(), downLog.mark()
		pub(t, broker.Addr(), "huegate/downstairs/lights/spot-1/set", `{"brightness":77}`, false)
		downLog.waitPut(t, fromDown, "/lights/5/state", `{"on":true,"bri":77}`)
		// Then a command upstairs: one worker per bridge, but the
		// downstairs command is through, so the only question is where.
		pub(t, broker.Addr(), "huegate/upstairs/lights/spot-1/set", `{"brightness":88}`, false)
		upLog.waitPut(t, fromUp, "/lights/5/state", `{"on":true,"bri":88}`)
		onlyBodies(t, upLog.putsTo(fromUp, "/lights/5/state"), `{"on":true,"bri":88}`)
		onlyBodies(t, downLog.putsTo(fromDown, "/lights/5/state"), `{"on":true,"bri":77}`)
	})
}

// onlyBodies checks that every request in got carries body (a retry after a
// 429 repeats it; anything else is a command that went astray).
func onlyBodies(t *testing.T, got []bridgeRequest, body string) {
	t.Helper()
	for _, r := range got {
		if !jsonEqual(r.Body, []byte(body)) {
			t.Errorf("%s, want only %s", &r, body)
		}
	}
}
