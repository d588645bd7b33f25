package gateway

import (
	"context"
	"errors"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/mapping"
)

// runPoll reads the bridge's lights and groups every poll interval (one
// request each, never one per light), at once when the event stream says
// something changed, and less often while the stream is up. While the bridge
// fails, polls back off up to a minute.
func (s *bridgeState) runPoll(ctx context.Context) {
	backoff := time.Duration(0)
	for {
		start := time.Now()
		err := s.poll(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := s.interval()
		if err != nil {
			backoff = min(max(2*backoff, s.opts.PollInterval), time.Minute)
			wait = backoff
			s.g.pollWarn.Warn().Err(err).Dur("retry_in", wait).Msg("reading the bridge's state failed")
		} else {
			backoff = 0
		}
		wait -= time.Since(start)
		if !s.sleep(ctx, wait, start.Add(minPollGap)) {
			return
		}
	}
}

// minPollGap spaces polls that the event stream asks for: during a flood
// every command is an event, and the bridge must not be read continuously.
const minPollGap = 150 * time.Millisecond

func (s *bridgeState) interval() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stream {
		return s.opts.SafetyPoll
	}
	return s.opts.PollInterval
}

// sleep waits d, or until poked but not before notBefore; false when ctx
// ended.
func (s *bridgeState) sleep(ctx context.Context, d time.Duration, notBefore time.Time) bool {
	t := time.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	case <-s.poke:
	}
	return sleepCtx(ctx, time.Until(notBefore))
}

func (s *bridgeState) poll(ctx context.Context) error {
	start := time.Now()
	lights, err := s.pool.bridge.Lights(ctx)
	if err == nil && len(lights) == 0 && s.hadLights() {
		// A bridge does not lose every light at once: an empty answer ({} or
		// null) from one that had lights is a glitch, not a removal that
		// would clear every state topic and Home Assistant entity.
		return errNoLights
	}
	if err == nil {
		var groups []hue.Group
		if groups, err = s.pool.bridge.Groups(ctx); err == nil {
			s.setOnline(!s.commandsFailing())
			s.applyPoll(lights, groups, start)
			s.afterPoll(ctx)
			return nil
		}
	}
	if hue.Unusable(err) {
		s.setOnline(false)
	}
	return err
}

func (s *bridgeState) commandsFailing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmdFailing
}

var errNoLights = errors.New("the bridge answered no lights at all; taken for a glitch, the state in force stays")

func (s *bridgeState) hadLights() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lights) > 0
}

// applyPoll folds a poll into the cache and publishes what changed. A light
// huegate has a command pending for, or commanded after the poll started, is
// left alone: the poll's view of it is already stale. Any other difference
// was made outside huegate (the Hue app, a switch, a schedule).
func (s *bridgeState) applyPoll(lights []hue.Light, groups []hue.Group, start time.Time) {
	var changed []hue.Light
	s.mu.Lock()
	slugs := mapping.Slugs(named(lights, func(l hue.Light) (string, string) { return l.ID, l.Name }))
	seen := make(map[string]bool, len(lights))
	for _, l := range lights {
		seen[l.ID] = true
		e := s.lights[l.ID]
		if e == nil {
			e = &entry{}
			s.lights[l.ID] = e
		} else if e.commanded.After(start) || s.pool.busy(kindLight, l.ID) {
			continue
		} else if s.polled && level(e.light.State) != level(l.State) {
			changed = append(changed, l)
		}
		s.moveTopic(e, slugs[l.ID], s.lightTopic)
		e.light = l
		s.publish(e, s.lightTopic(e.slug), lightPayload(l))
	}
	s.forget(s.lights, seen, s.lightTopic)
	s.applyGroups(groups, start)
	s.sendClears()
	first := !s.polled
	s.polled = true
	s.mu.Unlock()
	s.firstPollOnce.Do(func() { close(s.firstPoll) })
	for _, l := range changed {
		s.g.synced(s.pool, l.ID, level(l.State))
	}
	if first {
		s.g.syncAtStart(s.pool, s.lightLevel)
	}
}

func (s *bridgeState) applyGroups(groups []hue.Group, start time.Time) {
	slugs := mapping.Slugs(named(groups, func(g hue.Group) (string, string) { return g.ID, g.Name }))
	seen := make(map[string]bool, len(groups))
	for _, g := range groups {
		seen[g.ID] = true
		e := s.groups[g.ID]
		if e == nil {
			e = &entry{}
			s.groups[g.ID] = e
		} else if e.commanded.After(start) || s.pool.busy(kindGroup, g.ID) {
			continue
		}
		s.moveTopic(e, slugs[g.ID], s.groupTopic)
		e.group = g
		s.publish(e, s.groupTopic(e.slug), s.groupState(g))
	}
	s.forget(s.groups, seen, s.groupTopic)
}

// moveTopic handles a rename: the old retained state is cleared so no
// topic is left describing a light under a name it no longer has.
func (s *bridgeState) moveTopic(e *entry, slug string, topic func(string) string) {
	if e.slug == slug {
		return
	}
	if e.published != nil {
		s.clears = append(s.clears, topic(e.slug))
		e.published = nil
	}
	e.slug = slug
}

// sendClears clears the topics lights and groups left in this poll, except
// those another light or group took in the same poll (two lights swapping
// names, a light re-added under a new id): a clear sent after the new
// owner's state would wipe it. Callers hold s.mu.
func (s *bridgeState) sendClears() {
	if len(s.clears) == 0 {
		return
	}
	owned := s.ownedTopics()
	for _, t := range s.clears {
		if !owned[t] {
			s.g.out.put(t, nil)
		}
	}
	s.clears = s.clears[:0]
}

// forget clears the retained state of lights or groups the bridge no longer has.
func (s *bridgeState) forget(m map[string]*entry, seen map[string]bool, topic func(string) string) {
	for id, e := range m {
		if !seen[id] {
			s.clears = append(s.clears, topic(e.slug))
			delete(m, id)
		}
	}
}

func (s *bridgeState) lightLevel(id string) (mapping.Level, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.lights[id]
	if e == nil {
		return mapping.Level{}, false
	}
	return level(e.light.State), true
}

// runStream keeps the event stream connected where the bridge offers one,
// poking the poller on every change; polling alone carries on when it is not.
func (s *bridgeState) runStream(ctx context.Context) {
	backoff := time.Second
	for {
		err := s.pool.bridge.Stream(ctx, func() { s.setStream(true); backoff = time.Second }, s.pokePoll)
		s.setStream(false)
		if ctx.Err() != nil {
			return
		}
		s.g.log.Debug().Err(err).Dur("retry_in", backoff).Msg("event stream unavailable; polling")
		if !sleepCtx(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, 5*time.Minute)
	}
}

func (s *bridgeState) setStream(up bool) {
	s.mu.Lock()
	s.stream = up
	s.mu.Unlock()
	if up {
		s.pokePoll() // catch up on anything missed while the stream was down
	}
}

func (s *bridgeState) pokePoll() {
	select {
	case s.poke <- struct{}{}:
	default:
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func named[T any](items []T, f func(T) (string, string)) []mapping.Named {
	out := make([]mapping.Named, len(items))
	for i, it := range items {
		out[i].ID, out[i].Name = f(it)
	}
	return out
}
