package gateway

import (
	"context"

	"github.com/huegate/huegate/hue"
)

// addStates gives every bridge its state mirror. With one bridge the topics
// are <prefix>/lights/...; with several, <prefix>/<bridge>/lights/....
func (g *Gateway) addStates(o StateOptions) {
	for _, name := range g.names {
		base := o.Prefix
		if len(g.names) > 1 {
			base += "/" + name
		}
		p := g.pools[name]
		p.state = newBridgeState(g, p, name, base, o)
		g.states = append(g.states, p.state)
	}
	g.broker.OnConnect(func() {
		for _, s := range g.states {
			s.connectOnce.Do(func() { close(s.connected) })
			if s.republish() {
				// The first poll may have finished before the broker was
				// up, and a restarted broker has lost the retained value:
				// the bridge's state goes to the sync topics on every connect.
				g.syncAtStart(s.pool, s.lightLevel)
			}
		}
	})
}

func (g *Gateway) startStates(ctx context.Context) {
	for _, s := range g.states {
		g.workers.Go(func() { s.runPoll(ctx) })
		g.workers.Go(func() { s.sweepStale(ctx) })
		g.workers.Go(func() { s.runStream(ctx) })
	}
}

// commandDone updates availability from a command's outcome and publishes
// the optimistic state of a command the bridge accepted.
func (s *bridgeState) commandDone(k kind, id string, st hue.State, err error) {
	failing := hue.Unusable(err)
	s.mu.Lock()
	s.cmdFailing = failing
	s.mu.Unlock()
	s.setOnline(!failing)
	if err == nil {
		s.applyCommand(k, id, st)
	}
}
