package emulator

import (
	"slices"
	"time"
)

// StreamEventKind says what happened to the Entertainment stream.
type StreamEventKind string

// The kinds of StreamEvent.
const (
	AreaStarted   StreamEventKind = "area started"
	AreaStopped   StreamEventKind = "area stopped"
	SessionOpened StreamEventKind = "session opened"
	SessionClosed StreamEventKind = "session closed"
	FrameAccepted StreamEventKind = "frame"
)

// Why an area stopped (StreamEvent.Reason).
const (
	StopAsked  = "stop"    // its streamer sent {"action":"stop"}
	StopSilent = "silence" // no frame for the silence the bridge allows
	StopReboot = "reboot"  // the bridge rebooted
)

// StreamEvent is one thing that happened to the stream, so a process
// outside (a test, a user of `huegate emulate`) can follow it.
type StreamEvent struct {
	Time     time.Time
	Kind     StreamEventKind
	Area     string       // the entertainment_configuration id; "" for sessions
	Streamer string       // the application id that streams (areas) or authenticated (sessions)
	Reason   string       // for AreaStopped: StopAsked, StopSilent or StopReboot
	Frame    *StreamFrame // for FrameAccepted: the frame, the hook's to keep
}

type streamHook struct {
	id int
	f  func(StreamEvent)
}

// OnStream calls f after every stream event, in the goroutine that caused
// it and after the bridge's lock is released, so f may read the bridge but
// must not block for long: frames arrive ~50 times a second. The returned
// func unregisters f.
func (b *Bridge) OnStream(f func(StreamEvent)) (stop func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ent.nextHook++
	id := b.ent.nextHook
	b.ent.hooks = append(b.ent.hooks, streamHook{id: id, f: f})
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for i, h := range b.ent.hooks {
			if h.id == id {
				b.ent.hooks = append(b.ent.hooks[:i:i], b.ent.hooks[i+1:]...)
				return
			}
		}
	}
}

// streamEventLocked returns the call that tells the hooks of e; call it
// with b.mu held and the returned func after unlocking.
func (b *Bridge) streamEventLocked(e StreamEvent) func() {
	if len(b.ent.hooks) == 0 {
		return func() {}
	}
	e.Time = b.now()
	hooks := append([]streamHook(nil), b.ent.hooks...)
	return func() {
		for _, h := range hooks {
			e := e
			if e.Frame != nil { // each hook's to keep
				f := *e.Frame
				f.Channels = slices.Clone(f.Channels)
				e.Frame = &f
			}
			h.f(e)
		}
	}
}
