package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// gatewayUnderTest is `huegate run` in-process between a real Mosquitto and
// the emulator, with its config file in a directory of its own.
type gatewayUnderTest struct {
	broker *mqtttest.Broker
	bridge *emulator.Server
	path   string
	head   string // bridge and mqtt sections
	log    *testkit.Buffer
	run    *background
	status *mqtttest.Recorder // huegate/status, as another client sees it
}

const clientID = "huegate-reload-test"

func startGateway(t *testing.T, mappings string) *gatewayUnderTest {
	t.Helper()
	g := &gatewayUnderTest{broker: mqtttest.StartMosquitto(t), bridge: huetest.NewServer(t, fixture), log: &testkit.Buffer{}}
	g.head = hostConfig(g.bridge.URL, g.bridge.Bridge.Key()) +
		fmt.Sprintf("mqtt:\n  broker: %s\n  client_id: %s\n", g.broker.URL, clientID)
	g.path = testkit.WriteConfig(t, g.head+mappings)
	g.status = mqtttest.Subscribe(t, g.broker.URL, "huegate/status")
	g.run = start(t, &testkit.Buffer{}, g.log, "run", "--config", g.path, "--log-format", "json")
	g.log.WaitCount(t, "huegate running", 1, 10*time.Second)
	return g
}

// write replaces the file's content in place, as `echo >` or an editor
// without backup files does.
func (g *gatewayUnderTest) write(t *testing.T, mappings string) {
	t.Helper()
	if err := os.WriteFile(g.path, []byte(g.head+mappings), 0o600); err != nil {
		t.Fatal(err)
	}
}

// renameOver writes a new file next to the config and renames it over the
// config, as vim, VS Code and most editors save.
func (g *gatewayUnderTest) renameOver(t *testing.T, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(g.path), ".config.yaml.swp")
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, g.path); err != nil {
		t.Fatal(err)
	}
}

// publishUntil publishes value on topic until light id reaches bri: the
// gateway subscribes asynchronously after it connects.
func (g *gatewayUnderTest) publishUntil(t *testing.T, topic, id string, bri uint8) {
	t.Helper()
	p := mqtttest.NewPublisher(t, g.broker.URL)
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.Publish(topic, []byte(fmt.Sprint(bri)), 1, false)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := g.bridge.Bridge.WaitLight(ctx, id, func(l emulator.LightState) bool { return l.On && l.Bri == int(bri) })
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("light %s never reached %d from %s: %v", id, bri, topic, err)
		}
	}
}

// publishOnce publishes one value and waits for light id to reach it.
func (g *gatewayUnderTest) publishOnce(t *testing.T, topic, id string, bri uint8) {
	t.Helper()
	mqtttest.Publish(t, g.broker.URL, topic, []byte(fmt.Sprint(bri)), false)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := g.bridge.Bridge.WaitLight(ctx, id, func(l emulator.LightState) bool { return l.On && l.Bri == int(bri) })
	if err != nil {
		t.Fatalf("%s %d did not reach light %s: %v", topic, bri, id, err)
	}
}

// reloaded waits for the nth successful reload and returns how long it took
// since since.
func (g *gatewayUnderTest) reloaded(t *testing.T, n int, since time.Time) time.Duration {
	t.Helper()
	g.log.WaitCount(t, "config reloaded: mappings applied", n, 5*time.Second)
	return time.Since(since)
}

// connections is how often the gateway connected to the broker: it says
// "online" on every connect, and "offline" (its will) when it drops.
func (g *gatewayUnderTest) connections(t *testing.T) int {
	t.Helper()
	online := 0
	for _, m := range g.status.Messages() {
		switch string(m.Payload) {
		case "online":
			online++
		case "offline":
			t.Fatalf("the gateway went offline: %v", g.status.Messages())
		}
	}
	if n := g.log.Count(`"mqtt reconnected"`); n > 0 {
		t.Fatalf("the gateway reconnected %d times", n)
	}
	return online
}

func TestReloadAppliesMappingsOnWriteAndRenameWithoutReconnecting(t *testing.T) {
	t.Parallel()
	g := startGateway(t, "mappings:\n  - {topic: test/a, lights: [\"Desk lamp\"]}\n")
	g.publishUntil(t, "test/a", "3", 77)

	// In-place write: the topic moves to another light.
	t0 := time.Now()
	g.write(t, "mappings:\n  - {topic: test/b, lights: [\"Lámpara sala\"], transition: 0s}\n")
	took := g.reloaded(t, 1, t0)
	g.publishOnce(t, "test/b", "2", 60)
	t.Logf("reload after an in-place write: %v", took)
	if took > 2*time.Second {
		t.Fatalf("reload took %v, want under 2 s", took)
	}
	// The removed topic drives nothing any more.
	before := len(g.bridge.Bridge.Commands())
	mqtttest.Publish(t, g.broker.URL, "test/a", []byte("10"), false)
	g.publishOnce(t, "test/b", "2", 61) // ordered after test/a on the broker
	if l, _ := g.bridge.Bridge.Light("3"); l.Bri != 77 {
		t.Fatalf("light 3 = %+v: the removed topic still drives it", l)
	}
	if n := len(g.bridge.Bridge.Commands()) - before; n != 1 {
		t.Fatalf("%d commands, want the one for test/b", n)
	}

	// Rename over the file, as editors save.
	t0 = time.Now()
	g.renameOver(t, g.head+"mappings:\n  - {topic: test/c, lights: [\"Spot #1\"]}\n")
	took = g.reloaded(t, 2, t0)
	g.publishOnce(t, "test/c", "5", 90)
	t.Logf("reload after a rename: %v", took)
	if took > 2*time.Second {
		t.Fatalf("reload took %v, want under 2 s", took)
	}

	// The watch survives the rename: the next write is seen too.
	t0 = time.Now()
	g.write(t, "mappings:\n  - {topic: test/d, lights: [\"LED+Strip\"]}\n  - {topic: test/c, lights: [\"Spot #1\"]}\n")
	g.reloaded(t, 3, t0)
	g.publishOnce(t, "test/d", "7", 33)
	g.publishOnce(t, "test/c", "5", 91)

	// Saving without a change reloads nothing.
	g.write(t, "mappings:\n  - {topic: test/d, lights: [\"LED+Strip\"]}\n  - {topic: test/c, lights: [\"Spot #1\"]}\n")
	g.publishOnce(t, "test/d", "7", 34)

	if n := g.connections(t); n != 1 {
		t.Fatalf("the gateway connected %d times to the broker; reloads must keep the connection", n)
	}
	if code := g.run.stop(t); code != 0 {
		t.Fatalf("run exited %d:\n%s", code, g.log.String())
	}
	if n := g.log.Count("config reloaded: mappings applied"); n != 3 {
		t.Fatalf("%d reloads, want 3 (an unchanged save is not one)", n)
	}
}

