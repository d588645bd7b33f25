package bench

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// BrokerMosquitto is the --broker value that starts a fresh Mosquitto
// (found in PATH or /usr/sbin) on a free loopback port for every run.
const BrokerMosquitto = "mosquitto"

// mosquitto is a Mosquitto process the world started.
type mosquitto struct {
	cmd  *exec.Cmd
	dir  string
	exit chan struct{}
	url  string
}

func startMosquitto() (*mosquitto, error) {
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		bin = "/usr/sbin/mosquitto"
		if _, err := os.Stat(bin); err != nil {
			return nil, errors.New("mosquitto is not in PATH nor in /usr/sbin (install it, or use --broker embedded or a URL)")
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "huegate-bench-")
	if err != nil {
		return nil, fmt.Errorf("mosquitto: %w", err)
	}
	conf := filepath.Join(dir, "mosquitto.conf")
	text := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type error\n", port)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("mosquitto: %w", err)
	}
	m := &mosquitto{cmd: exec.Command(bin, "-c", conf), dir: dir, exit: make(chan struct{}), url: "tcp://127.0.0.1:" + strconv.Itoa(port)}
	m.cmd.Stderr = os.Stderr
	if err := m.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("mosquitto: %w", err)
	}
	go func() {
		_ = m.cmd.Wait()
		close(m.exit)
	}()
	if err := m.waitListening("127.0.0.1:" + strconv.Itoa(port)); err != nil {
		m.stop()
		return nil, err
	}
	return m, nil
}

// waitListening polls until the port takes connections, for 10 s at most.
func (m *mosquitto) waitListening(addr string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return conn.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mosquitto: not listening on %s after 10s: %w", addr, err)
		}
		select {
		case <-m.exit:
			return errors.New("mosquitto exited while starting (see its output above)")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (m *mosquitto) stop() {
	_ = m.cmd.Process.Kill()
	<-m.exit
	os.RemoveAll(m.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
