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
	f := w.finals[id]
	if f == nil || f.Applied != 0 || f.Published == 0 {
		return
	}
	if l, _ := w.emu.Light(id); l.On && l.Bri == f.Value {
		f.Applied = c.Time.UnixNano()
		w.waiting--
		if w.waiting == 0 {
			close(w.landed)
		}
	}
}

func (w *world) report() *report {
	r := &report{Published: w.pub.published()}
	for _, c := range w.emu.Commands() {
		r.Commands = append(r.Commands, cmdRecord{At: c.Time.UnixNano(), Status: c.Status})
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
