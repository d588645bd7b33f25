package emulator

import (
	"net/http"
	"slices"
	"time"

	"github.com/huegate/huegate/hue/entertainment"
)

// The Entertainment API: v1 groups of type Entertainment are the areas
// (CLIP v2 entertainment_configuration), started and stopped over v2 and
// fed frames over the DTLS stream (stream.go). Whether an area streams,
// and for which key, is the v1 group's "stream" object {active, owner},
// so v1 and v2 cannot disagree; what only the stream needs (the frame
// waiting for the next relay tick, when the area last heard from its
// streamer) is kept in entState.

// DefaultStreamSilence is how long an active area waits for a frame before
// it stops streaming, as a real bridge does.
const DefaultStreamSilence = 10 * time.Second

// maxFrames is how many accepted frames Frames keeps.
const maxFrames = 10000

// otherApplication is the key of the application StreamInUse pretends
// streams every area.
const otherApplication = "another-entertainment-application"

// OtherApplicationID is the application id SetStreamInUse shows as the
// active_streamer of every area.
func OtherApplicationID() string { return ApplicationID(otherApplication) }

// inUseText is the description a start answers while another
// application streams the area.
const inUseText = "entertainment configuration is in use by another application"

// entState is the stream's part of the bridge, guarded by Bridge.mu.
type entState struct {
	inUse    bool          // SetStreamInUse
	silence  time.Duration // SetStreamSilence; 0 means DefaultStreamSilence
	areas    map[string]*areaRun
	sessions map[*session]struct{}
	frames   []StreamFrame // a ring of the last maxFrames accepted frames
	next     int           // where the ring writes next, once full
	stats    StreamStats
	hooks    []streamHook // OnStream
	nextHook int
}

// areaRun is an active area's stream: its newest frame not yet applied,
// and when it last heard from its streamer (start counts).
type areaRun struct {
	pending *entertainment.Frame
	last    time.Time
	applied int
}

// StreamFrame is one frame the bridge accepted, as it arrived.
type StreamFrame struct {
	Time     time.Time
	Area     string // the entertainment_configuration id
	Seq      uint8
	Space    entertainment.Space
	Channels []entertainment.Channel
}

// StreamStats counts datagrams over every session: frames accepted (each
// one in Frames until the ring turns), dropped (for an area that is not
// active, or not streamed by the sender; or not a frame at all), and
// applied to the lights on a relay tick.
type StreamStats struct {
	Accepted, Dropped, Applied int
}

// AreaStatus is an Entertainment area as the bridge sees it.
type AreaStatus struct {
	ID       string // the entertainment_configuration id
	Active   bool
	Streamer string // the application id streaming it, "" while inactive
	Applied  int    // relay ticks that set its lights since it was started
}

// SetStreamInUse makes every area look streamed by another application
// (OtherApplicationID): v2 shows it active, a start answers 409, frames
// are dropped and REST leaves its lights alone. false heals it.
func (b *Bridge) SetStreamInUse(on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ent.inUse = on
}

// SetStreamNoHandshake makes the stream's UDP port swallow every datagram,
// of sessions already open too: a bridge whose stream port is firewalled.
func (b *Bridge) SetStreamNoHandshake(on bool) { b.noHandshake.Store(on) }

// SetStreamSilence sets how long an active area, or a session, may stay
// silent before the bridge ends it (DefaultStreamSilence until set).
func (b *Bridge) SetStreamSilence(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ent.silence = d
}

// EntertainmentArea is the area of v1 group id, false if the group is not
// an Entertainment group.
func (b *Bridge) EntertainmentArea(groupID string) (AreaStatus, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !isEntertainment(b.groups[groupID]) {
		return AreaStatus{}, false
	}
	st := AreaStatus{ID: v2ID("entertainment_configuration", groupID)}
	st.Streamer, st.Active = b.streamerLocked(groupID)
	if run := b.ent.areas[groupID]; run != nil {
		st.Applied = run.applied
	}
	return st, true
}

// Frames returns the accepted frames the bridge keeps, oldest first.
func (b *Bridge) Frames() []StreamFrame {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.ent.frames
	out := append(slices.Clone(f[b.ent.next:]), f[:b.ent.next]...)
	for i := range out { // the caller's to change; the ring stays as it came
		out[i].Channels = slices.Clone(out[i].Channels)
	}
	return out
}

// StreamStats returns the stream's counters.
func (b *Bridge) StreamStats() StreamStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ent.stats
}

func isEntertainment(g map[string]any) bool { return strOf(g["type"]) == "Entertainment" }

// streamObjLocked is a group's v1 stream object, made if the dump had none.
func (b *Bridge) streamObjLocked(gid string) map[string]any {
	g := b.groups[gid]
	s, ok := g["stream"].(map[string]any)
	if !ok {
		s = map[string]any{"proxymode": "auto", "proxynode": "/bridge", "active": false, "owner": nil}
		g["stream"] = s
	}
	return s
}

// ownerLocked is the key streaming an area, false if it is inactive.
func (b *Bridge) ownerLocked(gid string) (string, bool) {
	s, _ := b.groups[gid]["stream"].(map[string]any)
	return strOf(s["owner"]), boolOf(s["active"])
}

