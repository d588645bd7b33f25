package mqtt

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
	return c.SubscribeAll([]string{filter}, h)
}

// SubscribeAll is Subscribe for many filters with one handler. The routes
// change once for all of them, and the broker is asked in as few SUBSCRIBE
// packets as the packet bound allows, so its cost grows with the number of
// filters, not with its square. Nothing is remembered when a filter is
// invalid.
func (c *Client) SubscribeAll(filters []string, h Handler) error {
	if h == nil {
		return fmt.Errorf("mqtt: subscribe to %s: nil handler", quoted(filters))
	}
	for _, f := range filters {
		if err := validateFilter(f); err != nil {
			return err
		}
	}
	if c.closed.Load() {
		return ErrClosed
	}
	if len(filters) == 0 {
		return nil
	}
	c.setRoutes(filters, h)
	// A connection that comes up after this check resubscribes from routes,
	// which already hold the filters.
	if !c.paho().IsConnectionOpen() {
		return nil
	}
	refused, err := c.subscribeAll(filters)
	if err != nil {
		return fmt.Errorf("mqtt: subscribe to %s: %w", quoted(filters), err)
	}
	if len(refused) > 0 {
		c.deleteRoutes(refused)
		return fmt.Errorf("%w: %s", ErrSubscribeRefused, quoted(refused))
	}
	return nil
}

// Unsubscribe forgets the filter: its handler gets no further messages, and if
// connected the broker is told. Unknown filters are ignored.
func (c *Client) Unsubscribe(filter string) error {
	return c.UnsubscribeAll([]string{filter})
}

// UnsubscribeAll is Unsubscribe for many filters, with one change of the
// routes and as few UNSUBSCRIBE packets as the packet bound allows.
func (c *Client) UnsubscribeAll(filters []string) error {
	known := c.deleteRoutes(filters)
	if len(known) == 0 || !c.paho().IsConnectionOpen() {
		return nil
	}
	if err := c.unsubscribeAll(known); err != nil {
		return fmt.Errorf("mqtt: unsubscribe from %s: %w", quoted(known), err)
	}
	return nil
}

// quoted names filters in an error: all of a few, or the first and how many.
func quoted(filters []string) string {
	if len(filters) <= 3 {
		return strings.Join(mapQuote(filters), ", ")
	}
	return fmt.Sprintf("%q and %d more", filters[0], len(filters)-1)
}

func mapQuote(filters []string) []string {
	out := make([]string, len(filters))
	for i, f := range filters {
		out[i] = strconv.Quote(f)
	}
	return out
}

// setRoutes points filters at h: a filter already routed keeps its place
// and gets h, a new one goes last.
func (c *Client) setRoutes(filters []string, h Handler) {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	routes := slices.Clone(c.routes.Load().list)
	at := make(map[string]int, len(routes))
	for i, r := range routes {
		at[r.filter] = i
	}
	for _, f := range filters {
		r := route{filter: f, match: shareFilter(f), h: h}
		if i, ok := at[f]; ok {
			routes[i] = r
			continue
		}
		at[f] = len(routes)
		routes = append(routes, r)
	}
	c.routes.Store(newRouteTable(routes))
}

// deleteRoutes forgets filters and returns those that were routed.
func (c *Client) deleteRoutes(filters []string) (known []string) {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	gone := make(map[string]bool, len(filters))
	for _, f := range filters {
		gone[f] = true
	}
	routes := slices.DeleteFunc(slices.Clone(c.routes.Load().list), func(r route) bool {
		if gone[r.filter] {
			known = append(known, r.filter)
			return true
		}
		return false
	})
	if len(known) > 0 {
		c.routes.Store(newRouteTable(routes))
	}
	return known
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
