package emulator

import (
	"math"
	"slices"
	"time"

	"github.com/huegate/huegate/hue/entertainment"
	"github.com/huegate/huegate/mapping"
)

// session is one DTLS session, as the bridge keeps track of it: the
// network side (stream.go) opens and closes it, the bridge ends it (close)
// when its area stops or it stays silent.
type session struct {
	identity    string
	close       func()
	since, last time.Time
}

// StreamSession is an open stream session: the application id it
// authenticated as, when its handshake ended, when it last sent anything.
type StreamSession struct {
	Identity    string
	Since, Last time.Time
}

// StreamSessions lists the open stream sessions.
func (b *Bridge) StreamSessions() []StreamSession {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []StreamSession
	for s := range b.ent.sessions {
		out = append(out, StreamSession{Identity: s.identity, Since: s.since, Last: s.last})
	}
	slices.SortFunc(out, func(a, b StreamSession) int { return a.Since.Compare(b.Since) })
	return out
}

func (b *Bridge) openSession(identity string, close func()) *session {
	b.mu.Lock()
	now := b.now()
	s := &session{identity: identity, close: close, since: now, last: now}
	if b.ent.sessions == nil {
		b.ent.sessions = map[*session]struct{}{}
	}
	b.ent.sessions[s] = struct{}{}
	tell := b.streamEventLocked(StreamEvent{Kind: SessionOpened, Streamer: identity})
	b.mu.Unlock()
	tell()
	return s
}

func (b *Bridge) closeSession(s *session) {
	b.mu.Lock()
	delete(b.ent.sessions, s)
	tell := b.streamEventLocked(StreamEvent{Kind: SessionClosed, Streamer: s.identity})
	b.mu.Unlock()
	tell()
}

// sessionsOfLocked are the closers of an application's sessions.
func (b *Bridge) sessionsOfLocked(identity string) []func() {
	var out []func()
	for s := range b.ent.sessions {
		if s.identity == identity {
			out = append(out, s.close)
		}
	}
	return out
}

// datagram takes one datagram of a session: a frame for an area this
// session's application streams waits for the next relay tick (replacing
// any older one: a bridge relays the newest picture, never a backlog);
// anything else is dropped.
func (b *Bridge) datagram(s *session, p []byte) {
	b.mu.Lock()
	tell := b.datagramLocked(s, p)
	b.mu.Unlock()
	tell()
}

// datagramLocked is datagram under b.mu; call what it returns unlocked.
func (b *Bridge) datagramLocked(s *session, p []byte) func() {
	f, err := entertainment.Parse(p)
	now := b.now()
	s.last = now
	gid, ok := b.v1IDLocked("entertainment_configuration", f.Area, b.entertainmentGroupsLocked())
	streamer, active := b.streamerLocked(gid)
	if err != nil || !ok || !active || streamer != s.identity {
		b.ent.stats.Dropped++
		return func() {}
	}
	run := b.runLocked(gid, now)
	run.pending, run.last = &f, now
	b.ent.stats.Accepted++
	sf := StreamFrame{Time: now, Area: f.Area, Seq: f.Seq, Space: f.Space, Channels: f.Channels}
	b.recordFrameLocked(sf)
	return b.streamEventLocked(StreamEvent{Kind: FrameAccepted, Area: f.Area, Streamer: s.identity, Frame: &sf})
}

// runLocked is an active area's stream, made for one the dump had active.
func (b *Bridge) runLocked(gid string, now time.Time) *areaRun {
	if b.ent.areas == nil {
		b.ent.areas = map[string]*areaRun{}
	}
	run := b.ent.areas[gid]
	if run == nil {
		run = &areaRun{last: now}
		b.ent.areas[gid] = run
	}
	return run
}

func (b *Bridge) recordFrameLocked(f StreamFrame) {
	if len(b.ent.frames) < maxFrames {
		b.ent.frames = append(b.ent.frames, f)
		return
	}
	b.ent.frames[b.ent.next] = f
	b.ent.next = (b.ent.next + 1) % maxFrames
}

// relayTick is one tick of the relay: each area's newest frame goes onto
// its lights, then areas and sessions silent for too long end. Streamed
// colours wake WaitLight and Changed but send no change notifications
// (so no event-stream events): real bridges do not report streamed
// colours live. The lights are notified once, when their stream ends.
func (b *Bridge) relayTick() {
	b.mu.Lock()
	applied := false
	for gid, run := range b.ent.areas {
		if run.pending != nil {
			b.applyFrameLocked(gid, *run.pending)
			run.pending = nil
			run.applied++
			b.ent.stats.Applied++
			applied = true
		}
	}
	if applied {
		close(b.stateCh)
		b.stateCh = make(chan struct{})
	}
	after := b.expireLocked()
	b.mu.Unlock()
	for _, f := range after {
		f()
	}
}

// expireLocked ends the active areas and the sessions that have been
// silent longer than the silence allows; call what it returns unlocked.
func (b *Bridge) expireLocked() []func() {
	now, silence := b.now(), b.silenceLocked()
	var after []func()
	for _, gid := range b.entertainmentGroupsLocked() {
		if _, active := b.ownerLocked(gid); active && now.Sub(b.runLocked(gid, now).last) > silence {
			after = append(after, b.endStreamLocked(gid, StopSilent))
		}
	}
	for s := range b.ent.sessions {
		if now.Sub(s.last) > silence {
			after = append(after, s.close)
		}
	}
	return after
}

// applyFrameLocked shows a frame on an area's lights: channel id i is the
// group's i-th light.
func (b *Bridge) applyFrameLocked(gid string, f entertainment.Frame) {
	lights := idsOf(b.groups[gid]["lights"])
	for _, ch := range f.Channels {
		if int(ch.ID) >= len(lights) {
			continue
		}
		if _, ok := b.lights[lights[ch.ID]]; ok {
			b.showLocked(lights[ch.ID], colourOf(f.Space, ch))
		}
	}
}

// colour is what a channel asks a light to show: a chromaticity (unless
// it is black) and a level in 0..1.
type colour struct {
	x, y  float64
	hasXY bool
	level float64
}

// colourOf reads a channel: xy and brightness as they are, or RGB as the
// xy of the colour at the level of its brightest component.
func colourOf(space entertainment.Space, ch entertainment.Channel) colour {
	a, bb, c := entertainment.Float(ch.A), entertainment.Float(ch.B), entertainment.Float(ch.C)
	if space == entertainment.XYB {
		return colour{x: a, y: bb, hasXY: true, level: c}
	}
	x, y, ok := mapping.RGBToXY(a*255, bb*255, c*255)
	return colour{x: x, y: y, hasXY: ok, level: max(a, bb, c)}
}

// showLocked sets a light to a colour: level 0 turns it off (it keeps its
// brightness), any other turns it on at that level. The level is kept in
// percent too, as a v2 command's brightness is, so v2 shows it unrounded.
func (b *Bridge) showLocked(lid string, c colour) {
	st := stateOf(b.lights[lid])
	var names []string
	if _, ok := st["xy"]; ok && c.hasXY {
		st["xy"] = []any{c.x, c.y}
		names = append(names, "xy")
	}
	st["on"] = c.level > 0
	if _, ok := st["bri"]; ok && c.level > 0 {
		st["bri"] = min(max(math.Round(c.level*254), 1), 254)
		b.percent[lid] = c.level * 100
	}
	setColorMode(st, names)
}
