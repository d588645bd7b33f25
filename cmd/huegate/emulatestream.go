package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/entertainment"
	"github.com/rs/zerolog"
)

// streamFlagsChanged names the stream flags given to a bridge that has no
// Entertainment stream.
func streamFlagsChanged(changed func(string) bool) []string {
	var out []string
	for _, name := range []string{"stream-port", "frame-log", "stream-in-use", "stream-no-handshake"} {
		if changed(name) {
			out = append(out, "--"+name)
		}
	}
	return out
}

// setUpStream turns the stream's knobs, logs its events and writes the
// frame log; the returned func stops the logging and closes the file.
func setUpStream(b *emulator.Bridge, f *emulateFlags, log zerolog.Logger) (stop func(), err error) {
	b.SetStreamInUse(f.inUse)
	b.SetStreamNoHandshake(f.noHandshake)
	if f.inUse {
		log.Info().Str("streamer", emulator.OtherApplicationID()).Msg("every entertainment area looks streamed by another application")
	}
	if f.noHandshake {
		log.Info().Msg("the stream port swallows every datagram: DTLS handshakes never answer")
	}
	var frames *frameLog
	if f.frameLog != "" {
		file, err := os.OpenFile(f.frameLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, &exitError{2, fmt.Errorf("--frame-log: %w", err)}
		}
		frames = &frameLog{file: file, log: log}
	}
	unhook := b.OnStream(func(e emulator.StreamEvent) {
		if e.Kind == emulator.FrameAccepted {
			frames.write(e) // ~50 a second: the file's, not the log's
			return
		}
		logStreamEvent(log, e)
	})
	return func() {
		unhook()
		frames.close()
	}, nil
}

// logStreamEvent logs an area started or stopped, a session opened or
// closed: one line each, with who and (for a stop) why.
func logStreamEvent(log zerolog.Logger, e emulator.StreamEvent) {
	ev := log.Info().Str("streamer", e.Streamer)
	if e.Area != "" {
		ev = ev.Str("area", e.Area)
	}
	if e.Reason != "" {
		ev = ev.Str("reason", e.Reason)
	}
	msg := map[emulator.StreamEventKind]string{
		emulator.AreaStarted:   "entertainment area started",
		emulator.AreaStopped:   "entertainment area stopped",
		emulator.SessionOpened: "stream session opened",
		emulator.SessionClosed: "stream session closed",
	}[e.Kind]
	ev.Msg(msg)
}

// frameLog appends a JSON line per accepted frame to a file. A nil
// frameLog writes nothing.
type frameLog struct {
	mu     sync.Mutex
	file   *os.File
	log    zerolog.Logger
	failed bool // the first write error is logged, the rest are not
	buf    []byte
}

// frameLine is one line of --frame-log.
type frameLine struct {
	Time     time.Time      `json:"time"`
	Area     string         `json:"area"`
	Seq      uint8          `json:"seq"`
	Space    string         `json:"space"` // "xyb" or "rgb"
	Channels []frameChannel `json:"channels"`
}

// frameChannel is a channel's values in 0..1: x, y and brightness, or red,
// green and blue.
type frameChannel struct {
	ID  uint8    `json:"id"`
	X   *float64 `json:"x,omitempty"`
	Y   *float64 `json:"y,omitempty"`
	Bri *float64 `json:"bri,omitempty"`
	R   *float64 `json:"r,omitempty"`
	G   *float64 `json:"g,omitempty"`
	B   *float64 `json:"b,omitempty"`
}

func lineOf(e emulator.StreamEvent) frameLine {
	f := e.Frame
	l := frameLine{Time: f.Time, Area: f.Area, Seq: f.Seq, Space: "rgb", Channels: []frameChannel{}}
	if f.Space == entertainment.XYB {
		l.Space = "xyb"
	}
	for _, ch := range f.Channels {
		a, b, c := entertainment.Float(ch.A), entertainment.Float(ch.B), entertainment.Float(ch.C)
		fc := frameChannel{ID: ch.ID, R: &a, G: &b, B: &c}
		if f.Space == entertainment.XYB {
			fc = frameChannel{ID: ch.ID, X: &a, Y: &b, Bri: &c}
		}
		l.Channels = append(l.Channels, fc)
	}
	return l
}

func (l *frameLog) write(e emulator.StreamEvent) {
	if l == nil || e.Frame == nil {
		return
	}
	data, err := json.Marshal(lineOf(e))
	if err != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(append(l.buf[:0], data...), '\n')
	if _, err := l.file.Write(l.buf); err != nil && !l.failed && !errors.Is(err, os.ErrClosed) {
		l.failed = true
		l.log.Warn().Err(err).Msg("cannot write the frame log; frames go unrecorded")
	}
}

func (l *frameLog) close() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.file.Close()
}
