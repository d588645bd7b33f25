package bench

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/huegate/huegate/mqtt/mosquitto"
)

// BrokerMosquitto is the --broker value that starts a fresh Mosquitto
// (found in PATH or /usr/sbin) on a free loopback port for every run.
const BrokerMosquitto = "mosquitto"

// broker is a Mosquitto process the world started, and its files.
type broker struct {
	proc *mosquitto.Process
	dir  string
	url  string
}

func startMosquitto() (*broker, error) {
	bin, err := mosquitto.Find()
	if errors.Is(err, mosquitto.ErrNotFound) {
		return nil, fmt.Errorf("%w (install it, or use --broker embedded or a URL)", err)
	}
	port, err := mosquitto.FreePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "huegate-bench-")
	if err != nil {
		return nil, fmt.Errorf("mosquitto: %w", err)
	}
	conf := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(conf, []byte(mosquitto.Config(port, "log_type error")), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("mosquitto: %w", err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p, err := mosquitto.Start(bin, conf, addr, os.Stderr)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w (see its output above)", err)
	}
	return &broker{proc: p, dir: dir, url: "tcp://" + addr}, nil
}

func (m *broker) stop() {
	m.proc.Kill()
	os.RemoveAll(m.dir)
}
