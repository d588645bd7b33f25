package gateway

import (
	"bytes"

	"github.com/huegate/huegate/mqtt"
)

// maxHeld bounds the commands kept while the bridge has not been read yet:
// newest per topic, so only a client making up topics could reach it.
const maxHeld = 1024

// heldCommand is a set-topic message that arrived before the bridge's
// lights, groups and scenes were known.
type heldCommand struct {
	k      kind
	prefix string
	msg    mqtt.Message
}

// held keeps set-topic commands until the first read of the bridge has
// named its lights, groups and scenes: huegate subscribes its set topics
// as it starts, and a command that arrives in that moment (or while the
// bridge is still down) would otherwise be refused as an unknown light.
// Guarded by bridgeState.mu.
type held struct {
	ready  bool // the first read is done and every held command replayed
	topics []string
	cmds   map[string]heldCommand // newest per topic
}

// hold keeps msg when the bridge is not read yet; it reports whether it
// did. Never blocks: it runs on the MQTT client's delivery path.
func (s *bridgeState) hold(k kind, prefix string, msg mqtt.Message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := &s.held
	if h.ready {
		return false
	}
	if h.cmds == nil {
		h.cmds = make(map[string]heldCommand)
	}
	if _, ok := h.cmds[msg.Topic]; !ok {
		if len(h.topics) >= maxHeld {
			s.pool.warn.Warn().Str("topic", msg.Topic).Msg("command dropped: too many set topics before the bridge was read")
			return true
		}
		h.topics = append(h.topics, msg.Topic)
	}
	msg.Payload = bytes.Clone(msg.Payload) // kept past the handler's return
	h.cmds[msg.Topic] = heldCommand{k: k, prefix: prefix, msg: msg}
	return true
}

// release replays the held commands in arrival order, once the bridge is
// known. Commands arriving meanwhile are held too and replayed in the next
// round, so none overtakes an older one.
func (s *bridgeState) release() {
	for {
		s.mu.Lock()
		h := &s.held
		if len(h.topics) == 0 {
			h.ready = true
			s.mu.Unlock()
			return
		}
		topics, cmds := h.topics, h.cmds
		h.topics, h.cmds = nil, nil
		s.mu.Unlock()
		for _, t := range topics {
			c := cmds[t]
			s.apply(c.k, c.prefix, c.msg)
		}
	}
}
