package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// mkfifo makes a named pipe at path. Opening it for reading blocks until
// something opens it for writing, which nothing here ever does.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A config path that names a pipe or a directory is refused at once, with
// one line naming the path and what it is, and exit code 2: reading a pipe
// would wait for a writer for ever (and `<(...)` can be read only once).
func TestRunRefusesAConfigThatIsNotARegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "config.yaml")
	mkfifo(t, fifo)
	for _, c := range []struct{ path, what string }{
		{fifo, "is a pipe (FIFO), not a regular file"},
		{dir, "is a directory, not a regular file"},
	} {
		p := startHuegate(t, nil, "run", "--config", c.path)
		started := time.Now()
		code := p.wait(t, 5*time.Second)
		took := time.Since(started)
		if code != 2 {
			t.Errorf("%s: exit code %d, want 2; output:\n%s", c.path, code, p.out)
		}
		if took > time.Second {
			t.Errorf("%s: exited after %v, want within a second", c.path, took)
		}
		out := strings.TrimSpace(p.out.String())
		if want := "config file " + c.path + " " + c.what; !strings.Contains(out, want) || strings.Count(out, "\n") > 0 {
			t.Errorf("%s: output %q, want one line with %q", c.path, out, want)
		}
		t.Logf("%s: exit %d after %v: %s", c.what, code, took.Round(time.Millisecond), out)
	}
}

// A running huegate whose config file is replaced by a named pipe keeps
// the config in force and says so once; values still land, and SIGTERM
// still stops it within 5 s with offline published. Before, the reload
// waited in open() for ever and the stop waited for the reload.
func TestAConfigReplacedByAPipeIsRefusedAndHuegateStillStops(t *testing.T) {
	t.Parallel()
	broker := mqtttest.StartMosquitto(t)
	bridge := huetest.NewServer(t, fixturePath)
	status := mqtttest.Subscribe(t, broker.URL, "huegate/status")
	path := configFile(t, simpleConfig(bridge.URL, broker.URL))
	p := startHuegate(t, []string{"HUEGATE_BRIDGE_USERNAME=" + bridge.Bridge.Key()},
		"run", "--config", path, "--log-format", "json")
	online := status.WaitFor(t, 15*time.Second, isPayload("online"))

	// As an editor saves: the new thing is renamed over the old file.
	tmp := filepath.Join(filepath.Dir(path), ".config.yaml.new")
	mkfifo(t, tmp)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	const warning = "is a pipe (FIFO), not a regular file"
	p.waitOutput(t, warning, 5*time.Second)
	mqtttest.Publish(t, broker.URL, "lights", []byte("77"), false)
	waitBridge(t, bridge.Bridge, 77, "3", "5")

	term := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code := p.wait(t, 10*time.Second)
	took := time.Since(term)
	if code != 0 || took > 5*time.Second {
		t.Errorf("exit %d %v after SIGTERM, want 0 within 5 s", code, took)
	}
	status.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool {
		return string(m.Payload) == "offline" && m.Time.After(online.Time)
	})
	if n := p.lines(warning, `"level":"warn"`); n != 1 {
		t.Errorf("%d warnings about the pipe, want 1", n)
	}
	t.Logf("warned once; value landed; exit %d %v after SIGTERM", code, took.Round(time.Millisecond))
}
