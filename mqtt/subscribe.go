package mqtt

import (
	"context"
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

// Subscribe remembers h for each topic filter (wildcards + and # allowed)
// and, if connected, subscribes now, in as few SUBSCRIBE packets as the
// packet bound allows (one route change for all of them, so the cost grows
// with the number of filters, not its square), and waits for the broker's
// answers until ctx ends (at most 10 s each). The subscriptions
// are made again on every reconnect. Subscribing to a filter again replaces
// its handler. Filters the broker refuses are forgotten and the error wraps
// ErrSubscribeRefused; after other errors (connection lost, no answer, ctx
// ended) they stay remembered for the next connect.
//
// Do not call it from a Handler: paho reads the broker's answer on a goroutine
// that waits for handlers to return, so it would wait until its timeout.
func (c *Client) Subscribe(ctx context.Context, h Handler, filters ...string) error {
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
	refused, err := c.subscribeAll(ctx, filters)
	if err != nil {
		return fmt.Errorf("mqtt: subscribe to %s: %w", quoted(filters), err)
	}
	if len(refused) > 0 {
		c.deleteRoutes(refused)
		return fmt.Errorf("%w: %s", ErrSubscribeRefused, quoted(refused))
	}
	return nil
}

// Unsubscribe forgets the filters: their handlers get no further messages,
// and if connected the broker is told in as few UNSUBSCRIBE packets as the
// packet bound allows. It waits
// for the broker's answer until ctx ends (at most 10 s); with ctx ended
// already it only sends. Unknown filters are ignored.
func (c *Client) Unsubscribe(ctx context.Context, filters ...string) error {
	gone := c.deleteRoutes(filters)
	if len(gone) == 0 || !c.paho().IsConnectionOpen() {
		return nil
	}
	if err := c.unsubscribeAll(ctx, gone); err != nil {
		return fmt.Errorf("mqtt: unsubscribe from %s: %w", quoted(gone), err)
	}
	return nil
}

// qosOf is every filter at the client's QoS, as paho takes them.
func (c *Client) qosOf(filters []string) map[string]byte {
	m := make(map[string]byte, len(filters))
	for _, f := range filters {
		m[f] = c.opts.QoS
	}
	return m
}

// quoted names filters in an error: the first few, and how many more.
func quoted(filters []string) string {
	const most = 3
	q := make([]string, 0, most)
	for _, f := range filters[:min(len(filters), most)] {
		q = append(q, strconv.Quote(f))
	}
	if n := len(filters) - most; n > 0 {
		q = append(q, fmt.Sprintf("and %d more", n))
	}
	return strings.Join(q, ", ")
}

// setRoutes installs h for the filters in one new route table: built once
// for a whole batch, so subscribing n filters costs O(n), not O(n²).
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

// deleteRoutes forgets the filters in one new route table and returns those
// it knew.
func (c *Client) deleteRoutes(filters []string) []string {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	drop := make(map[string]bool, len(filters))
	for _, f := range filters {
		drop[f] = true
	}
	var gone []string
	routes := slices.DeleteFunc(slices.Clone(c.routes.Load().list), func(r route) bool {
		if drop[r.filter] {
			gone = append(gone, r.filter)
			return true
		}
		return false
	})
	if len(gone) > 0 {
		c.routes.Store(newRouteTable(routes))
	}
	return gone
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
func (c *Client) awaitSubscribe(ctx context.Context, tok paho.Token) (refused []string, err error) {
	if err := c.await(ctx, tok); err != nil {
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

// await waits for a token until ctx ends, ackTimeout or Close, returning
// paho's error with passwords masked.
func (c *Client) await(ctx context.Context, tok paho.Token) error {
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
	case <-ctx.Done():
		return fmt.Errorf("no answer from broker: %w", ctx.Err())
	case <-c.done:
		return ErrClosed
	}
}
