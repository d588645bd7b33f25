package gateway

import (
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// rateLog lets a burst of lines through per period and counts the rest, so a
// flood of junk or a dead bridge cannot fill a disk. The next line that gets
// through says how many were suppressed.
type rateLog struct {
	log    zerolog.Logger
	burst  int
	period time.Duration

	mu         sync.Mutex
	start      time.Time
	n          int
	suppressed int
}

func newRateLog(log zerolog.Logger, burst int, period time.Duration) *rateLog {
	return &rateLog{log: log, burst: burst, period: period}
}

// Warn returns an event to fill in, or nil (which zerolog ignores) when the
// budget for this period is spent.
func (r *rateLog) Warn() *zerolog.Event { return r.event(zerolog.WarnLevel) }

// Error is Warn at error level.
func (r *rateLog) Error() *zerolog.Event { return r.event(zerolog.ErrorLevel) }

func (r *rateLog) event(level zerolog.Level) *zerolog.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if now.Sub(r.start) >= r.period {
		r.start, r.n = now, 0
	}
	if r.n >= r.burst {
		r.suppressed++
		return nil
	}
	r.n++
	e := r.log.WithLevel(level)
	if r.suppressed > 0 {
		e = e.Int("suppressed", r.suppressed)
		r.suppressed = 0
	}
	return e
}

// Suppressed is how many lines are waiting to be reported.
func (r *rateLog) Suppressed() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.suppressed
}
