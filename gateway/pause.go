package gateway

import (
	"context"
	"sync"
	"time"
)

// pauser is the bridge-wide backoff. When the bridge fails (down, 429, 5xx,
// garbage) every worker waits out the pause before its next request, so a
// dead bridge sees a few probes a second at most instead of the whole
// budget; the pause doubles up to max and ends with the first success.
type pauser struct {
	min, max time.Duration

	mu    sync.Mutex
	until time.Time
	cur   time.Duration
}

func (p *pauser) fail() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cur = min(max(p.cur*2, p.min), p.max)
	p.until = time.Now().Add(p.cur)
	return p.cur
}

func (p *pauser) reset() {
	p.mu.Lock()
	p.cur, p.until = 0, time.Time{}
	p.mu.Unlock()
}

// failing reports whether the last request failed.
func (p *pauser) failing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cur > 0
}

func (p *pauser) wait(ctx context.Context) error {
	p.mu.Lock()
	d := time.Until(p.until)
	p.mu.Unlock()
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
