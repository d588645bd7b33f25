package emulator

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// eventLog collects stream events, as OnStream hands them out.
type eventLog struct {
	mu     sync.Mutex
	events []StreamEvent
}

func (l *eventLog) add(e StreamEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

// kinds are the events' kinds so far, frames left out, in order.
func (l *eventLog) kinds() []StreamEventKind {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []StreamEventKind
	for _, e := range l.events {
		if e.Kind != FrameAccepted {
			out = append(out, e.Kind)
		}
	}
	return out
}

func (l *eventLog) find(kind StreamEventKind) (StreamEvent, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		if e.Kind == kind {
			return e, true
		}
	}
	return StreamEvent{}, false
}

// A start, a session, frames and a stop each tell OnStream's hook who did
// what; a hook unregistered hears no more.
func TestOnStreamTellsOfAreasSessionsAndFrames(t *testing.T) {
	s, c := streamWorld(t)
	b := s.Bridge
	var log eventLog
	stop := b.OnStream(log.add)
	me := ApplicationID(DefaultKey)
	startArea(t, c, "start")
	conn := dialOwn(t, s)
	streamUntil(t, b, conn, xyb(7, ch(0, 0.25, 0.3, 0.5)), "3", unit(0.25))
	startArea(t, c, "stop")
	eventually(t, "the session to close", func() bool { return slices.Contains(log.kinds(), SessionClosed) })

	if got := log.kinds(); !slices.Equal(got, []StreamEventKind{AreaStarted, SessionOpened, AreaStopped, SessionClosed}) {
		t.Fatalf("events %v", got)
	}
	if e, _ := log.find(AreaStarted); e.Area != area || e.Streamer != me || e.Time.IsZero() {
		t.Errorf("start: %+v", e)
	}
	if e, _ := log.find(AreaStopped); e.Area != area || e.Streamer != me || e.Reason != StopAsked {
		t.Errorf("stop: %+v", e)
	}
	if e, _ := log.find(SessionOpened); e.Streamer != me {
		t.Errorf("session: %+v", e)
	}
	f, ok := log.find(FrameAccepted)
	if !ok || f.Area != area || f.Frame == nil || f.Frame.Seq != 7 || len(f.Frame.Channels) != 1 || f.Frame.Channels[0].A != ch(0, 0.25, 0.3, 0.5).A {
		t.Fatalf("frame event %+v", f)
	}
	f.Frame.Channels[0].A = 0 // the hook's own copy
	if b.Frames()[0].Channels[0].A == 0 {
		t.Error("a hook's frame shares the bridge's channels")
	}

	stop()
	n := len(log.kinds())
	startArea(t, c, "start")
	startArea(t, c, "stop")
	if len(log.kinds()) != n {
		t.Errorf("an unregistered hook heard %v", log.kinds()[n:])
	}
}

// An area that hears nothing stops for silence, and says so.
func TestOnStreamTellsWhyAnAreaStopped(t *testing.T) {
	s, c := streamWorld(t)
	b := s.Bridge
	b.SetStreamSilence(100 * time.Millisecond)
	var log eventLog
	defer b.OnStream(log.add)()
	startArea(t, c, "start")
	eventually(t, "the silent area to stop", func() bool { return slices.Contains(log.kinds(), AreaStopped) })
	if e, _ := log.find(AreaStopped); e.Reason != StopSilent {
		t.Errorf("stop: %+v", e)
	}
}