// streamerLocked is the application id streaming an area as the bridge
// shows it (StreamInUse included), false if it is inactive.
func (b *Bridge) streamerLocked(gid string) (string, bool) {
	if b.ent.inUse {
		return OtherApplicationID(), true
	}
	owner, active := b.ownerLocked(gid)
	if !active {
		return "", false
	}
	return ApplicationID(owner), true
}

// silenceLocked is how long a stream may stay silent.
func (b *Bridge) silenceLocked() time.Duration {
	if b.ent.silence > 0 {
		return b.ent.silence
	}
	return DefaultStreamSilence
}

// entertainmentGroupsLocked are the ids of the Entertainment groups.
func (b *Bridge) entertainmentGroupsLocked() []string {
	var ids []string
	for _, id := range sortedIDs(b.groups) {
		if isEntertainment(b.groups[id]) {
			ids = append(ids, id)
		}
	}
	return ids
}

// streamingLightLocked tells whether an area streams to the light: then
// REST commands leave it alone, as it follows the stream.
func (b *Bridge) streamingLightLocked(lid string) bool {
	for _, gid := range b.entertainmentGroupsLocked() {
		if _, active := b.streamerLocked(gid); active && slices.Contains(idsOf(b.groups[gid]["lights"]), lid) {
			return true
		}
	}
	return false
}

// v2Action is the body of a PUT to an entertainment_configuration.
type v2Action struct {
	Action *string `json:"action"`
}

// putV2Entertainment starts or stops an area for key, the caller's.
func (b *Bridge) putV2Entertainment(t v2Target, body []byte, key string) v2Outcome {
	var req v2Action
	if err := decodeStrict(body, &req); err != nil {
		return badRequest("invalid body: " + err.Error())
	}
	if req.Action == nil || (*req.Action != "start" && *req.Action != "stop") {
		return badRequest("invalid value for action: must be start or stop")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	gid, ok := b.v1IDLocked("entertainment_configuration", t.id, b.entertainmentGroupsLocked())
	if !ok {
		return notFound
	}
	owner, active := b.ownerLocked(gid)
	if b.ent.inUse || (active && owner != key) {
		return v2Outcome{status: http.StatusConflict, errors: []string{inUseText}}
	}
	o := v2Outcome{status: http.StatusOK}
	switch {
	case *req.Action == "start" && !active:
		o.emit = b.startLocked(gid, key)
	case *req.Action == "stop" && active:
		o.emit = b.endStreamLocked(gid, StopAsked)
	}
	return o
}

// startLocked starts an area for key; call what it returns unlocked.
func (b *Bridge) startLocked(gid, key string) func() {
	s := b.streamObjLocked(gid)
	s["active"], s["owner"] = true, key
	if b.ent.areas == nil {
		b.ent.areas = map[string]*areaRun{}
	}
	b.ent.areas[gid] = &areaRun{last: b.now()}
	emit := b.changedLocked("/groups/" + gid)
	tell := b.streamEventLocked(StreamEvent{Kind: AreaStarted, Area: v2ID("entertainment_configuration", gid), Streamer: ApplicationID(key)})
	return func() {
		emit()
		tell()
	}
}

// endStreamLocked stops an area: its last frame goes onto the lights (they
// keep it), the sessions of its streamer end unless it streams another
// area, and the returned func (call it unlocked) closes them and tells of
// the area and its lights once. reason says why it stops (StopAsked, ...).
func (b *Bridge) endStreamLocked(gid, reason string) func() {
	owner, _ := b.ownerLocked(gid)
	if run := b.ent.areas[gid]; run != nil && run.pending != nil {
		b.applyFrameLocked(gid, *run.pending)
	}
	delete(b.ent.areas, gid)
	s := b.streamObjLocked(gid)
	s["active"], s["owner"] = false, nil
	var closers []func()
	if !b.streamsAnyLocked(owner) {
		closers = b.sessionsOfLocked(ApplicationID(owner))
	}
	resources := []string{"/groups/" + gid}
	for _, lid := range b.members(gid) {
		resources = append(resources, "/lights/"+lid)
	}
	emit := b.changedLocked(resources...)
	tell := b.streamEventLocked(StreamEvent{Kind: AreaStopped, Area: v2ID("entertainment_configuration", gid), Streamer: ApplicationID(owner), Reason: reason})
	return func() {
		tell() // before the closers, so the area stops before its sessions close
		for _, c := range closers {
			c()
		}
		emit()
	}
}

// streamsAnyLocked tells whether key streams an area.
func (b *Bridge) streamsAnyLocked(key string) bool {
	for _, gid := range b.entertainmentGroupsLocked() {
		if owner, active := b.ownerLocked(gid); active && owner == key {
			return true
		}
	}
	return false
}

// endAllStreams stops every area, as a bridge that reboots does.
func (b *Bridge) endAllStreams() {
	b.mu.Lock()
	var emits []func()
	for _, gid := range b.entertainmentGroupsLocked() {
		if _, active := b.ownerLocked(gid); active {
			emits = append(emits, b.endStreamLocked(gid, StopReboot))
		}
	}
	b.mu.Unlock()
	for _, emit := range emits {
		emit()
	}
}
