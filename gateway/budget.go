package gateway

import (
	"context"
	"math"
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

// budget is one of a bridge's command budgets: a token bucket that spaces
// commands 1/rate apart, and a window that lets no more than rate commands
// start in any second. The bucket alone allows rate+1 in a window that
// begins and ends on a command, and request latency jitters: a bridge that
// counts strictly would answer the extra one with 429. The window is a
// little longer than a second to absorb that jitter.
type budget struct {
	tokens *rate.Limiter

	mu   sync.Mutex
	sent []time.Time // the last n start times, a ring
	next int
	span time.Duration
}

// windowSlack absorbs the difference between when a command starts here
// and when the bridge counts it.
const windowSlack = 50 * time.Millisecond

func newBudget(perSecond float64) *budget {
	n := max(1, int(math.Floor(perSecond)))
	return &budget{
		tokens: rate.NewLimiter(rate.Limit(perSecond), 1),
		sent:   make([]time.Time, n),
		span:   time.Second + windowSlack,
	}
}

// take waits until a command may start now, and counts it.
func (b *budget) take(ctx context.Context) error {
	if err := takeToken(ctx, b.tokens); err != nil {
		return err
	}
	for {
		b.mu.Lock()
		now := time.Now()
		d := b.sent[b.next].Add(b.span).Sub(now)
		if d <= 0 {
			b.sent[b.next] = now
			b.next = (b.next + 1) % len(b.sent)
			b.mu.Unlock()
			return nil
		}
		b.mu.Unlock()
		if !sleepCtx(ctx, d) {
			return ctx.Err()
		}
	}
}
