package mqtttest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// startTimeout bounds how long a broker may take to accept connections.
const startTimeout = 10 * time.Second

// Broker is a running Mosquitto process listening on 127.0.0.1.
type Broker struct {
	URL  string // tcp://127.0.0.1:PORT
	Port int

	tb   testing.TB
	bin  string
	conf string
	logs *lockedBuffer

	mu   sync.Mutex
	cmd  *exec.Cmd
	exit chan struct{} // closed when cmd has exited
}

// StartMosquitto starts a broker on a free loopback port with anonymous access
// and no persistence. extraConf lines are appended to its configuration, e.g.
// a TLS listener on a port from FreePort. The broker is killed when the test
// ends, and its log is printed if the test failed.
func StartMosquitto(tb testing.TB, extraConf ...string) *Broker {
	tb.Helper()
	bin := findMosquitto(tb)
	b := &Broker{tb: tb, bin: bin, logs: &lockedBuffer{}}
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
	cmd, exit := b.cmd, b.exit
	b.cmd = nil
	b.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-exit
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
	cmd := exec.Command(b.bin, "-c", b.conf)
	cmd.Stdout, cmd.Stderr = b.logs, b.logs
	if err := cmd.Start(); err != nil {
		return err
	}
	exit := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exit)
	}()
	b.mu.Lock()
	b.cmd, b.exit = cmd, exit
	b.mu.Unlock()
	if err := waitListening(b.Addr(), exit); err != nil {
		b.Kill()
		return err
	}
	return nil
}

// waitListening polls until addr accepts a TCP connection, the process exits,
// or startTimeout passes.
func waitListening(addr string, exit <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return conn.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not accepting connections on %s after %s: %w", addr, startTimeout, err)
		}
		select {
		case <-exit:
			return errors.New("mosquitto exited during start")
		case <-tick.C:
		}
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("mqtttest: find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func findMosquitto(tb testing.TB) string {
	tb.Helper()
	if p, err := exec.LookPath("mosquitto"); err == nil {
		return p
	}
	const sbin = "/usr/sbin/mosquitto"
	if _, err := os.Stat(sbin); err == nil {
		return sbin
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
	lines := []string{
		fmt.Sprintf("listener %d 127.0.0.1", port),
		"allow_anonymous true",
		"persistence false",
		"log_dest stderr",
		// One type per line: mosquitto reads only the first word of each.
		"log_type error",
		"log_type warning",
		"log_type notice",
		"log_type information",
		"log_type subscribe",
		"log_type unsubscribe",
		"connection_messages true",
	}
	if os.Geteuid() == 0 {
		// As root mosquitto would switch to user "mosquitto", which cannot read
		// files (certificates, password files) in the test's temporary directory.
		lines = append(lines, "user root")
	}
	lines = append(lines, extra...)
	path := filepath.Join(tb.TempDir(), "mosquitto.conf")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		tb.Fatalf("mqtttest: write mosquitto config: %v", err)
	}
	return path
}

// lockedBuffer collects mosquitto's output written from exec's copy goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
