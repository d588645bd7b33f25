package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

const fixturePath = "../../testdata/bridge.json"

// configFile writes yaml to a config file only its owner can read.
func configFile(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// simpleConfig maps topic "lights" to the desk lamp (3) and light 5. extra
// holds more lines for the bridge and mqtt sections, indented.
func simpleConfig(bridgeURL, brokerURL string, extra ...string) string {
	extra = append(extra, "", "")
	return fmt.Sprintf(`bridge:
  host: %s
  poll_interval: 500ms
%s
mqtt:
  broker: %s
%s
mappings:
  - topic: lights
    lights: ["Desk lamp", 5]
`, bridgeURL, extra[0], brokerURL, extra[1])
}

// online is `huegate run` with simpleConfig between a Mosquitto and the
// emulator, once it has said online.
type online struct {
	broker *mqtttest.Broker
	bridge *emulator.Server
	status *mqtttest.Recorder // huegate/status, from before the start
	p      *process
	online mqtttest.Message
}

func runOnline(t *testing.T, args ...string) online {
	t.Helper()
	var w online
	w.broker = mqtttest.StartMosquitto(t)
	w.bridge = huetest.NewServer(t, fixturePath)
	w.status = mqtttest.Subscribe(t, w.broker.URL, "huegate/status")
	w.p = startHuegate(t, []string{"HUEGATE_BRIDGE_USERNAME=" + w.bridge.Bridge.Key()},
		append([]string{"run", "--config", configFile(t, simpleConfig(w.bridge.URL, w.broker.URL))}, args...)...)
	w.online = w.status.WaitFor(t, 15*time.Second, isPayload("online"))
	return w
}

// waitOutput waits until huegate has printed s.
func (p *process) waitOutput(t *testing.T, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.out.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("huegate did not print %q within %v", s, timeout)
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
}

// lines counts the output lines that contain every one of subs.
func (p *process) lines(subs ...string) int {
	n := 0
	for _, line := range strings.Split(p.out.String(), "\n") {
		all := line != ""
		for _, s := range subs {
			all = all && strings.Contains(line, s)
		}
		if all {
			n++
		}
	}
	return n
}

func waitBridge(t *testing.T, b *emulator.Bridge, bri int, ids ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, id := range ids {
		if err := b.WaitLight(ctx, id, func(l emulator.LightState) bool { return l.On && l.Bri == bri }); err != nil {
			l, _ := b.Light(id)
			t.Fatalf("light %s never reached %d (%v): %+v", id, bri, err, l)
		}
	}
}

func isPayload(p string) func(mqtttest.Message) bool {
	return func(m mqtttest.Message) bool { return string(m.Payload) == p }
}

// A broker that is down when huegate starts: huegate keeps trying, about
// once a second at first and less often after, with one warning per ten
// seconds, and works as soon as the broker is there.
func TestRunWaitsForABrokerThatIsDownAtStart(t *testing.T) {
	t.Parallel()
	broker := mqtttest.StartMosquitto(t)
	broker.Kill()
	bridge := huetest.NewServer(t, fixturePath)
	p := startHuegate(t, []string{"HUEGATE_BRIDGE_USERNAME=" + bridge.Bridge.Key()},
		"run", "--config", configFile(t, simpleConfig(bridge.URL, broker.URL)), "--log-level", "debug")
	started := time.Now()
	const attempt = "mqtt connection attempt failed"
	deadline := time.Now().Add(10 * time.Second)
	for p.lines(attempt) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("huegate stopped trying the broker")
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
	down := time.Since(started)
	attempts, warnings := p.lines(attempt), p.lines(attempt, `"level":"warn"`)
	if attempts > int(down/time.Second)+2 || warnings > int(down/(10*time.Second))+1 {
		t.Fatalf("%d attempts and %d warnings in %v: too many", attempts, warnings, down)
	}
	broker.Restart()
	back := time.Now()
	status := mqtttest.Subscribe(t, broker.URL, "huegate/status")
	status.WaitFor(t, 15*time.Second, isPayload("online"))
	t.Logf("broker down %v at start: %d attempts, %d warnings; online %v after the broker came up",
		down.Round(time.Millisecond), attempts, warnings, time.Since(back).Round(time.Millisecond))
	mqtttest.Publish(t, broker.URL, "lights", []byte("66"), false)
	waitBridge(t, bridge.Bridge, 66, "3", "5")
}

// huegate killed with SIGKILL says goodbye through its last will.
func TestRunKilledLeavesItsLastWill(t *testing.T) {
	t.Parallel()
	w := runOnline(t)
	broker, p, status := w.broker, w.p, w.status
	online := w.online
	killed := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.wait(t, 5*time.Second)
	offline := status.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool {
		return string(m.Payload) == "offline" && m.Time.After(online.Time)
	})
	t.Logf("last will offline %v after SIGKILL", offline.Time.Sub(killed).Round(time.Millisecond))
	later := mqtttest.Subscribe(t, broker.URL, "huegate/status")
	if m := later.WaitFor(t, 5*time.Second, isPayload("offline")); !m.Retained {
		t.Error("the will is not retained: a client connecting later would not know huegate is gone")
	}
}

