package hue

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/huegate/huegate/hue/entertainment"
)

// Cause says why an area could not stream, so the caller can say what to do.
type Cause string

// The causes of a StreamError.
const (
	CauseNoClientKey Cause = "no client key"
	CauseNoV2        Cause = "no CLIP v2"
	CauseUnknownArea Cause = "unknown area"
	CauseInUse       Cause = "in use"
	CauseHandshake   Cause = "handshake"
	CauseSend        Cause = "send"
	CauseEnded       Cause = "ended"
)

// StreamError is an area that could not start or keep streaming.
type StreamError struct {
	Cause Cause
	Err   error
}

func (e *StreamError) Error() string {
	return e.Err.Error() + " (" + e.Fix() + ")"
}

func (e *StreamError) Unwrap() error { return e.Err }

// ErrStreamNeedsV2 is the reason a bridge reached over CLIP v1 (an old
// bridge, http://, or bridge.api: v1) cannot stream.
var ErrStreamNeedsV2 = &StreamError{Cause: CauseNoV2, Err: errors.New("this bridge is reached over CLIP v1")}

// Fix is what the user can do about it.
func (e *StreamError) Fix() string {
	switch e.Cause {
	case CauseNoClientKey:
		return "pair again with `huegate pair` so bridge.clientkey is set"
	case CauseNoV2:
		return "streaming needs a bridge with CLIP v2 over https: write bridge.host without http:// and leave bridge.api at auto"
	case CauseUnknownArea:
		return "run `huegate lights` to see the entertainment areas, and fix the mapping's stream"
	case CauseInUse:
		return "stop its stream there: a sync box, the Hue app's sync or another program"
	case CauseEnded:
		return "the bridge restarted, or the area was stopped elsewhere; huegate streams again after 30 s"
	case CauseHandshake:
		return "check that UDP port bridge.stream_port (2100 on a real bridge) reaches the bridge and that bridge.clientkey is the one pairing returned"
	default:
		return "values go over REST meanwhile"
	}
}

// handshakeTimeout bounds the DTLS handshake: on a LAN it takes a few
// milliseconds, and a port that never answers (a firewall, a wrong
// stream_port) should cost the first value little before REST takes it.
const handshakeTimeout = 2 * time.Second

// AreaStream is an open stream to a started entertainment area.
type AreaStream struct {
	c    *Client
	area string
	conn *entertainment.Conn

	mu  sync.Mutex // one frame at a time: the sequence and the buffer
	seq uint8
	buf []byte
}

// OpenArea starts the area with v2 id and opens its DTLS stream. ctx bounds
// it all, the handshake included. It refuses an area another application
// streams to; an area this application already streams to (left active by
// an earlier run) is taken over. On error nothing is left open or started.
func (c *Client) OpenArea(ctx context.Context, id string) (*AreaStream, error) {
	if c.clientKey == "" {
		return nil, &StreamError{Cause: CauseNoClientKey, Err: errors.New("bridge.clientkey is empty")}
	}
	if _, err := entertainment.ParseKey(c.clientKey); err != nil {
		return nil, &StreamError{Cause: CauseNoClientKey, Err: err}
	}
	if v2, err := c.useV2(ctx, OpArea); err != nil {
		return nil, err
	} else if !v2 {
		return nil, ErrStreamNeedsV2
	}
	me, err := c.ApplicationID(ctx)
	if err != nil {
		return nil, err
	}
	a, err := c.area(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Active && a.Streamer != "" && a.Streamer != me {
		return nil, &StreamError{Cause: CauseInUse, Err: fmt.Errorf("entertainment area %q is in use by another application", a.Name)}
	}
	if err := c.setArea(ctx, id, "start"); err != nil {
		var se *StreamError
		if !errors.As(err, &se) || se.Cause != CauseInUse {
			c.stopQuietly(id) // a start that timed out may have been applied
		}
		return nil, err
	}
	conn, err := c.dialStream(ctx, me)
	if err != nil {
		c.stopQuietly(id)
		return nil, err
	}
	return &AreaStream{c: c, area: id, conn: conn}, nil
}

func (c *Client) dialStream(ctx context.Context, identity string) (*entertainment.Conn, error) {
	u, err := url.Parse(c.Base())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	conn, err := entertainment.Dial(ctx, u.Hostname(), c.streamPort, identity, c.clientKey)
	if err != nil {
		return nil, &StreamError{Cause: CauseHandshake, Err: err}
	}
	return conn, nil
}

// stopQuietly stops an area after a failed open; the failure that caused
// it is what the caller reports.
func (c *Client) stopQuietly(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), c.tout)
	defer cancel()
	_ = c.setArea(ctx, id, "stop")
}

// Check asks the bridge whether the area still streams from this
// application. A stream is UDP: when the bridge restarts, or the area is
// stopped elsewhere, frames go on leaving without an error. An answer that
// says the stream ended is a *StreamError with CauseEnded; failing to get
// an answer is an error of its own, which says nothing about the stream.
func (s *AreaStream) Check(ctx context.Context) error {
	me, err := s.c.ApplicationID(ctx)
	if err != nil {
		return err
	}
	a, err := s.c.area(ctx, s.area)
	if err != nil {
		var se *StreamError
		if errors.As(err, &se) { // the area is gone
			return &StreamError{Cause: CauseEnded, Err: err}
		}
		return err
	}
	if !a.Active || a.Streamer != "" && a.Streamer != me {
		return &StreamError{Cause: CauseEnded, Err: fmt.Errorf("the bridge ended the stream to entertainment area %q", a.Name)}
	}
	return nil
}

// Send sends one frame: every channel's x, y and brightness (0..1).
func (s *AreaStream) Send(chs []entertainment.Channel) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	s.buf, err = entertainment.Append(s.buf[:0], entertainment.Frame{Seq: s.seq, Space: entertainment.XYB, Area: s.area, Channels: chs})
	if err != nil {
		return err
	}
	s.seq++
	if _, err := s.conn.Write(s.buf); err != nil {
		return &StreamError{Cause: CauseSend, Err: fmt.Errorf("stream to the bridge: %w", err)}
	}
	return nil
}

// Close ends the stream and stops the area, so the Hue app, schedules and
// REST commands drive its lights again.
func (s *AreaStream) Close(ctx context.Context) error {
	err := s.conn.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	// A stop that fails is tried once more: an area left started holds its
	// lights against every REST command until the bridge's silence limit.
	e := s.c.setArea(ctx, s.area, "stop")
	if e != nil && ctx.Err() == nil {
		e = s.c.setArea(ctx, s.area, "stop")
	}
	if e != nil {
		return e
	}
	return err
}
