package bench

import (
	"net/http"
	"testing"
	"time"

	"github.com/huegate/huegate/hue/emulator"
)

// The bridge's log of a streamed run: a command before the start, one
// while the area is active, the stop, then one per light handed back.
func TestStreamFiguresReadTheAreasLifeFromTheLog(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	light := func(id string, ms int) emulator.Request {
		return emulator.Request{Time: at(ms), Method: http.MethodPut, Path: "/clip/v2/resource/light/" + emulator.V2ID("light", id)}
	}
	area := func(action string, ms int) emulator.Request {
		return emulator.Request{Time: at(ms), Method: http.MethodPut, Path: areaPath + "x", Body: []byte(`{"action":"` + action + `"}`)}
	}
	get := emulator.Request{Time: at(5), Method: http.MethodGet, Path: "/clip/v2/resource/light"}
	cmds := []emulator.Request{light("1", 0), light("2", 50)}
	reqs := []emulator.Request{cmds[0], get, area("start", 10), cmds[1], area("stop", 100)}
	if handedBack(reqs, cmds, []string{"1", "2"}) {
		t.Fatal("handed back before any light had a command after the stop")
	}
	back := []emulator.Request{light("1", 120), light("2", 220)}
	cmds, reqs = append(cmds, back...), append(reqs, back...)
	if !handedBack(reqs, cmds, []string{"1", "2"}) {
		t.Fatal("not handed back after a command per light")
	}
	got := streamFigures(reqs, cmds, 42)
	if *got != (streamReport{Frames: 42, RESTWhileStreaming: 1, Lifecycle: 2 + 2}) {
		t.Fatalf("figures %+v, want 42 frames, 1 command while streaming, 4 lifecycle", *got)
	}
	if !handedBack(nil, cmds, []string{"1"}) {
		t.Fatal("an area that never started holds its lights")
	}
	started := []emulator.Request{area("start", 10)}
	if handedBack(started, back, []string{"1", "2"}) {
		t.Fatal("an area still active handed its lights back")
	}
	if r := streamFigures(started, back, 0); r.RESTWhileStreaming != 2 || r.Lifecycle != 1 {
		t.Fatalf("still active: %+v, want both commands while streaming, 1 lifecycle", *r)
	}
}
