package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/huegate/huegate/config"
)

// A probe is published until mosquitto_sub prints it: then it has
// subscribed. It is under the load's prefix, so it is printed, and not
// counted.
const (
	probeTopic   = "/in/probe"
	probePayload = "huegate-bench-probe"
)

// mosqSubSystem is the reference users know: `mosquitto_sub` draining the
// same flood from the same broker, printing each message as a line.
type mosqSubSystem struct {
	cmd    *exec.Cmd
	n      atomic.Int64 // messages printed, probes left out
	probes atomic.Int64 // probes printed
	wg     sync.WaitGroup
}

// mosqSubInstalled reports whether the reference can run here.
func mosqSubInstalled() bool {
	_, err := exec.LookPath("mosquitto_sub")
	return err == nil
}

func startMosqSub(ctx context.Context, cfg *config.Config) (*mosqSubSystem, error) {
	u, err := url.Parse(cfg.MQTT.Broker)
	if err != nil || u.Scheme != "tcp" {
		return nil, errors.New("the mosquitto_sub reference needs a tcp:// broker")
	}
	port := u.Port()
	if port == "" {
		port = "1883"
	}
	id := "huegate-bench-sub-" + strconv.Itoa(os.Getpid())
	cmd := exec.Command("mosquitto_sub", "-h", u.Hostname(), "-p", port, "-i", id, "-q", "0", "-t", cfg.MQTT.Prefix+"/in/#")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("mosquitto_sub: %w", err)
	}
	s := &mosqSubSystem{cmd: cmd}
	s.wg.Go(func() { s.count(out) })
	if err := s.waitSubscribed(ctx, cfg); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// count counts the lines mosquitto_sub prints until it exits.
func (s *mosqSubSystem) count(r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue // the rest of a long line
		case err != nil:
			return
		case string(line[:len(line)-1]) == probePayload:
			s.probes.Add(1)
		default:
			s.n.Add(1)
		}
	}
}

// waitSubscribed publishes a probe every 50 ms until mosquitto_sub prints
// one, then discounts every probe it has printed.
func (s *mosqSubSystem) waitSubscribed(ctx context.Context, cfg *config.Config) error {
	conn, err := dialMQTT(ctx, cfg.MQTT.Broker, "huegate-bench-probe-"+strconv.Itoa(os.Getpid()))
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline := time.Now().Add(readyTimeout)
	for s.probes.Load() == 0 {
		if time.Now().After(deadline) {
			return errors.New("mosquitto_sub: no message through it after " + readyTimeout.String())
		}
		if err := publishProbe(conn, cfg.MQTT.Prefix+probeTopic); err != nil {
			return fmt.Errorf("mosquitto_sub probe: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	_, _ = conn.Write([]byte{0xe0, 0}) // DISCONNECT
	return nil
}

func publishProbe(conn net.Conn, topic string) error {
	_, err := conn.Write(appendPacket(nil, 0x30, append(appendString(nil, topic), probePayload...)))
	return err
}

func (s *mosqSubSystem) received() int64 { return s.n.Load() }
func (s *mosqSubSystem) idle() bool      { return true }
func (s *mosqSubSystem) cpu() (time.Duration, bool) {
	return processCPU(s.cmd.Process.Pid)
}

func (s *mosqSubSystem) stop() {
	_ = s.cmd.Process.Kill()
	s.wg.Wait()
	_ = s.cmd.Wait()
}