func TestAnInvalidEditIsLoggedLikeValidateAndTheOldMappingStays(t *testing.T) {
	t.Parallel()
	g := startGateway(t, "mappings:\n  - {topic: test/a, lights: [\"Desk lamp\"]}\n")
	g.publishUntil(t, "test/a", "3", 50)

	edits := []struct {
		name, mappings string
	}{
		{"reversed range", "mappings:\n  - {topic: test/a, lights: [\"Desk lamp\"], range: [900, 5]}\n"},
		{"unknown light", "mappings:\n  - {topic: test/x, lights: [\"Desk lamp\", Porch]}\n"},
		{"not YAML", "mappings: [\n"},
	}
	for i, e := range edits {
		g.write(t, e.mappings)
		g.log.WaitCount(t, "config reload rejected; the last good config stays in force", i+1, 5*time.Second)
		// validate on the same file says the same lines.
		_, validateErr, code := cli(t, "validate", "--config", g.path)
		if code != 2 {
			t.Fatalf("%s: validate exit %d", e.name, code)
		}
		for _, line := range strings.Split(strings.TrimSpace(withoutWarnings(validateErr)), "\n")[1:] {
			if !strings.Contains(g.log.String(), jsonText("invalid config: "+line)) {
				t.Fatalf("%s: the log lacks validate's line %q:\n%s", e.name, line, g.log.String())
			}
		}
		// The old mapping still works.
		g.publishOnce(t, "test/a", "3", uint8(60+i))
	}

	// A change of connection keys is logged as needing a restart; the
	// mapping change in the same edit applies.
	g.head = strings.Replace(g.head, "client_id: "+clientID, "client_id: renamed", 1)
	g.write(t, "mappings:\n  - {topic: test/b, lights: [\"Desk lamp\"]}\n")
	g.reloaded(t, 1, time.Now())
	if !strings.Contains(g.log.String(), "mqtt.client_id changed: restart huegate to apply it") {
		t.Fatalf("no restart notice:\n%s", g.log.String())
	}
	g.publishOnce(t, "test/b", "3", 99)
	if n := g.connections(t); n != 1 {
		t.Fatalf("connected %d times", n)
	}
}

// jsonText is s as it appears inside a JSON string.
func jsonText(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

func TestAReloadWaitsForABridgeThatIsDown(t *testing.T) {
	g := startGateway(t, "mappings:\n  - {topic: test/a, lights: [\"Desk lamp\"]}\n")
	g.publishUntil(t, "test/a", "3", 40)

	g.bridge.Stop()
	g.write(t, "mappings:\n  - {topic: test/b, lights: [\"Desk lamp\"]}\n")
	g.log.WaitCount(t, "config reload: bridge did not answer", 1, 5*time.Second)
	if err := g.bridge.Restart(); err != nil {
		t.Fatal(err)
	}
	// Nothing changes in the file from here: only the retry (5 s) applies it.
	g.log.WaitCount(t, "config reloaded: mappings applied", 1, 10*time.Second)
	g.publishOnce(t, "test/b", "3", 41)
}

func TestAnEditMadeWhileStartingIsApplied(t *testing.T) {
	t.Parallel()
	g := &gatewayUnderTest{broker: mqtttest.StartMosquitto(t), bridge: huetest.NewServer(t, fixture), log: &testkit.Buffer{}}
	g.head = hostConfig(g.bridge.URL, g.bridge.Bridge.Key()) + fmt.Sprintf("mqtt:\n  broker: %s\n  client_id: %s\n", g.broker.URL, clientID)
	g.path = testkit.WriteConfig(t, g.head+"mappings:\n  - {topic: test/a, lights: [\"Desk lamp\"]}\n")
	g.bridge.Stop() // start-up waits for the bridge
	g.run = start(t, &testkit.Buffer{}, g.log, "run", "--config", g.path, "--log-format", "json")
	g.log.WaitCount(t, "bridge not ready", 1, 5*time.Second)
	g.write(t, "mappings:\n  - {topic: test/b, lights: [\"Desk lamp\"]}\n")
	if err := g.bridge.Restart(); err != nil {
		t.Fatal(err)
	}
	g.log.WaitCount(t, "huegate running", 1, 10*time.Second)
	g.reloaded(t, 1, time.Now())
	g.publishUntil(t, "test/b", "3", 123)
}
