package mqtt

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
)

// maxMessage is the largest PUBLISH packet huegate reads from the broker,
// counted as its remaining length (topic, packet id and payload). What
// huegate listens to is small: shared values, set commands, Home
// Assistant's birth message, its own state topics. A larger message is
// handed on with an empty payload, which every handler ignores, and its
// body is skipped without being held in memory: a broker passes on
// messages of up to 256 MB, and reading one whole took three times its
// size in memory.
const maxMessage = 64 << 10

// errMalformed is a packet the broker should never send.
var errMalformed = errors.New("mqtt: malformed packet from the broker")

const (
	packetPublish  = 3
	maxVarintBytes = 4
	maxFixedHeader = 1 + maxVarintBytes
)

// inbound is the broker's byte stream as paho reads it, packet by packet,
// with every PUBLISH longer than limit emptied: the same topic, flags and
// packet id, so paho acknowledges it as usual, and no payload. The body
// is read in small steps and dropped. tooLarge is told of each such
// message, with its topic and payload size.
type inbound struct {
	r        *bufio.Reader
	limit    int
	tooLarge func(topic string, size int)

	hdr  [maxFixedHeader]byte
	out  []byte // bytes to hand on before reading further
	pass int    // bytes of the current packet's body to hand on as they are
	skip int    // bytes of the current packet's body to drop
}

func newInbound(r *bufio.Reader, limit int, tooLarge func(topic string, size int)) *inbound {
	return &inbound{r: r, limit: limit, tooLarge: tooLarge}
}

func (in *inbound) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		switch {
		case in.skip > 0:
			n, err := in.r.Discard(in.skip)
			in.skip -= n
			if err != nil {
				return 0, err
			}
		case len(in.out) > 0:
			n := copy(p, in.out)
			in.out = in.out[n:]
			return n, nil
		case in.pass > 0:
			n, err := in.r.Read(p[:min(len(p), in.pass)])
			in.pass -= n
			return n, err
		default:
			if err := in.next(); err != nil {
				return 0, err
			}
		}
	}
}

// next reads the fixed header of the next packet and decides what to hand
// on. An error before the first byte is the stream's own (io.EOF at the
// end); within a header it is io.ErrUnexpectedEOF.
func (in *inbound) next() error {
	first, err := in.r.ReadByte()
	if err != nil {
		return err
	}
	in.hdr[0] = first
	remaining, n, err := in.readRemaining()
	if err != nil {
		return err
	}
	if first>>4 != packetPublish || remaining <= in.limit {
		in.out = in.hdr[:1+n]
		in.pass = remaining
		return nil
	}
	return in.empty(first, remaining)
}

// readRemaining reads the remaining length (a varint of one to four bytes)
// into hdr after the first byte, and returns it and its size.
func (in *inbound) readRemaining() (remaining, n int, err error) {
	for shift := 0; n < maxVarintBytes; shift += 7 {
		b, err := in.r.ReadByte()
		if err != nil {
			return 0, 0, unexpected(err)
		}
		in.hdr[1+n] = b
		n++
		remaining |= int(b&0x7f) << shift
		if b&0x80 == 0 {
			return remaining, n, nil
		}
	}
	return 0, 0, errMalformed
}

// empty reads an oversized PUBLISH's topic and packet id, hands on the
// packet they make alone, and drops the rest of its body.
func (in *inbound) empty(first byte, remaining int) error {
	var topicLen [2]byte
	if _, err := io.ReadFull(in.r, topicLen[:]); err != nil {
		return unexpected(err)
	}
	n := int(binary.BigEndian.Uint16(topicLen[:]))
	idLen := 0
	if first&0x06 != 0 { // QoS 1 or 2: a packet id follows the topic
		idLen = 2
	}
	keep := 2 + n + idLen
	if keep > remaining {
		return errMalformed
	}
	rest := make([]byte, n+idLen) // the topic, then the packet id
	if _, err := io.ReadFull(in.r, rest); err != nil {
		return unexpected(err)
	}
	pkt := binary.AppendUvarint([]byte{first}, uint64(keep)) // MQTT's varint is LEB128
	pkt = append(append(pkt, topicLen[:]...), rest...)
	in.out, in.skip = pkt, remaining-keep
	if in.tooLarge != nil {
		in.tooLarge(string(rest[:n]), in.skip)
	}
	return nil
}

// unexpected is an end of the stream inside a packet.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
