package mqtt

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// publish is a PUBLISH packet as a broker writes it.
func publish(t testing.TB, qos byte, retain, dup bool, topic string, id uint16, payload []byte) []byte {
	t.Helper()
	p := packets.NewControlPacket(packets.Publish).(*packets.PublishPacket)
	p.Qos, p.Retain, p.Dup, p.TopicName, p.MessageID, p.Payload = qos, retain, dup, topic, id, payload
	var b bytes.Buffer
	if err := p.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// through reads stream through inbound with the given limit, in reads of
// at most chunk bytes from the network, and returns what paho would read
// and the topics and sizes reported too large.
func through(stream []byte, limit, chunk int) (out []byte, tooLarge []string, err error) {
	var src io.Reader = bytes.NewReader(stream)
	if chunk > 0 {
		src = &chunked{r: src, n: chunk}
	}
	in := newInbound(bufio.NewReaderSize(src, 16), limit, func(topic string, size int) {
		tooLarge = append(tooLarge, topic+" "+strconv.Itoa(size))
	})
	out, err = io.ReadAll(in)
	return out, tooLarge, err
}

// chunked returns at most n bytes per read: a packet split across reads.
type chunked struct {
	r io.Reader
	n int
}

func (c *chunked) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

// readAll parses what paho would read, as paho does.
func readAll(t *testing.T, b []byte) []packets.ControlPacket {
	t.Helper()
	var out []packets.ControlPacket
	r := bytes.NewReader(b)
	for r.Len() > 0 {
		p, err := packets.ReadPacket(r)
		if err != nil {
			t.Fatalf("paho cannot read the stream after %d packets: %v", len(out), err)
		}
		out = append(out, p)
	}
	return out
}

// Small packets pass unchanged, however the network splits them; a large
// PUBLISH at each QoS reaches paho with its topic, flags and packet id and
// no payload, and the packets after it are intact.
func TestInboundEmptiesOnlyLargePublishes(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 100_000)
	small := publish(t, 1, false, false, "lights", 7, []byte("127"))
	var stream []byte
	stream = append(stream, small...)
	stream = append(stream, publish(t, 0, false, false, "big/q0", 0, big)...)
	stream = append(stream, 0xd0, 0x00) // PINGRESP
	stream = append(stream, publish(t, 1, true, true, "big/q1", 513, big)...)
	stream = append(stream, publish(t, 2, false, false, "big/q2", 65535, big)...)
	stream = append(stream, small...)
	for _, chunk := range []int{0, 1, 2, 3, 7, 4096} {
		out, tooLarge, err := through(stream, maxMessage, chunk)
		if err != nil {
			t.Fatalf("chunks of %d: %v", chunk, err)
		}
		got := readAll(t, out)
		if len(got) != 6 {
			t.Fatalf("chunks of %d: %d packets, want 6", chunk, len(got))
		}
		if !bytes.Equal(out[:len(small)], small) || !bytes.Equal(out[len(out)-len(small):], small) {
			t.Fatalf("chunks of %d: a small PUBLISH changed", chunk)
		}
		for i, want := range []struct {
			topic    string
			qos      byte
			retain   bool
			dup      bool
			id       uint16
			position int
		}{{"big/q0", 0, false, false, 0, 1}, {"big/q1", 1, true, true, 513, 3}, {"big/q2", 2, false, false, 65535, 4}} {
			p, ok := got[want.position].(*packets.PublishPacket)
			if !ok || p.TopicName != want.topic || p.Qos != want.qos || p.Retain != want.retain || p.Dup != want.dup ||
				p.MessageID != want.id || len(p.Payload) != 0 {
				t.Fatalf("chunks of %d: packet %d is %v, want %s emptied", chunk, want.position, got[want.position], want.topic)
			}
			if tooLarge[i] != want.topic+" "+strconv.Itoa(len(big)) {
				t.Fatalf("chunks of %d: reported %q", chunk, tooLarge[i])
			}
		}
		if _, ok := got[2].(*packets.PingrespPacket); !ok {
			t.Fatalf("chunks of %d: the PINGRESP became %v", chunk, got[2])
		}
	}
}

// The remaining length is one to four bytes; each boundary is read right,
// whether the packet is passed on or emptied.
func TestInboundReadsEveryRemainingLengthSize(t *testing.T) {
	for _, size := range []int{0, 1, 127, 128, 16383, 16384, 2097151, 2097152} {
		body := make([]byte, size)
		pkt := binary.AppendUvarint([]byte{0x20}, uint64(size)) // CONNACK type: passed on whatever its length
		pkt = append(pkt, body...)
		out, _, err := through(pkt, 16, 5)
		if err != nil || !bytes.Equal(out, pkt) {
			t.Fatalf("a packet of %d bytes: %d bytes out, %v", size, len(out), err)
		}
		if size < 4 {
			continue
		}
		topic := "t"
		pub := binary.AppendUvarint([]byte{0x30}, uint64(size))
		pub = binary.BigEndian.AppendUint16(pub, uint16(len(topic)))
		pub = append(pub, topic...)
		pub = append(pub, make([]byte, size-2-len(topic))...)
		out, tooLarge, err := through(pub, 0, 5)
		want := []byte{0x30, 3, 0, 1, 't'}
		if err != nil || !bytes.Equal(out, want) || len(tooLarge) != 1 {
			t.Fatalf("a PUBLISH of %d bytes became %x (%v), reported %q", size, out, err, tooLarge)
		}
	}
	// 268,435,455, the largest MQTT can say, is four bytes; a fifth is malformed.
	if _, _, err := through([]byte{0x30, 0xff, 0xff, 0xff, 0x7f}, 16, 0); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("the largest length: %v, want the stream to end inside the packet", err)
	}
	if _, _, err := through([]byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x01}, 16, 0); !errors.Is(err, errMalformed) {
		t.Fatalf("a five-byte length: %v, want errMalformed", err)
	}
}

