package gateway

import (
	"context"
	"sync"
	"time"

	"github.com/huegate/huegate/mqtt"
)

// sweepWindow is how long the sweep listens for the broker's retained
// state topics: it sends them at once on subscribing, so a couple of
// seconds is plenty even for a slow broker.
const sweepWindow = 2 * time.Second

// sweepStale clears, once per run, the retained state topics under this
// bridge's base that no light or group owns now: lights renamed or removed
// while huegate was down would otherwise describe lights that are gone,
// for ever. It waits for the first read of the bridge and a connection to
// the broker, since ownership and the retained topics come from them.
func (s *bridgeState) sweepStale(ctx context.Context) {
	select {
	case <-ctx.Done():
		return
	case <-s.firstPoll:
	}
	select {
	case <-ctx.Done():
		return
	case <-s.connected:
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	collect := func(msg mqtt.Message) {
		if msg.Retained && len(msg.Payload) > 0 {
			mu.Lock()
			seen[msg.Topic] = true
			mu.Unlock()
		}
	}
	filters := []string{s.base + "/lights/+/state", s.base + "/groups/+/state"}
	// First, so a subscription left remembered by a failure is dropped too.
	// Once huegate stops, ctx has ended: the unsubscribe is sent, not waited for.
	defer func() { _ = s.g.broker.Unsubscribe(ctx, filters...) }()
	if err := s.g.broker.Subscribe(ctx, collect, filters...); err != nil {
		s.g.log.Debug().Err(err).Msg("stale state topics not swept")
		return
	}
	if !sleepCtx(ctx, sweepWindow) {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	owned := s.ownedTopics()
	n := 0
	for t := range seen {
		if !owned[t] {
			s.g.out.put(t, nil)
			n++
		}
	}
	if n > 0 {
		s.g.log.Info().Int("topics", n).Msg("cleared retained states of lights and groups the bridge no longer has")
	}
}

// ownedTopics are the state topics of the lights and groups the mirror
// knows. Callers hold s.mu.
func (s *bridgeState) ownedTopics() map[string]bool {
	owned := make(map[string]bool, len(s.lights)+len(s.groups))
	for _, e := range s.lights {
		owned[s.lightTopic(e.slug)] = true
	}
	for _, e := range s.groups {
		owned[s.groupTopic(e.slug)] = true
	}
	return owned
}
