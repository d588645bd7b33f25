package gateway

import (
	"context"
	"sync"
	"time"
)

// pauser is the bridge-wide backoff. When the bridge fails (down, 429, 5xx,
// garbage) every worker waits out the pause before its next request, so a
// dead bridge sees about one probe per pause instead of the whole budget; the
// pause doubles up to max and ends with the first success, which also wakes
// every worker still waiting it out. max bounds how long a bridge that is
// back goes unnoticed, so it stays short: a second.
type pauser struct {
	min, max time.Duration

	mu     sync.Mutex
	until  time.Time
	cur    time.Duration
	healed chan struct{} // closed by reset; nil while nobody waits
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
	defer p.mu.Unlock()
	p.cur, p.until = 0, time.Time{}
	if p.healed != nil {
		close(p.healed)
		p.healed = nil
	}
}

// failing reports whether the last request failed.
func (p *pauser) failing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cur > 0
}

// paused reports whether requests must wait now.
func (p *pauser) paused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Now().Before(p.until)
}

// wait returns when the pause is over or a request succeeded meanwhile.
func (p *pauser) wait(ctx context.Context) error {
	p.mu.Lock()
	d := time.Until(p.until)
	if d <= 0 {
		p.mu.Unlock()
		return ctx.Err()
	}
	if p.healed == nil {
		p.healed = make(chan struct{})
	}
	healed := p.healed
	p.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-healed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
