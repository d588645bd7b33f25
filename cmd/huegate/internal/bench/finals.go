package bench

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/huegate/huegate/hue/emulator"
)

// publishFinals publishes every topic's final value once and starts
// watching the bridge for them.
func (w *world) publishFinals(ctx context.Context) error {
	if !w.sc.Finals {
		w.mu.Lock()
		w.landedOK = true
		w.mu.Unlock()
		close(w.landed)
		return nil
	}
	w.mu.Lock()
	w.finals = make(map[string]*final, w.sc.Lights)
	for t := range w.sc.Topics {
		for _, id := range w.sc.lightsOf(t) {
			w.finals[id] = &final{Light: id, Value: finalValue(t)}
		}
	}
	w.waiting = len(w.finals)
	w.mu.Unlock()
	for t := range w.sc.Topics {
		now := time.Now().UnixNano()
		w.mu.Lock()
		for _, id := range w.sc.lightsOf(t) {
			w.finals[id].Published = now
		}
		w.mu.Unlock()
		if err := w.pub.final(ctx, t, finalValue(t)); err != nil {
			return err
		}
	}
	return nil
}

// changed runs after every state change on the bridge: it notes when a
// light first shows its final value.
func (w *world) changed(c emulator.Change) {
	id, ok := strings.CutPrefix(c.Resource, "/lights/")
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.noteLocked(id, c.Time)
	w.landLocked()
}

// noteLocked notes the time a light first shows its final value.
func (w *world) noteLocked(id string, at time.Time) {
	f := w.finals[id]
	if f == nil || f.Applied != 0 || f.Published == 0 {
		return
	}
	if l, _ := w.emu.Light(id); l.On && l.Bri == f.Value {
		f.Applied = at.UnixNano()
		w.waiting--
	}
}

// landLocked closes landed once every final is applied and, in the area
// scenario, the area has handed its lights back to REST.
func (w *world) landLocked() {
	if w.landedOK || w.finals == nil || w.waiting > 0 {
		return
	}
	if w.sc.Area && !handedBack(w.emu.Requests(), w.emu.Commands(), w.sc.lightsOf(0)) {
		return
	}
	w.landedOK = true
	close(w.landed)
}

// watchEvery is how often watch looks at the request log: REST commands
// that change nothing fire no change.
const watchEvery = 10 * time.Millisecond

// watch follows the area scenario's bridge until watchStop: the relay puts
// streamed values onto the lights without the change hooks (a bridge tells
// no one of streamed colours), so it wakes on every state change to note
// the finals, and looks at the log for the area's hand-back to REST.
func (w *world) watch() {
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	for {
		ch := w.emu.Changed()
		now := time.Now()
		w.mu.Lock()
		for id := range w.finals {
			w.noteLocked(id, now)
		}
		w.landLocked()
		w.mu.Unlock()
		select {
		case <-ch:
		case <-t.C:
		case <-w.watchStop:
			return
		}
	}
}

func (w *world) report() *report {
	r := &report{Published: w.pub.published()}
	cmds := w.emu.Commands()
	for _, c := range cmds {
		r.Commands = append(r.Commands, cmdRecord{At: c.Time.UnixNano(), Status: c.Status})
	}
	if w.sc.Area {
		r.Stream = streamFigures(w.emu.Requests(), cmds, w.emu.StreamStats().Accepted)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for id := range w.sc.Lights {
		f := w.finals[strconv.Itoa(id+1)]
		if f == nil {
			continue
		}
		l, _ := w.emu.Light(f.Light)
		f.Correct = l.On && l.Bri == f.Value
		r.Finals = append(r.Finals, *f)
	}
	return r
}
