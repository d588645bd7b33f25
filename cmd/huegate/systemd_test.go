//go:build unix

package main

import (
	"fmt"
	"os"
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

// TestRunTellsSystemdOnceConnectedAndWhenStopping runs `huegate run` in-process
// between a real Mosquitto and the emulator, under a fake systemd: READY=1
// must wait for the bridge, and SIGTERM must bring STOPPING=1 and exit 0.
func TestRunTellsSystemdOnceConnectedAndWhenStopping(t *testing.T) {
	dump, err := filepath.Abs(fixture) // before cleanEnv changes directory
	if err != nil {
		t.Fatal(err)
	}
	cleanEnv(t)
	broker := mqtttest.StartMosquitto(t)
	bridge := huetest.NewServer(t, dump, emulator.WithFault(emulator.FaultHTTP503))
	status := mqtttest.Subscribe(t, broker.URL, "huegate/status")
	conn := notifySocket(t, filepath.Join(t.TempDir(), "notify.sock"))
	path := filepath.Join(t.TempDir(), "config.yaml")
	cfg := fmt.Sprintf("bridge:\n  host: %s\n  username: %s\nmqtt:\n  broker: %s\nmappings:\n  - topic: lights\n    lights: [\"Desk lamp\"]\n",
		bridge.URL, bridge.Bridge.Key(), broker.URL)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr testkit.Buffer
	var code int
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		code = execute([]string{"run", "--config", path, "--log-format", "json"}, &stdout, &stderr)
	}()
	defer func() {
		select {
		case <-exited:
		default: // still running after a failed assertion: stop it so nothing leaks
			syscall.Kill(os.Getpid(), syscall.SIGTERM)
			<-exited
		}
	}()

	testkit.Eventually(t, 10*time.Second, "the bridge retry to be logged", func() bool { return strings.Contains(stderr.String(), "bridge not ready") })
	if got := pending(t, conn); len(got) > 0 {
		t.Fatalf("notified %q while the bridge was failing", got)
	}
	bridge.Bridge.SetFault(emulator.FaultNone)
	if got := nextNotice(t, conn, 15*time.Second); !strings.HasPrefix(got, "READY=1") {
		t.Fatalf("got %q, want READY=1", got)
	}
	status.WaitFor(t, 5*time.Second, func(m mqtttest.Message) bool { return string(m.Payload) == "online" })

	// The signal handler is installed before READY is sent.
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if got := nextNotice(t, conn, 5*time.Second); !strings.HasPrefix(got, "STOPPING=1") {
		t.Fatalf("got %q, want STOPPING=1", got)
	}
	select {
	case <-exited:
		if code != 0 {
			t.Fatalf("exit %d after SIGTERM; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not exit after SIGTERM")
	}
	if log := stderr.String(); !strings.Contains(log, `"file":"`+path+`"`) || !strings.Contains(log, "config loaded") {
		t.Fatalf("the log does not name the config file:\n%s", log)
	}
}
