package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/huegate/huegate/config"
)

// brokerSystem is the reference for ingest: a subscriber that only counts
// the messages it reads, so its row shows what the broker and the load
// generator allow on this machine, and huegate's row how close it comes.
type brokerSystem struct {
	conn net.Conn
	n    atomic.Int64
	wg   sync.WaitGroup
}

func startBrokerSystem(ctx context.Context, cfg *config.Config) (*brokerSystem, error) {
	conn, err := dialMQTT(ctx, cfg.MQTT.Broker, "huegate-bench-count-"+strconv.Itoa(os.Getpid()))
	if err != nil {
		return nil, err
	}
	if conn == nil {
		return nil, errors.New("the broker reference needs a tcp:// broker")
	}
	s := &brokerSystem{conn: conn}
	body := appendString([]byte{0, 1}, cfg.MQTT.Prefix+"/in/#") // packet id 1
	if _, err := conn.Write(appendPacket(nil, 0x82, append(body, 0))); err != nil {
		conn.Close()
		return nil, fmt.Errorf("broker reference: subscribe: %w", err)
	}
	subscribed := make(chan error, 1)
	s.wg.Go(func() { s.read(subscribed) })
	if err := <-subscribed; err != nil {
		s.stop()
		return nil, fmt.Errorf("broker reference: subscribe: %w", err)
	}
	return s, nil
}

// read counts PUBLISH packets until the connection closes; the first packet
// must be the SUBACK.
func (s *brokerSystem) read(subscribed chan<- error) {
	r := bufio.NewReaderSize(s.conn, 64<<10)
	first := true
	for {
		kind, n, err := readHeader(r)
		if err == nil {
			_, err = r.Discard(n)
		}
		if first {
			if err == nil && kind != 9 {
				err = fmt.Errorf("got packet type %d, want SUBACK", kind)
			}
			subscribed <- err
			first = false
		}
		if err != nil {
			return
		}
		if kind == 3 {
			s.n.Add(1)
		}
	}
}

// readHeader reads a fixed header: the packet type and the remaining length.
func readHeader(r *bufio.Reader) (byte, int, error) {
	b, err := r.ReadByte()
	if err != nil {
		return 0, 0, err
	}
	n, mul := 0, 1
	for range 4 {
		d, err := r.ReadByte()
		if err != nil {
			return 0, 0, err
		}
		n += int(d&127) * mul
		if d < 128 {
			return b >> 4, n, nil
		}
		mul *= 128
	}
	return 0, 0, io.ErrUnexpectedEOF
}

func (s *brokerSystem) received() int64            { return s.n.Load() }
func (s *brokerSystem) idle() bool                 { return true }
func (s *brokerSystem) cpu() (time.Duration, bool) { return cpuTime() }

func (s *brokerSystem) stop() {
	_, _ = s.conn.Write([]byte{0xe0, 0}) // DISCONNECT
	_ = s.conn.Close()
	s.wg.Wait()
}
