package gateway

import (
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt"
)

// echoWindow is how long huegate waits for the broker to deliver its own sync
// publish back to it.
const echoWindow = 5 * time.Second

// echo is a value huegate published to a shared topic itself; when the broker
// delivers it back, huegate must not act on it.
type echo struct {
	payload string
	until   time.Time
}

// maxEchoes bounds the echoes a topic waits for; more than a few are never
// in flight at once.
const maxEchoes = 16

// echoes are a topic's own sync publishes not yet delivered back, oldest
// first. The same value may be published twice before the first comes back
// (the start-up sync runs after the first poll and again on connect): each
// publish expects one delivery, so neither is taken for a new value.
type echoes struct {
	mu      sync.Mutex
	pending []echo
}

// expect records a publish whose delivery must be ignored.
func (e *echoes) expect(payload string, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pending = slices.DeleteFunc(e.pending, func(x echo) bool { return !now.Before(x.until) })
	if len(e.pending) == maxEchoes {
		e.pending = e.pending[1:]
	}
	e.pending = append(e.pending, echo{payload: payload, until: now.Add(echoWindow)})
}

// cancel forgets the newest expected delivery of payload: its publish failed.
func (e *echoes) cancel(payload string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := len(e.pending) - 1; i >= 0; i-- {
		if e.pending[i].payload == payload {
			e.pending = slices.Delete(e.pending, i, i+1)
			return
		}
	}
}

// isEcho reports whether payload is the delivery of one of huegate's own
// publishes, and consumes it. The broker delivers a topic's messages in
// order, so publishes older than the one matched will not come back.
func (e *echoes) isEcho(payload []byte, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, x := range e.pending {
		if x.payload == string(payload) && now.Before(x.until) {
			e.pending = e.pending[i+1:]
			return true
		}
	}
	return false
}

// syncsFrom reports whether the route syncs from light id on pool p: only
// the mapping's first light is the source.
func (r *route) syncsFrom(p *pool, id string) bool {
	return r.m.Sync && r.pool == p && len(r.slots) > 0 && r.slots[0].kind == kindLight && r.slots[0].id == id
}

// synced handles a change made outside huegate to light id: every sync
// mapping whose first light it is publishes the light's value, converted
// into the mapping's range, retained to its topic, and the mapping's other
// lights follow. The light that changed gets no command, and the broker's
// echo of the publish is ignored, so nothing loops. A publish made while the
// broker is away is made again, with the bridge's state, on connect.
func (g *Gateway) synced(p *pool, id string, l mapping.Level) {
	for topic, r := range *g.routes.Load() {
		if r.syncsFrom(p, id) {
			g.syncRoute(topic, r, l, true)
		}
	}
}

// syncAtStart publishes the bridge's current state to every sync mapping's
// topic once the first poll is in, and on every connect after it: the
// bridge's state wins over whatever the topic held while huegate (or the
// broker) was down. No command is sent.
func (g *Gateway) syncAtStart(p *pool, levelOf func(string) (mapping.Level, bool)) {
	for topic, r := range *g.routes.Load() {
		if !r.m.Sync || r.pool != p || len(r.slots) == 0 || r.slots[0].kind != kindLight {
			continue
		}
		if l, ok := levelOf(r.slots[0].id); ok {
			g.syncRoute(topic, r, l, false)
		}
	}
}

func (g *Gateway) syncRoute(topic string, r *route, l mapping.Level, follow bool) {
	v := r.m.Range.Value(l)
	payload := strconv.FormatFloat(v, 'f', -1, 64)
	r.echo.expect(payload, time.Now())
	if err := g.broker.Publish(topic, []byte(payload), true); err != nil {
		r.echo.cancel(payload) // no echo is coming
		ev := g.log.Warn()
		if errors.Is(err, mqtt.ErrNotConnected) {
			ev = g.log.Debug() // expected while the broker is away; made again on connect
		}
		ev.Err(err).Str("topic", topic).Msg("sync: could not publish the light's value; it goes out on reconnect")
	} else if follow {
		g.log.Info().Str("topic", topic).Str("value", payload).Msg("sync: light changed outside huegate")
	} else {
		g.log.Info().Str("topic", topic).Str("value", payload).Msg("sync: the bridge's state published to the topic")
	}
	if follow {
		st := r.command(r.m.Range.Level(v))
		now := time.Now()
		for _, s := range r.slots[1:] {
			r.pool.set(s, st, 0, now)
		}
	}
}
