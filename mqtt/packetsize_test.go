package mqtt_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/mqtttest"
	"github.com/rs/zerolog"
)

// manyFilters is n topics of about size bytes each.
func manyFilters(n, size int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("many/%05d/%s", i, strings.Repeat("x", size-12))
	}
	return out
}

// More subscriptions than fit in one packet the broker takes: they go in
// several SUBSCRIBE packets of at most 64 KiB, and a message on the last
// topic arrives. One SUBSCRIBE of 1.2 MB made Mosquitto drop huegate on
// every attempt.
func TestSubscriptionsLargerThanTheBrokersPacketLimitAreSplit(t *testing.T) {
	b := mqtttest.StartMosquitto(t, "max_packet_size 65536")
	c := newClient(t, b.URL, nil)
	in := newInbox()
	filters := manyFilters(2000, 600)
	must(t, c.Subscribe(context.Background(), in.handle, filters...))
	connect(t, c)
	last := filters[len(filters)-1]
	mqtttest.Publish(t, b.URL, last, []byte("42"), false)
	in.waitFor(t, waitLong, is(last, "42"))

	// Subscribing again while connected is split the same way.
	more := manyFilters(2100, 600)[2000:]
	for i := range more {
		more[i] = "more/" + more[i]
	}
	must(t, c.Subscribe(context.Background(), in.handle, more...))
	mqtttest.Publish(t, b.URL, more[len(more)-1], []byte("43"), false)
	in.waitFor(t, waitLong, is(more[len(more)-1], "43"))
	must(t, c.Unsubscribe(context.Background(), append(filters, more...)...))
	if !c.Connected() {
		t.Fatal("unsubscribing from 2,100 topics lost the connection")
	}
}

// A broker that takes less than 64 KiB drops the connection on the first
// SUBSCRIBE: the log names the packet and the likely cause, and the next
// attempts send smaller packets until the broker takes them.
func TestABrokerTakingSmallPacketsIsNamedAndGetsSmallerOnes(t *testing.T) {
	b := mqtttest.StartMosquitto(t, "max_packet_size 4096")
	logs := &testkit.Buffer{}
	c := newClient(t, b.URL, func(o *mqtt.Options) {
		o.Logger = zerolog.New(logs)
		o.ConnectRetryInterval = 20 * time.Millisecond
	})
	in := newInbox()
	filters := manyFilters(100, 100)
	must(t, c.Subscribe(context.Background(), in.handle, filters...))
	connect(t, c)
	last := filters[len(filters)-1]
	mqtttest.Publish(t, b.URL, last, []byte("7"), false)
	in.waitFor(t, waitLong, is(last, "7"))
	const cause = "the broker closed the connection on a SUBSCRIBE of 10205 bytes (100 topics), as brokers do with a packet larger than they take (Mosquitto: max_packet_size); packets are now at most 5102 bytes"
	if !strings.Contains(logs.String(), cause) {
		t.Fatalf("the log does not name the cause %q:\n%s", cause, logs)
	}
}
