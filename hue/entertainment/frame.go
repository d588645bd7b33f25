package entertainment

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Space is a frame's colour space.
type Space uint8

const (
	RGB Space = 0x00 // channels carry R, G, B
	XYB Space = 0x01 // channels carry x, y and brightness
)

// MaxChannels is the most channels one frame (and one area) carries.
const MaxChannels = 20

// AreaIDLen is the length of an area id: a UUID in ASCII.
const AreaIDLen = 36

const (
	magic      = "HueStream"
	headerLen  = len(magic) + 2 + 1 + 2 + 1 + 1 + AreaIDLen // 52
	channelLen = 7
)

// Channel is one channel's value in a frame: three 16-bit values, R, G, B
// or x, y, brightness by the frame's Space (0xffff is 1.0).
type Channel struct {
	ID      uint8
	A, B, C uint16
}

// Frame is one datagram of the stream: the full picture of the area, since
// UDP neither retransmits nor orders.
type Frame struct {
	Seq      uint8
	Space    Space
	Area     string // the entertainment_configuration id
	Channels []Channel
}

// Append encodes f onto b. It fails on an area id that is not 36 ASCII
// characters, on an unknown colour space, and on more than MaxChannels.
func Append(b []byte, f Frame) ([]byte, error) {
	if len(f.Area) != AreaIDLen || !ascii(f.Area) {
		return b, fmt.Errorf("entertainment area id %q: want %d ASCII characters", f.Area, AreaIDLen)
	}
	if f.Space != RGB && f.Space != XYB {
		return b, fmt.Errorf("colour space %d: want 0 (RGB) or 1 (xy+brightness)", f.Space)
	}
	if len(f.Channels) > MaxChannels {
		return b, fmt.Errorf("%d channels: a frame carries at most %d", len(f.Channels), MaxChannels)
	}
	b = append(b, magic...)
	b = append(b, 0x02, 0x00, f.Seq, 0, 0, byte(f.Space), 0)
	b = append(b, f.Area...)
	for _, c := range f.Channels {
		b = append(b, c.ID)
		b = binary.BigEndian.AppendUint16(b, c.A)
		b = binary.BigEndian.AppendUint16(b, c.B)
		b = binary.BigEndian.AppendUint16(b, c.C)
	}
	return b, nil
}

// Errors of Parse.
var (
	ErrNotHueStream = errors.New("not a HueStream frame")
	ErrVersion      = errors.New("HueStream version is not 2.0")
)

// Parse decodes one frame. It checks what a bridge checks: the magic, the
// version, the colour space, the area id's form and whole 7-byte channels.
func Parse(b []byte) (Frame, error) {
	if len(b) < headerLen || !bytes.HasPrefix(b, []byte(magic)) {
		return Frame{}, ErrNotHueStream
	}
	h := b[len(magic):]
	if h[0] != 0x02 || h[1] != 0x00 {
		return Frame{}, fmt.Errorf("%w: %d.%d", ErrVersion, h[0], h[1])
	}
	f := Frame{Seq: h[2], Space: Space(h[5])}
	if f.Space != RGB && f.Space != XYB {
		return Frame{}, fmt.Errorf("HueStream colour space %d: want 0 or 1", h[5])
	}
	area := b[headerLen-AreaIDLen : headerLen]
	if !ascii(string(area)) {
		return Frame{}, errors.New("HueStream area id is not ASCII")
	}
	f.Area = string(area)
	body := b[headerLen:]
	if len(body)%channelLen != 0 {
		return Frame{}, fmt.Errorf("HueStream frame has %d bytes after the header: not whole 7-byte channels", len(body))
	}
	if len(body)/channelLen > MaxChannels {
		return Frame{}, fmt.Errorf("HueStream frame has %d channels: at most %d", len(body)/channelLen, MaxChannels)
	}
	f.Channels = make([]Channel, 0, len(body)/channelLen)
	for ; len(body) > 0; body = body[channelLen:] {
		f.Channels = append(f.Channels, Channel{
			ID: body[0],
			A:  binary.BigEndian.Uint16(body[1:]),
			B:  binary.BigEndian.Uint16(body[3:]),
			C:  binary.BigEndian.Uint16(body[5:]),
		})
	}
	return f, nil
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// Unit turns a value in 0..1 into the frame's 16-bit scale, clamping.
func Unit(f float64) uint16 {
	if !(f > 0) { // also NaN
		return 0
	}
	if f >= 1 {
		return 0xffff
	}
	return uint16(f*0xffff + 0.5)
}

// Float turns a frame value back into 0..1.
func Float(v uint16) float64 { return float64(v) / 0xffff }
