package mqtt

import (
	"bytes"
	"errors"
	"fmt"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Publish sends payload to topic at Options.QoS. It does not wait for the
// broker's acknowledgement, so it may be called from a Handler. It blocks only
// while paho's writer cannot take the message, which happens when the network
// is stuck, and then for at most 5s. The topic must not be empty or contain +
// or #. While disconnected it returns ErrNotConnected and the message is
// dropped, not queued: republish state from an OnConnect callback. The payload
// is copied.
func (c *Client) Publish(topic string, payload []byte, retained bool) error {
	if err := validateTopicName(topic); err != nil {
		return err
	}
	if c.closed.Load() {
		return ErrClosed
	}
	if !c.paho().IsConnectionOpen() {
		return ErrNotConnected
	}
	return c.publish(topic, bytes.Clone(payload), retained)
}

// publish hands the message to paho and reports only errors paho already
// knows of; delivery failures later on surface as a lost connection.
func (c *Client) publish(topic string, payload []byte, retained bool) error {
	tok := c.paho().Publish(topic, c.opts.QoS, retained, payload)
	select {
	case <-tok.Done():
	default:
		return nil
	}
	switch err := tok.Error(); {
	case err == nil:
		return nil
	case errors.Is(err, paho.ErrNotConnected):
		return ErrNotConnected
	default:
		return fmt.Errorf("mqtt: publish to %q: %s", topic, c.redact(err))
	}
}
