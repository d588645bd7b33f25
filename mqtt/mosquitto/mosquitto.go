// Package mosquitto starts a Mosquitto broker as a child process on a free
// loopback port: `huegate bench` measures against one, and package mqtttest
// starts one per test. It links no test code.
package mosquitto

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// StartTimeout bounds how long a broker may take to accept connections.
const StartTimeout = 10 * time.Second

// ErrNotFound says Mosquitto is not installed where Find looks.
var ErrNotFound = errors.New("mosquitto is not in PATH nor in /usr/sbin")

// Find returns the mosquitto binary: from PATH, else Debian's /usr/sbin,
// which is not in a normal user's PATH.
func Find() (string, error) {
	if p, err := exec.LookPath("mosquitto"); err == nil {
		return p, nil
	}
	const sbin = "/usr/sbin/mosquitto"
	if _, err := os.Stat(sbin); err == nil {
		return sbin, nil
	}
	return "", ErrNotFound
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Config is a configuration for one anonymous listener on 127.0.0.1:port
// without persistence, logging to stderr, followed by extra lines.
func Config(port int, extra ...string) string {
	lines := []string{
		fmt.Sprintf("listener %d 127.0.0.1", port),
		"allow_anonymous true",
		"persistence false",
		"log_dest stderr",
	}
	if os.Geteuid() == 0 {
		// As root mosquitto would switch to user "mosquitto", which cannot
		// read files (certificates, password files) in a temporary directory.
		lines = append(lines, "user root")
	}
	return strings.Join(append(lines, extra...), "\n") + "\n"
}

// Process is a running Mosquitto.
type Process struct {
	mu   sync.Mutex
	cmd  *exec.Cmd
	exit chan struct{} // closed when cmd has exited
}

// Start runs bin with the configuration file conf, writing its output to
// out, and waits until addr accepts connections.
func Start(bin, conf, addr string, out io.Writer) (*Process, error) {
	cmd := exec.Command(bin, "-c", conf)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("mosquitto: %w", err)
	}
	p := &Process{cmd: cmd, exit: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.exit)
	}()
	if err := waitListening(addr, p.exit); err != nil {
		p.Kill()
		return nil, err
	}
	return p, nil
}

// Kill stops the broker with SIGKILL, so clients see their connection drop
// without a goodbye, and waits until the process is gone. Killing it again
// does nothing.
func (p *Process) Kill() {
	p.mu.Lock()
	cmd := p.cmd
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-p.exit
}

// waitListening polls until addr accepts a TCP connection, the process
// exits, or StartTimeout passes.
func waitListening(addr string, exit <-chan struct{}) error {
	deadline := time.Now().Add(StartTimeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return conn.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mosquitto: not accepting connections on %s after %s: %w", addr, StartTimeout, err)
		}
		select {
		case <-exit:
			return errors.New("mosquitto exited while starting")
		case <-tick.C:
		}
	}
}
