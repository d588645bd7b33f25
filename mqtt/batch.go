package mqtt

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// maxControlPacket bounds each SUBSCRIBE and UNSUBSCRIBE packet the client
// sends. A broker drops a client whose packet is larger than it takes (the
// built-in broker takes 1 MiB, Mosquitto what max_packet_size says), and one
// SUBSCRIBE naming every mapped topic can be larger than that: huegate
// would reconnect for ever.
const maxControlPacket = 64 << 10

// minControlPacket is as far as the bound shrinks after a broker dropped the
// connection on a SUBSCRIBE or UNSUBSCRIBE.
const minControlPacket = 1 << 10

// Bytes a filter takes in a packet besides its text: its length, and in a
// SUBSCRIBE the QoS it asks for.
const (
	subscribeFilterBytes   = 3
	unsubscribeFilterBytes = 2
)

// batch is the filters that go in one packet, and that packet's size.
type batch struct {
	filters []string
	size    int
}

// batches splits filters, in order, into packets of at most limit bytes,
// each filter taking perFilter bytes besides its text. A filter too long
// for any packet goes alone.
func batches(filters []string, perFilter, limit int) []batch {
	var out []batch
	var cur []string
	rem := 2 // the packet id
	for _, f := range filters {
		add := perFilter + len(f)
		if len(cur) > 0 && packetSize(rem+add) > limit {
			out = append(out, batch{filters: cur, size: packetSize(rem)})
			cur, rem = nil, 2
		}
		cur = append(cur, f)
		rem += add
	}
	if len(cur) > 0 {
		out = append(out, batch{filters: cur, size: packetSize(rem)})
	}
	return out
}

// packetSize is a packet's size on the wire from its remaining length: the
// type byte and the length's varint come first.
func packetSize(remaining int) int { return 1 + varintLen(remaining) + remaining }

func varintLen(n int) int {
	size := 1
	for n >= 128 {
		n >>= 7
		size++
	}
	return size
}

// subscribeAll subscribes to filters at Options.QoS, one SUBSCRIBE packet
// after the other, and returns the filters the broker refused, sorted.
func (c *Client) subscribeAll(ctx context.Context, filters []string) (refused []string, err error) {
	for _, b := range batches(filters, subscribeFilterBytes, int(c.packetLimit.Load())) {
		r, err := c.awaitSubscribe(ctx, c.paho().SubscribeMultiple(c.qosOf(b.filters), nil))
		if err != nil {
			return nil, c.packetError("SUBSCRIBE", b, err)
		}
		refused = append(refused, r...)
	}
	slices.Sort(refused)
	return refused, nil
}

// unsubscribeAll unsubscribes from filters, one UNSUBSCRIBE packet after
// the other.
func (c *Client) unsubscribeAll(ctx context.Context, filters []string) error {
	for _, b := range batches(filters, unsubscribeFilterBytes, int(c.packetLimit.Load())) {
		if err := c.await(ctx, c.paho().Unsubscribe(b.filters...)); err != nil {
			return c.packetError("UNSUBSCRIBE", b, err)
		}
	}
	return nil
}

// errPacketDropped is wrapped when the broker closed the connection on a
// SUBSCRIBE or UNSUBSCRIBE large enough to be the reason.
var errPacketDropped = errors.New("the broker closed the connection")

// packetError names the likely cause when the broker closed the connection
// instead of answering a packet: it was larger than the broker takes. The
// next packets are made half that size, so huegate gets through to a
// broker that takes less than maxControlPacket. A packet of at most
// minControlPacket bytes is no broker's limit: the connection was taken
// away for another reason, such as another client with the same client id
// (see flapWatch).
func (c *Client) packetError(kind string, b batch, err error) error {
	if c.closed.Load() || c.paho().IsConnectionOpen() || b.size <= minControlPacket {
		return err
	}
	limit := max(b.size/2, minControlPacket)
	if int64(limit) < c.packetLimit.Load() {
		c.packetLimit.Store(int64(limit))
	}
	return fmt.Errorf("%w on a %s of %d bytes (%d topics), as brokers do with a packet larger than they take (Mosquitto: max_packet_size); packets are now at most %d bytes: %w",
		errPacketDropped, kind, b.size, len(b.filters), c.packetLimit.Load(), err)
}
