package mqtt

import (
	"errors"
	"fmt"
	"slices"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Message is a message received from the broker. Payload is shared by every
// handler the message is delivered to: read it, do not modify it.
type Message struct {
	Topic   string
	Payload []byte
	// Retained is true when the broker sent a stored retained message, which
	// happens right after subscribing; live messages arrive with it false.
	Retained bool
}

// Handler receives messages. It runs on paho's delivery goroutine, one message
// at a time in broker order, so it must return quickly: hand the work to
// another goroutine (for example by storing the newest value and signalling).
type Handler func(Message)

type route struct {
	filter string // as subscribed
	match  string // filter that incoming topics are matched against
	h      Handler
}

// Subscribe remembers h for the topic filter (wildcards + and # allowed) and,
// if connected, subscribes now and waits for the broker's answer. The
// subscription is made again on every reconnect. Subscribing to a filter again
// replaces its handler. If the broker refuses the filter, it is forgotten and
// the error wraps ErrSubscribeRefused; after other errors (connection lost, no
// answer) it stays remembered for the next connect.
//
// Do not call it from a Handler: paho reads the broker's answer on a goroutine
// that waits for handlers to return, so it would wait until its timeout.
func (c *Client) Subscribe(filter string, h Handler) error {
	if h == nil {
		return fmt.Errorf("mqtt: subscribe to %q: nil handler", filter)
	}
	if err := validateFilter(filter); err != nil {
		return err
	}
	if c.closed.Load() {
		return ErrClosed
	}
	c.setRoute(filter, h)
	// A connection that comes up after this check resubscribes from routes,
	// which already hold the filter.
	if !c.paho().IsConnectionOpen() {
		return nil
	}
	refused, err := c.awaitSubscribe(c.paho().Subscribe(filter, c.opts.QoS, nil))
	if err != nil {
		return fmt.Errorf("mqtt: subscribe to %q: %w", filter, err)
	}
	if len(refused) > 0 {
		c.deleteRoute(filter)
		return fmt.Errorf("%w: %q", ErrSubscribeRefused, filter)
	}
	return nil
}

// Unsubscribe forgets the filter: its handler gets no further messages, and if
// connected the broker is told. Unknown filters are ignored.
func (c *Client) Unsubscribe(filter string) error {
	if !c.deleteRoute(filter) || !c.paho().IsConnectionOpen() {
		return nil
	}
	if err := c.await(c.paho().Unsubscribe(filter)); err != nil {
		return fmt.Errorf("mqtt: unsubscribe from %q: %w", filter, err)
	}
	return nil
}

func (c *Client) setRoute(filter string, h Handler) {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	routes := slices.Clone(c.routes.Load().list)
	r := route{filter: filter, match: shareFilter(filter), h: h}
	if i := slices.IndexFunc(routes, func(r route) bool { return r.filter == filter }); i >= 0 {
		routes[i] = r
	} else {
		routes = append(routes, r)
	}
	c.routes.Store(newRouteTable(routes))
}

func (c *Client) deleteRoute(filter string) bool {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	old := c.routes.Load().list
	routes := slices.DeleteFunc(slices.Clone(old), func(r route) bool { return r.filter == filter })
	c.routes.Store(newRouteTable(routes))
	return len(routes) != len(old)
}

// dispatch is paho's default publish handler: with no paho routes registered it
// receives every message, in order, on paho's delivery goroutine. It takes no
// locks and calls every handler whose filter matches, in subscription order.
func (c *Client) dispatch(_ paho.Client, m paho.Message) {
	msg := Message{Topic: m.Topic(), Payload: m.Payload(), Retained: m.Retained()}
	c.routes.Load().each(msg.Topic, func(h Handler) { c.deliver(h, msg) })
}

// deliver keeps a panicking handler from taking paho's delivery goroutine, and
// with it the process, down.
func (c *Client) deliver(h Handler, msg Message) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error().Str("topic", msg.Topic).Str("panic", fmt.Sprint(p)).Msg("mqtt handler panicked")
		}
	}()
	h(msg)
}

// awaitSubscribe waits for a SUBACK and returns the filters the broker refused.
func (c *Client) awaitSubscribe(tok paho.Token) (refused []string, err error) {
	if err := c.await(tok); err != nil {
		return nil, err
	}
	st, ok := tok.(*paho.SubscribeToken)
	if !ok {
		return nil, nil
	}
	for filter, code := range st.Result() {
		if code == 0x80 { // MQTT 3.1.1 SUBACK failure code
			refused = append(refused, filter)
		}
	}
	slices.Sort(refused)
	return refused, nil
}

// await waits for a token until ackTimeout or Close, returning paho's error
// with passwords masked.
func (c *Client) await(tok paho.Token) error {
	timer := time.NewTimer(ackTimeout)
	defer timer.Stop()
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return errors.New(c.redact(err))
		}
		return nil
	case <-timer.C:
		return fmt.Errorf("no answer from broker within %s", ackTimeout)
	case <-c.done:
		return ErrClosed
	}
}