// A stream that ends inside a header, or a PUBLISH whose topic is longer
// than the packet, is an error, never a panic or a packet made up.
func TestInboundRefusesBrokenPackets(t *testing.T) {
	for name, tt := range map[string]struct {
		stream []byte
		err    error
	}{
		"ends in the length":     {[]byte{0x30, 0x80}, io.ErrUnexpectedEOF},
		"ends in the topic size": {[]byte{0x30, 0x20, 0x00}, io.ErrUnexpectedEOF},
		"ends in the topic":      {[]byte{0x30, 0x20, 0x00, 0x05, 'a'}, io.ErrUnexpectedEOF},
		"topic past the packet":  {[]byte{0x30, 0x20, 0x00, 0x30}, errMalformed},
		"no room for the id":     {[]byte{0x32, 0x11, 0x00, 0x10}, errMalformed},
	} {
		out, tooLarge, err := through(tt.stream, 16, 1)
		if !errors.Is(err, tt.err) || len(out) != 0 || len(tooLarge) != 0 {
			t.Errorf("%s: %x out, %q reported, %v; want nothing and %v", name, out, tooLarge, err, tt.err)
		}
	}
}

// A long topic is cut short in the log.
func TestShortenKeepsLogLinesShort(t *testing.T) {
	if got := shorten(strings.Repeat("a", 300)); len(got) != 203 {
		t.Fatalf("a 300-byte topic is logged as %d bytes", len(got))
	}
	if got := shorten("lights"); got != "lights" {
		t.Fatalf("shorten(lights) = %q", got)
	}
}

// FuzzInbound feeds any byte stream, split any way, through the wrapper:
// it never panics, the split does not change what paho reads, and what
// paho reads is what reference makes of the stream.
func FuzzInbound(f *testing.F) {
	f.Add(publish(f, 1, false, false, "lights", 1, []byte("127")), uint8(16), uint8(3))
	f.Add(publish(f, 2, true, true, "big", 9, bytes.Repeat([]byte("x"), 40)), uint8(16), uint8(1))
	f.Add(append(publish(f, 0, false, false, "a/b", 0, make([]byte, 300)), 0xd0, 0x00), uint8(8), uint8(7))
	f.Add([]byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x01}, uint8(0), uint8(2))
	f.Add([]byte{0x32, 0x11, 0x00, 0x10}, uint8(4), uint8(1))
	f.Fuzz(func(t *testing.T, stream []byte, limit, chunk uint8) {
		out, _, err := through(stream, int(limit), int(chunk%16)+1)
		whole, _, wholeErr := through(stream, int(limit), 0)
		if !bytes.Equal(out, whole) || !errors.Is(err, wholeErr) && !errors.Is(wholeErr, err) {
			t.Fatalf("split reads gave %x (%v), one read %x (%v)", out, err, whole, wholeErr)
		}
		want, wantErr := reference(stream, int(limit))
		if !bytes.Equal(out, want) || !errors.Is(err, wantErr) {
			t.Fatalf("got %x (%v), want %x (%v)", out, err, want, wantErr)
		}
	})
}

// reference is what paho must read from stream, worked out over the whole
// slice: packets up to limit as they are, larger PUBLISH packets without
// their payload (handed on once the payload is skipped), io.EOF at the end
// of the stream read as no error, as io.ReadAll does.
func reference(stream []byte, limit int) ([]byte, error) {
	var out []byte
	for len(stream) > 0 {
		first := stream[0]
		remaining, n := 0, 0
		for {
			if n == 4 {
				return out, errMalformed
			}
			if 1+n >= len(stream) {
				return out, io.ErrUnexpectedEOF
			}
			b := stream[1+n]
			remaining |= int(b&0x7f) << (7 * n)
			n++
			if b&0x80 == 0 {
				break
			}
		}
		header, body := stream[:1+n], stream[1+n:]
		if first>>4 != 3 || remaining <= limit {
			take := min(remaining, len(body))
			out = append(append(out, header...), body[:take]...)
			stream = body[take:]
			continue
		}
		if len(body) < 2 {
			return out, io.ErrUnexpectedEOF
		}
		keep := 2 + int(body[0])<<8 + int(body[1])
		if first&0x06 != 0 {
			keep += 2
		}
		switch {
		case keep > remaining:
			return out, errMalformed
		case len(body) < keep:
			return out, io.ErrUnexpectedEOF
		case len(body) < remaining:
			return out, nil // the stream ended while the payload was skipped
		}
		out = binary.AppendUvarint(append(out, first), uint64(keep))
		out = append(out, body[:keep]...)
		stream = body[remaining:]
	}
	return out, nil
}
