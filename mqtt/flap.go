package mqtt

import (
	"math/rand/v2"
	"time"
)

// Two clients with one client id take turns: the broker closes the older
// connection whenever the other connects, each reconnects at once, and
// both flap for ever (hundreds of times a minute on loopback). What a
// client sees is a broker that keeps closing its connection although it
// takes a new one straight away. flapWatch counts such losses: flapLosses of them
// within flapWindow begin the pattern, and while it lasts the client waits
// before reconnecting after a loss: flapFirstPause, doubling up to
// flapPause, each plus up to half of it so two clients drift apart. The
// pause grows step by step, not at once, so that the other client is
// taken over a few more times and notices too. A broker that restarts, or
// a network that drops, refuses the next attempt and is not counted.
const (
	flapWindow     = time.Minute
	flapLosses     = 3
	flapFirstPause = 2 * time.Second
	flapPause      = 30 * time.Second
	// flapCalm ends the pattern: a connection that lasted this long was
	// not taken over (a pause is at most 45 s, so in the pattern the
	// other client takes over sooner).
	flapCalm = 2 * time.Minute
)

// flapWatch is used by the connection loop alone.
type flapWatch struct {
	losses   []time.Time // losses within flapWindow that the next attempt recovered from
	lostAt   time.Time   // the last loss, until the next attempt tells what it was
	flapping bool
	next     time.Duration // while flapping: the pause after the next loss
}

// lost records that the broker closed a connection made at up, now.
func (f *flapWatch) lost(up, now time.Time) {
	if now.Sub(up) >= flapCalm {
		f.flapping, f.losses = false, f.losses[:0]
	}
	f.lostAt = now
}

// attempted records how the first attempt after a loss went: when it
// connected, the broker had closed a connection it was ready to take
// again. It reports whether that began the pattern.
func (f *flapWatch) attempted(connected bool, now time.Time) (began bool) {
	at := f.lostAt
	f.lostAt = time.Time{}
	if at.IsZero() || !connected || f.flapping {
		return false
	}
	recent := f.losses[:0]
	for _, t := range f.losses {
		if now.Sub(t) < flapWindow {
			recent = append(recent, t)
		}
	}
	f.losses = append(recent, at)
	if len(f.losses) < flapLosses {
		return false
	}
	f.flapping, f.losses, f.next = true, f.losses[:0], flapFirstPause
	return true
}

// pause is the pause before reconnecting after a loss: p, or longer while
// the pattern lasts.
func (f *flapWatch) pause(p time.Duration) time.Duration {
	if !f.flapping {
		return p
	}
	d := f.next
	f.next = min(2*d, flapPause)
	return max(p, d+rand.N(d/2))
}

// attempted tells flaps how a connection attempt went, and warns once
// when the pattern begins.
func (c *Client) attempted(connected bool) {
	if !c.flaps.attempted(connected, time.Now()) {
		return
	}
	c.log.Warn().Str("client_id", c.opts.ClientID).Str("broker", c.broker).Int("losses", flapLosses).
		Dur("within", flapWindow).
		Msg("mqtt broker keeps closing the connection although it takes a new one at once: another client most likely uses the same mqtt.client_id; give each huegate its own mqtt.client_id. Reconnecting less often meanwhile, up to every 30-45s")
}
