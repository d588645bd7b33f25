package gateway

import (
	"time"

	"github.com/huegate/huegate/hue"
)

// Events receives what happens in the gateway: the hook for metrics and for
// publishing state back. Implementations must be quick and must not block:
// Received and Rejected run on the MQTT message path.
type Events interface {
	// Received is a message on a mapped topic.
	Received(topic string)
	// Rejected is a payload that could not be read; reason is fixed and short.
	Rejected(topic, reason string)
	// Coalesced is an unsent value replaced by a newer one.
	Coalesced(topic string)
	// Sent is a bridge command's outcome; newest is when the value sent
	// arrived. err is nil on success.
	Sent(kind, id string, st hue.State, newest time.Time, err error)
}

// NopEvents ignores everything.
type NopEvents struct{}

func (NopEvents) Received(string)                                  {}
func (NopEvents) Rejected(string, string)                          {}
func (NopEvents) Coalesced(string)                                 {}
func (NopEvents) Sent(string, string, hue.State, time.Time, error) {}

// Tee sends every event to each of es in turn.
func Tee(es ...Events) Events { return tee(es) }

type tee []Events

func (t tee) Received(topic string) {
	for _, e := range t {
		e.Received(topic)
	}
}

func (t tee) Rejected(topic, reason string) {
	for _, e := range t {
		e.Rejected(topic, reason)
	}
}

func (t tee) Coalesced(topic string) {
	for _, e := range t {
		e.Coalesced(topic)
	}
}

func (t tee) Sent(kind, id string, st hue.State, newest time.Time, err error) {
	for _, e := range t {
		e.Sent(kind, id, st, newest, err)
	}
}
