package gateway

import (
	"context"
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
