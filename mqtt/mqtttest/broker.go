package mqtttest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt/mosquitto"
)

// Broker is a running Mosquitto process listening on 127.0.0.1.
type Broker struct {
	URL  string // tcp://127.0.0.1:PORT
	Port int

	tb   testing.TB
	bin  string
	conf string
	logs *testkit.Buffer

	mu   sync.Mutex
	proc *mosquitto.Process // nil while killed
}

// StartMosquitto starts a broker on a free loopback port with anonymous access
// and no persistence. extraConf lines are appended to its configuration, e.g.
// a TLS listener on a port from FreePort. The broker is killed when the test
// ends, and its log is printed if the test failed.
func StartMosquitto(tb testing.TB, extraConf ...string) *Broker {
	tb.Helper()
	bin := findMosquitto(tb)
	b := &Broker{tb: tb, bin: bin, logs: &testkit.Buffer{}}
	tb.Cleanup(func() {
		b.Kill()
		if tb.Failed() {
			tb.Logf("mosquitto log:\n%s", b.Logs())
		}
	})
	// The port is free when chosen but could be taken before mosquitto binds it.
	for try := 1; ; try++ {
		b.Port = FreePort(tb)
		b.URL = fmt.Sprintf("tcp://127.0.0.1:%d", b.Port)
		b.conf = writeConf(tb, b.Port, extraConf)
		err := b.start()
		if err == nil {
			return b
		}
		if try == 3 {
			tb.Fatalf("mqtttest: start mosquitto: %v\n%s", err, b.Logs())
		}
	}
}

// Kill stops the broker with SIGKILL, so clients see their connection drop
// without a goodbye, and waits until the process is gone. Killing a stopped
// broker does nothing.
func (b *Broker) Kill() {
	b.mu.Lock()
	p := b.proc
	b.proc = nil
	b.mu.Unlock()
	if p != nil {
		p.Kill()
	}
}

// Restart starts the broker again on the same port and configuration (killing
// it first if it runs) and waits until it accepts connections. Retained
// messages are gone, as on a real broker without persistence.
func (b *Broker) Restart() {
	b.tb.Helper()
	b.Kill()
	if err := b.start(); err != nil {
		b.tb.Fatalf("mqtttest: restart mosquitto: %v\n%s", err, b.Logs())
	}
}

// Logs returns everything mosquitto wrote so far, across restarts.
func (b *Broker) Logs() string { return b.logs.String() }

// Addr returns the broker's host:port.
func (b *Broker) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(b.Port)) }

func (b *Broker) start() error {
	p, err := mosquitto.Start(b.bin, b.conf, b.Addr(), b.logs)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.proc = p
	b.mu.Unlock()
	return nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	port, err := mosquitto.FreePort()
	if err != nil {
		tb.Fatalf("mqtttest: %v", err)
	}
	return port
}

func findMosquitto(tb testing.TB) string {
	tb.Helper()
	if p, err := mosquitto.Find(); err == nil {
		return p
	}
	msg := "mqtttest: mosquitto not found in PATH or /usr/sbin; install it (apt-get install mosquitto) to run broker tests"
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

func writeConf(tb testing.TB, port int, extra []string) string {
	tb.Helper()
	lines := append([]string{
		// One type per line: mosquitto reads only the first word of each.
		"log_type error",
		"log_type warning",
		"log_type notice",
		"log_type information",
		"log_type subscribe",
		"log_type unsubscribe",
		"connection_messages true",
	}, extra...)
	path := filepath.Join(tb.TempDir(), "mosquitto.conf")
	if err := os.WriteFile(path, []byte(mosquitto.Config(port, lines...)), 0o600); err != nil {
		tb.Fatalf("mqtttest: write mosquitto config: %v", err)
	}
	return path
}
