package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// EventStreamPath is where CLIP v2 bridges push changes.
const EventStreamPath = "/eventstream/clip/v2"

// WithEventStream makes the bridge offer the CLIP v2 event stream, as current
// bridges do; without it the bridge speaks v1 only and clients must poll.
func WithEventStream() Option { return func(b *Bridge) { b.stream = true } }

// SetEventStream turns the event stream on or off. Turning it off ends the
// streams that are open.
func (b *Bridge) SetEventStream(on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stream = on
	if !on && b.streamStop != nil {
		close(b.streamStop)
		b.streamStop = nil
	}
}

// serveEvents streams one "update" event per state change, in the format
// of the real stream (see ../shared/hue-fixtures/v2-eventstream): data lines
// holding a JSON array of events whose entries carry id_v1 back-references.
// Streams are not part of the request log, which records the v1 API.
func (b *Bridge) serveEvents(w http.ResponseWriter, r *http.Request) {
	stop, ok := b.openStream(r)
	if !ok {
		http.Error(w, "", http.StatusNotFound)
		return
	}
	if r.Header.Get("hue-application-key") != b.key {
		http.Error(w, `[{"error":{"type":1,"address":"/","description":"unauthorized user"}}]`, http.StatusForbidden)
		return
	}
	b.streamsOpen.Add(1)
	defer b.streamsOpen.Add(-1)
	changes := make(chan Change, 256)
	unhook := b.OnChange(func(c Change) {
		select {
		case changes <- c:
		default: // a reader this slow misses events, as on a real bridge
		}
	})
	defer unhook()
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": hi\n\n")
	flush(w)
	for n := 1; ; n++ {
		select {
		case <-r.Context().Done():
			return
		case <-stop:
			return
		case c := <-changes:
			fmt.Fprintf(w, "id: %d:0\ndata: %s\n\n", n, b.event(c))
			flush(w)
		}
	}
}

func (b *Bridge) openStream(r *http.Request) (<-chan struct{}, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.stream || r.Method != http.MethodGet {
		return nil, false
	}
	if b.streamStop == nil {
		b.streamStop = make(chan struct{})
	}
	return b.streamStop, true
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// event renders a change as a v2 update: on and dimming (0..100 %, as
// precise as a v2 command set it) for a light or a group's grouped_light,
// under the ids GET /clip/v2/resource gives them.
func (b *Bridge) event(c Change) []byte {
	id := c.Resource[strings.LastIndexByte(c.Resource, '/')+1:]
	data := map[string]any{"id": v2ID("light", id), "id_v1": c.Resource, "type": "light"}
	if strings.HasPrefix(c.Resource, "/groups/") {
		data["id"], data["type"] = v2ID("grouped_light", id), "grouped_light"
		if g, ok := b.Group(id); ok {
			data["on"] = map[string]any{"on": g.AnyOn}
		}
	} else if l, ok := b.Light(id); ok {
		data["owner"] = ref("device", id)
		data["on"] = map[string]any{"on": l.On}
		data["dimming"] = map[string]any{"brightness": l.Brightness}
	}
	ev := []map[string]any{{
		"creationtime": c.Time.UTC().Format(time.RFC3339),
		"data":         []any{data},
		"id":           v2ID("event", c.Resource+" "+c.Time.String()),
		"type":         "update",
	}}
	out, _ := json.Marshal(ev)
	return out
}

// StreamsOpen is how many event streams are being served.
func (b *Bridge) StreamsOpen() int { return int(b.streamsOpen.Load()) }
