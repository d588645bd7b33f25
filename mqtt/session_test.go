package mqtt_test

import (
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// The broker keeps huegate's session while the network is down: a QoS 1
// value published meanwhile is delivered when huegate is back, live (not
// as a retained replay).
func TestAValuePublishedWhileReconnectingIsDelivered(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	link := mqtttest.NewLink(t, b.Addr())
	rec := mqtttest.Subscribe(t, b.URL, statusTopic)
	c := newClient(t, link.URL, func(o *mqtt.Options) { o.MaxReconnectInterval = 50 * time.Millisecond })
	in := newInbox()
	must(t, c.Subscribe(t.Context(), in.handle, "lights"))
	connect(t, c)
	online := rec.WaitFor(t, waitLong, seen(statusTopic, "online"))

	link.Cut()
	offline := rec.WaitFor(t, waitLong, func(m mqtttest.Message) bool {
		return string(m.Payload) == "offline" && m.Time.After(online.Time)
	})
	pub := mqtttest.NewPublisher(t, b.URL)
	pub.Publish("lights", []byte("17"), 1, false)
	pub.Publish("lights", []byte("42"), 1, false)
	link.Resume()
	rec.WaitFor(t, waitLong, func(m mqtttest.Message) bool { return string(m.Payload) == "online" && m.Time.After(offline.Time) })
	m := in.waitFor(t, waitLong, is("lights", "42"))
	if m.Retained {
		t.Fatal("the queued value came as a retained replay")
	}
}

// A session left by an earlier run is not resumed: values queued for it
// while huegate was stopped would undo what happened meanwhile.
func TestAnEarlierRunsQueuedValuesAreNotDelivered(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	first := newClient(t, b.URL, nil)
	must(t, first.Subscribe(t.Context(), newInbox().handle, "lights"))
	connect(t, first)
	first.Close(5 * time.Second)
	mqtttest.NewPublisher(t, b.URL).Publish("lights", []byte("stale"), 1, false)

	again := newClient(t, b.URL, nil) // the same client id
	in := newInbox()
	must(t, again.Subscribe(t.Context(), in.handle, "lights"))
	connect(t, again)
	mqtttest.NewPublisher(t, b.URL).Publish("lights", []byte("live"), 1, false)
	in.waitFor(t, waitLong, is("lights", "live"))
	for _, m := range in.messages() {
		if string(m.Payload) == "stale" {
			t.Fatal("a value queued while huegate was stopped was delivered")
		}
	}
}