// SIGTERM in the middle of a flood: huegate stops taking messages, sends each
// light the newest value it had (within the budget, inside 5 s), says
// offline and exits 0.
func TestSIGTERMDuringAFloodSendsTheNewestValuesThenExits(t *testing.T) {
	t.Parallel()
	// Debug logging lets the test see huegate acknowledge each message.
	broker := mqtttest.StartMosquitto(t, "log_type debug")
	bridge := huetest.NewServer(t, fixturePath, emulator.WithLatency(50*time.Millisecond))
	status := mqtttest.Subscribe(t, broker.URL, "huegate/status")
	p := startHuegate(t, []string{"HUEGATE_BRIDGE_USERNAME=" + bridge.Bridge.Key()},
		"run", "--config", configFile(t, simpleConfig(bridge.URL, broker.URL, "  light_rate: 1")))
	status.WaitFor(t, 15*time.Second, isPayload("online"))

	const n = 300
	pub := mqtttest.NewPublisher(t, broker.URL)
	for i := range n {
		pub.Publish("lights", []byte(fmt.Sprint(i%200+1)), 1, false)
	}
	newest := (n-1)%200 + 1
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(broker.Logs(), "Received PUBACK from huegate") < n {
		if time.Now().After(deadline) {
			t.Fatal("huegate did not take every message")
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
	before := len(bridge.Bridge.Commands())
	term := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0", code)
	}
	took := time.Since(term)
	for _, id := range []string{"3", "5"} {
		if l, _ := bridge.Bridge.Light(id); !l.On || l.Bri != newest {
			t.Errorf("light %s at %+v after shutdown, want bri %d", id, l, newest)
		}
	}
	if took > 6*time.Second {
		t.Errorf("shutdown took %v; the flush is bounded at 5 s", took)
	}
	msgs := status.Messages()
	if last := msgs[len(msgs)-1]; string(last.Payload) != "offline" {
		t.Errorf("last status %q, want offline", last.Payload)
	}
	t.Logf("%d messages at light_rate 1: %d commands before SIGTERM, %d to flush; exit 0 %v after SIGTERM",
		n, before, len(bridge.Bridge.Commands())-before, took.Round(time.Millisecond))
}

// A second signal does not wait for the flush: huegate exits at once.
func TestASecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	w := runOnline(t)
	broker, bridge, p := w.broker, w.bridge, w.p
	bridge.Bridge.SetFault(emulator.FaultHang) // nothing can be flushed
	mqtttest.Publish(t, broker.URL, "lights", []byte("44"), false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for len(bridge.Bridge.Commands()) == 0 {
		if ctx.Err() != nil {
			t.Fatal("no command reached the bridge")
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitOutput(t, "stopping: sending pending values", 5*time.Second)
	second := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code := p.wait(t, 5*time.Second)
	took := time.Since(second)
	if code == 0 {
		t.Error("exit code 0 after a second signal cut the flush short")
	}
	if took > time.Second {
		t.Errorf("exited %v after the second signal, want at once", took)
	}
	t.Logf("exit %d, %v after the second signal", code, took.Round(time.Millisecond))
}
