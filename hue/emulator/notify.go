package emulator

import (
	"context"
	"fmt"
	"time"
)

// Change tells that a resource's state changed, whoever changed it: a
// command over HTTP, a scene recall, or a test calling SetLightState.
// It is the seam a push channel (CLIP v2 events) can be built on.
type Change struct {
	Time     time.Time
	Resource string // "/lights/3" or "/groups/1"
}

type hook struct {
	id int
	f  func(Change)
}

// OnChange calls f after every state change, in the goroutine that made
// the change and after the bridge's lock is released, so f may read the
// bridge but must not block. The returned func unregisters f.
func (b *Bridge) OnChange(f func(Change)) (stop func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextHookID++
	id := b.nextHookID
	b.hooks = append(b.hooks, hook{id: id, f: f})
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for i, h := range b.hooks {
			if h.id == id {
				b.hooks = append(b.hooks[:i:i], b.hooks[i+1:]...)
				return
			}
		}
	}
}

// Changed returns a channel that is closed at the next state change.
// Take it before reading the state you wait on, so no change slips by.
func (b *Bridge) Changed() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stateCh
}

// WaitLight waits until the light exists and cond holds for its state.
func (b *Bridge) WaitLight(ctx context.Context, id string, cond func(LightState) bool) error {
	for {
		b.mu.Lock()
		ch := b.stateCh
		_, ok := b.lights[id]
		var st LightState
		if ok {
			st = b.lightStateLocked(id)
		}
		b.mu.Unlock()
		if ok && cond(st) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("emulator: wait for light %q (now %+v): %w", id, st, ctx.Err())
		}
	}
}

// changedLocked wakes waiters and returns the call that runs the hooks;
// call it with b.mu held and the returned func after unlocking.
func (b *Bridge) changedLocked(resources ...string) func() {
	close(b.stateCh)
	b.stateCh = make(chan struct{})
	hooks := append([]hook(nil), b.hooks...)
	now := b.now()
	return func() {
		for _, r := range resources {
			for _, h := range hooks {
				h.f(Change{Time: now, Resource: r})
			}
		}
	}
}
