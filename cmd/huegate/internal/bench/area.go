package bench

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/huegate/huegate/hue/emulator"
)

// The world's side of the area scenario: a bridge whose lights are one
// entertainment area, served with the Entertainment stream, and what the
// bridge's logs say of the area's life.

// newClientKey is a fresh Entertainment key for the run's bridge, as
// pairing with generateclientkey hands one out: 16 random bytes in hex.
func newClientKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// areaPath is where the area is started and stopped over CLIP v2.
const areaPath = "/clip/v2/resource/entertainment_configuration/"

// span is a time the area was active: from its start's arrival to its
// stop's; to is zero while it is still active.
type span struct{ from, to time.Time }

func (s span) holds(t time.Time) bool {
	return !t.Before(s.from) && (s.to.IsZero() || t.Before(s.to))
}

// areaSpans reads the starts and stops of the area from the bridge's
// request log, and counts them.
func areaSpans(reqs []emulator.Request) (spans []span, puts int) {
	for _, r := range reqs {
		if r.Method != http.MethodPut || !strings.HasPrefix(r.Path, areaPath) {
			continue
		}
		puts++
		active := len(spans) > 0 && spans[len(spans)-1].to.IsZero()
		switch {
		case bytes.Contains(r.Body, []byte(`"start"`)) && !active:
			spans = append(spans, span{from: r.Time})
		case bytes.Contains(r.Body, []byte(`"stop"`)) && active:
			spans[len(spans)-1].to = r.Time
		}
	}
	return spans, puts
}

// streamFigures turns the bridge's logs into the stream's part of the
// report.
func streamFigures(reqs, cmds []emulator.Request, frames int) *streamReport {
	spans, puts := areaSpans(reqs)
	r := &streamReport{Frames: frames, Lifecycle: puts}
	for _, c := range cmds {
		for _, s := range spans {
			if s.holds(c.Time) {
				r.RESTWhileStreaming++
				break
			}
		}
		if n := len(spans); n > 0 && !spans[n-1].to.IsZero() && !c.Time.Before(spans[n-1].to) {
			r.Lifecycle++
		}
	}
	return r
}

// handedBack says whether the area has let go of its lights: it never
// started, or it stopped and each of lights has had a command since.
func handedBack(reqs, cmds []emulator.Request, lights []string) bool {
	spans, _ := areaSpans(reqs)
	if len(spans) == 0 {
		return true
	}
	stop := spans[len(spans)-1].to
	if stop.IsZero() {
		return false
	}
	for _, id := range lights {
		if !commandSince(cmds, id, stop) {
			return false
		}
	}
	return true
}

// commandSince says whether light id had a command (v1 or v2) at or
// after t.
func commandSince(cmds []emulator.Request, id string, t time.Time) bool {
	v1, v2 := "/lights/"+id+"/state", "/clip/v2/resource/light/"+emulator.V2ID("light", id)
	for _, c := range cmds {
		if !c.Time.Before(t) && (strings.HasSuffix(c.Path, v1) || c.Path == v2) {
			return true
		}
	}
	return false
}
