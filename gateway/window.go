package gateway

import (
	"context"
	"sync"
	"time"
)

// window holds a budget of n commands per span over every span, as the
// bridge counts, not just on average as the token bucket does.
//
// The bridge counts a command somewhere between huegate sending it and its
// answer arriving; a busy machine can stretch that interval arbitrarily. So
// a command takes one of n places when it starts and dates it when its answer
// comes: a span after that date the bridge has surely stopped counting it,
// and only then may another command take the place. However late a request
// reaches the bridge or its answer comes back, the bridge never sees more
// than n commands within one span. The price is a command's latency per n
// commands: at 30 ms per request, 10 per second become 9.7.
type window struct {
	span time.Duration

	mu    sync.Mutex
	done  []time.Time   // per place: when its last command was answered; zero if never used
	busy  []bool        // per place: a command is under way
	freed chan struct{} // signalled when a command ends
}

func newWindow(n int, span time.Duration) *window {
	n = max(1, n)
	return &window{span: span, done: make([]time.Time, n), busy: make([]bool, n), freed: make(chan struct{}, 1)}
}

// lightWindow is the window of a light budget of rate commands per second:
// ⌊rate⌋ in any second, and at least one.
func lightWindow(rate float64) *window { return newWindow(int(rate), time.Second) }

// acquire waits for a place, takes it and returns it for release.
func (w *window) acquire(ctx context.Context) (int, error) {
	for {
		place, wait := w.try(time.Now())
		if place >= 0 {
			w.wake() // another place may be free too: let the next waiter look
			return place, nil
		}
		if err := w.sleep(ctx, wait); err != nil {
			return -1, err
		}
	}
}

// sleep waits d, or until a command ends when d is 0.
func (w *window) sleep(ctx context.Context, d time.Duration) error {
	var timer <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer:
	case <-w.freed:
	}
	return nil
}

// try takes the place free longest if one is free, or says how long until
// one will be (0: until a command under way ends).
func (w *window) try(now time.Time) (int, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	best := -1
	for i := range w.done {
		if !w.busy[i] && (best < 0 || w.done[i].Before(w.done[best])) {
			best = i
		}
	}
	if best < 0 {
		return -1, 0
	}
	if free := w.done[best].Add(w.span); now.Before(free) {
		return -1, free.Sub(now)
	}
	w.busy[best] = true
	return best, 0
}

// release dates a place with its command's answer and frees it.
func (w *window) release(place int) {
	w.mu.Lock()
	w.busy[place], w.done[place] = false, time.Now()
	w.mu.Unlock()
	w.wake()
}

func (w *window) wake() {
	select {
	case w.freed <- struct{}{}:
	default:
	}
}
