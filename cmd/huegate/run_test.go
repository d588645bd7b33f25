package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// binary is huegate built once, for the tests that run it as a process.
var binary string

// process is huegate running as a separate process, its output captured.
type process struct {
	cmd  *exec.Cmd
	out  *testkit.Buffer
	done chan error
}

func startHuegate(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	return startProcess(t, exec.Command(binary, args...), env)
}

// startProcess starts cmd (huegate, or a shell that execs it) with env
// added to the test's environment, and kills it when the test ends.
func startProcess(t *testing.T, cmd *exec.Cmd, env []string) *process {
	t.Helper()
	p := &process{cmd: cmd, out: &testkit.Buffer{}, done: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("huegate output:\n%s", p.out)
		}
	})
	return p
}

func (p *process) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(timeout):
		t.Fatalf("huegate did not exit within %v", timeout)
		return -1
	}
}

func writeRunConfig(t *testing.T, bridgeURL, brokerURL string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	cfg := fmt.Sprintf(`bridge:
  host: %s
  poll_interval: 500ms
mqtt:
  broker: %s
mappings:
  - topic: lights
    lights: ["Desk lamp", 5]
    range: [0, 254]
`, bridgeURL, brokerURL)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunCarriesAValueToTheLightsAndStopsCleanly(t *testing.T) {
	broker := mqtttest.StartMosquitto(t)
	bridge := huetest.NewServer(t, fixture)
	status := mqtttest.Subscribe(t, broker.URL, "huegate/status")
	cfg := writeRunConfig(t, bridge.URL, broker.URL)
	// The key comes from the environment only, as the README allows.
	p := startHuegate(t, []string{"HUEGATE_BRIDGE_USERNAME=" + bridge.Bridge.Key()}, "run", "--config", cfg, "--log-level", "debug")

	status.WaitFor(t, 15*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "online" })
	mqtttest.Publish(t, broker.URL, "lights", []byte("127"), false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, id := range []string{"3", "5"} {
		if err := bridge.Bridge.WaitLight(ctx, id, func(l emulator.LightState) bool { return l.On && l.Bri == 127 }); err != nil {
			t.Fatalf("light %s: %v", id, err)
		}
	}
	state := mqtttest.Subscribe(t, broker.URL, "huegate/lights/desk-lamp/state")
	state.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return bytes.Contains(m.Payload, []byte(`"bri":127`)) })

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0", code)
	}
	last := status.Messages()
	if got := string(last[len(last)-1].Payload); got != "offline" {
		t.Fatalf("last status %q, want offline", got)
	}
	if strings.Contains(p.out.String(), bridge.Bridge.Key()) {
		t.Fatal("the bridge key appears in huegate's output")
	}
}

func TestRunRefusesABadConfigWithExitCode2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("bridge: {light_rate: 0}\nmappings:\n  - {topic: 'a/#', lights: [1], range: [9, 1]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := execute([]string{"run", "--config", path}, &out, &errOut)
	if code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	for _, want := range []string{"bridge.light_rate: must be above 0", "mappings[0].topic", "mappings[0].range: min 9 must be below max 1"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, errOut.String())
		}
	}
}

func TestRunWithoutAKeySaysHowToGetOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("bridge: {host: 127.0.0.1:1}\nmappings:\n  - {topic: a, lights: [1]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := execute([]string{"run", "--config", path}, &out, &errOut); code == 0 {
		t.Fatal("started without a key")
	}
	if !strings.Contains(errOut.String(), "huegate pair") {
		t.Fatalf("output: %s", errOut.String())
	}
}
