package gateway

import (
	"context"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// takeToken waits until lim has a token now, and takes it. rate.Limiter's
// Wait reserves a future token for every waiting worker; on a busy machine
// the sleeping workers wake late and together, and their commands reach the
// bridge in a bunch, over its budget. takeToken reserves nothing ahead: a
// worker that wakes late finds one token, and the others wait for the next.
func takeToken(ctx context.Context, lim *rate.Limiter) error {
	for {
		if lim.Allow() {
			return nil
		}
		missing := 1 - lim.Tokens()
		d := time.Duration(missing / float64(lim.Limit()) * float64(time.Second))
		if !sleepCtx(ctx, max(d, time.Millisecond)) {
			return ctx.Err()
		}
	}
}

// turns lets the workers waiting for one budget through in the order they
// came. Without it, workers polling for the same token win it by chance, and
// one light on a topic could get several commands before another sharing
// the topic got its first.
type turns struct {
	mu    sync.Mutex
	queue []chan struct{} // the head's is closed: its turn
}

// wait returns once every earlier waiter is done; call done when finished
// with the budget.
func (t *turns) wait(ctx context.Context) (done func(), err error) {
	ch := make(chan struct{})
	t.mu.Lock()
	t.queue = append(t.queue, ch)
	if len(t.queue) == 1 {
		close(ch)
	}
	t.mu.Unlock()
	select {
	case <-ch:
		return func() { t.leave(ch) }, nil
	case <-ctx.Done():
		t.leave(ch)
		return nil, ctx.Err()
	}
}

// leave takes ch out of the queue, handing the turn on if it had it.
func (t *turns) leave(ch chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := slices.Index(t.queue, ch)
	if i < 0 {
		return
	}
	t.queue = slices.Delete(t.queue, i, i+1)
	if i == 0 && len(t.queue) > 0 {
		close(t.queue[0])
	}
}
