package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"
)

// rawPublisher publishes QoS 0 messages over plain MQTT 3.1.1 on tcp://,
// writing the packets through a large buffer. A burst through paho costs a
// timer, a token, two goroutine hand-offs and a system call per message;
// this costs a few bytes of copying, so a burst measures the broker and the
// system under test rather than the load generator.
type rawPublisher struct {
	conn net.Conn
	w    *bufio.Writer
	pkt  []byte
}

// dialRaw connects to a tcp:// broker; for other schemes it returns nil and
// bursts go through paho.
func dialRaw(ctx context.Context, broker, clientID string) (*rawPublisher, error) {
	conn, err := dialMQTT(ctx, broker, clientID)
	if conn == nil || err != nil {
		return nil, err
	}
	return &rawPublisher{conn: conn, w: bufio.NewWriterSize(conn, 64<<10)}, nil
}

// dialMQTT opens an MQTT 3.1.1 session over plain TCP, with a clean session
// and no keep-alive. It returns no connection and no error for a broker URL
// that is not tcp://.
func dialMQTT(ctx context.Context, broker, clientID string) (net.Conn, error) {
	u, err := url.Parse(broker)
	if err != nil || u.Scheme != "tcp" {
		return nil, nil
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "1883")
	}
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, waitTimeout)
	defer cancel()
	conn, err := d.DialContext(dctx, "tcp", host)
	if err == nil {
		err = handshake(conn, u, clientID)
	}
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		return nil, fmt.Errorf("load generator: connect to %s: %w", u.Redacted(), err)
	}
	return conn, nil
}

func handshake(conn net.Conn, u *url.URL, clientID string) error {
	var body []byte
	body = appendString(body, "MQTT")
	flags := byte(0x02) // clean session
	var creds []byte
	if u.User != nil {
		flags |= 0x80
		creds = appendString(creds, u.User.Username())
		if pw, ok := u.User.Password(); ok {
			flags |= 0x40
			creds = appendString(creds, pw)
		}
	}
	body = append(body, 4, flags, 0, 0) // protocol level 4, keep-alive off
	body = appendString(body, clientID)
	body = append(body, creds...)
	_ = conn.SetDeadline(time.Now().Add(waitTimeout))
	defer conn.SetDeadline(time.Time{})
	if _, err := conn.Write(appendPacket(nil, 0x10, body)); err != nil {
		return err
	}
	var ack [4]byte
	if _, err := io.ReadFull(conn, ack[:]); err != nil {
		return err
	}
	if ack[0] != 0x20 || ack[3] != 0 {
		return fmt.Errorf("broker refused the connection (CONNACK code %d)", ack[3])
	}
	return nil
}

// publish queues one QoS 0 message; it blocks only while the broker is not
// reading (TCP's back-pressure).
func (p *rawPublisher) publish(topic string, payload []byte) error {
	b := appendLength(append(p.pkt[:0], 0x30), 2+len(topic)+len(payload))
	b = append(appendString(b, topic), payload...)
	p.pkt = b
	_, err := p.w.Write(b)
	return err
}

func (p *rawPublisher) flush() error { return p.w.Flush() }

func (p *rawPublisher) close() {
	_ = p.w.Flush()
	_, _ = p.conn.Write([]byte{0xe0, 0}) // DISCONNECT
	_ = p.conn.Close()
}

func appendString(b []byte, s string) []byte {
	b = append(b, byte(len(s)>>8), byte(len(s)))
	return append(b, s...)
}

// appendPacket appends a packet: fixed header, remaining length, body.
func appendPacket(b []byte, header byte, body []byte) []byte {
	return append(appendLength(append(b, header), len(body)), body...)
}

// appendLength appends MQTT's variable-length encoding of n.
func appendLength(b []byte, n int) []byte {
	for {
		digit := byte(n % 128)
		n /= 128
		if n > 0 {
			digit |= 0x80
		}
		b = append(b, digit)
		if n == 0 {
			return b
		}
	}
}
