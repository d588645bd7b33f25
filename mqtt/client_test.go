package mqtt_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

func TestMessagesRoundTripThroughBroker(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	rec := mqtttest.Subscribe(t, b.URL, "out/#")
	c := newClient(t, b.URL, nil)
	early, late := newInbox(), newInbox()
	must(t, c.Subscribe(t.Context(), early.handle, "in/early")) // before Connect: made on connect
	connect(t, c)
	must(t, c.Subscribe(t.Context(), late.handle, "in/late")) // while connected: made at once

	mqtttest.Publish(t, b.URL, "in/early", []byte("one"), false)
	mqtttest.Publish(t, b.URL, "in/late", []byte("two"), false)
	early.waitFor(t, waitLong, is("in/early", "one"))
	late.waitFor(t, waitLong, is("in/late", "two"))

	must(t, c.Publish("out/light/1", []byte(`{"bri":128}`), false))
	got := rec.WaitFor(t, waitLong, seen("out/light/1", `{"bri":128}`))
	if got.Retained || got.QoS != 1 {
		t.Errorf("observer got retained=%t qos=%d, want a live QoS 1 message", got.Retained, got.QoS)
	}
}

func TestMessageRetainedFlag(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	mqtttest.Publish(t, b.URL, "lights/1/set", []byte("stored"), true)
	c := newClient(t, b.URL, nil)
	got := newInbox()
	must(t, c.Subscribe(t.Context(), got.handle, "lights/1/set"))
	connect(t, c)

	if m := got.waitFor(t, waitLong, is("lights/1/set", "stored")); !m.Retained {
		t.Error("message stored before subscribing arrived with Retained false")
	}
	mqtttest.Publish(t, b.URL, "lights/1/set", []byte("live"), true)
	if m := got.waitFor(t, waitLong, is("lights/1/set", "live")); m.Retained {
		t.Error("live message arrived with Retained true")
	}

	live := mqtttest.Subscribe(t, b.URL, "huegate/lights/1")
	must(t, c.Publish("huegate/lights/1", []byte("on"), true))
	live.WaitFor(t, waitLong, seen("huegate/lights/1", "on")) // the broker has it now
	later := mqtttest.Subscribe(t, b.URL, "huegate/lights/1")
	if m := later.WaitFor(t, waitLong, seen("huegate/lights/1", "on")); !m.Retained {
		t.Error("Publish(retained=true) was not stored by the broker")
	}
}

func TestStatusOnlineOnConnectOfflineOnClose(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	rec := mqtttest.Subscribe(t, b.URL, "huegate/#")
	c := newClient(t, b.URL, nil)
	c.OnConnect(func() { must(t, c.Publish("huegate/light/1", []byte("state"), true)) })
	connect(t, c)
	if !c.Connected() {
		t.Fatal("Connected() is false after Connect returned")
	}

	rec.WaitFor(t, waitLong, seen("huegate/light/1", "state"))
	var order []string
	for _, m := range rec.Messages() {
		order = append(order, string(m.Payload))
	}
	if strings.Join(order, ",") != "online,state" {
		t.Errorf("observer saw %v, want online before the OnConnect callback's state", order)
	}
	if m := mqtttest.Subscribe(t, b.URL, statusTopic).WaitFor(t, waitLong, seen(statusTopic, "online")); !m.Retained {
		t.Error("online is not retained")
	}

	c.Close(5 * time.Second)
	rec.WaitFor(t, waitLong, seen(statusTopic, "offline"))
	if m := mqtttest.Subscribe(t, b.URL, statusTopic).WaitFor(t, waitLong, seen(statusTopic, "offline")); !m.Retained {
		t.Error("offline from Close is not retained")
	}
	if c.Connected() {
		t.Error("Connected() is true after Close")
	}
	c.Close(5 * time.Second) // idempotent
	if err := c.Publish("huegate/x", nil, false); !errors.Is(err, mqtt.ErrClosed) {
		t.Errorf("Publish after Close = %v, want ErrClosed", err)
	}
	if err := c.Connect(context.Background()); !errors.Is(err, mqtt.ErrClosed) {
		t.Errorf("Connect after Close = %v, want ErrClosed", err)
	}
}

func TestLastWillWhenConnectionDiesThenOnlineAgain(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	p := mqtttest.NewLink(t, b.Addr())
	rec := mqtttest.Subscribe(t, b.URL, statusTopic)
	c := newClient(t, p.URL, func(o *mqtt.Options) { o.MaxReconnectInterval = 50 * time.Millisecond })
	connect(t, c)
	online := rec.WaitFor(t, waitLong, seen(statusTopic, "online"))

	p.Cut() // both sockets close, no DISCONNECT: the broker must send the will
	offline := rec.WaitFor(t, waitLong, func(m mqtttest.Message) bool {
		return string(m.Payload) == "offline" && m.Time.After(online.Time)
	})
	p.Resume()
	rec.WaitFor(t, waitLong, func(m mqtttest.Message) bool {
		return string(m.Payload) == "online" && m.Time.After(offline.Time)
	})
	t.Logf("back online %s after the will", time.Since(offline.Time).Round(time.Millisecond))
}

func TestReconnectsResubscribesAndRepublishesAfterBrokerRestart(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	c := newClient(t, b.URL, nil) // default retry intervals: this measures what users get
	got := newInbox()
	must(t, c.Subscribe(t.Context(), got.handle, "lights/+/set"))
	connects := make(chan time.Time, 10)
	c.OnConnect(func() {
		must(t, c.Publish("huegate/light/1", []byte("state"), true))
		connects <- time.Now()
	})
	connect(t, c)
	<-connects

	b.Kill()
	testkit.Eventually(t, waitLong, "client notices the broker is gone", func() bool { return !c.Connected() })
	if err := c.Publish("huegate/light/1", []byte("lost"), false); !errors.Is(err, mqtt.ErrNotConnected) {
		t.Errorf("Publish while disconnected = %v, want ErrNotConnected", err)
	}
	restarted := time.Now()
	b.Restart()
	select {
	case at := <-connects:
		t.Logf("reconnected and set up %s after the broker accepted connections again", at.Sub(restarted).Round(time.Millisecond))
	case <-time.After(15 * time.Second):
		t.Fatal("no reconnect within 15s of the broker restart")
	}

	// The restarted broker has no retained messages of its own (no persistence),
	// so whatever a new subscriber gets was republished. The first observer may
	// get them live; once it has, a second one must get them retained.
	payloads := []string{"online", "state"}
	first := mqtttest.Subscribe(t, b.URL, "huegate/#")
	for _, p := range payloads {
		first.WaitFor(t, waitLong, func(m mqtttest.Message) bool { return string(m.Payload) == p })
	}
	second := mqtttest.Subscribe(t, b.URL, "huegate/#")
	for _, p := range payloads {
		if m := second.WaitFor(t, waitLong, func(m mqtttest.Message) bool { return string(m.Payload) == p }); !m.Retained {
			t.Errorf("%s republished after restart is not retained", p)
		}
	}
	mqtttest.Publish(t, b.URL, "lights/2/set", []byte("42"), false)
	got.waitFor(t, waitLong, is("lights/2/set", "42"))
}

func TestConnectWhileBrokerDownReturnsContextErrorThenSucceeds(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	b.Kill()
	c := newClient(t, b.URL, func(o *mqtt.Options) { o.ConnectRetryInterval = 20 * time.Millisecond })
	got := newInbox()
	must(t, c.Subscribe(t.Context(), got.handle, "lights/+/set"))

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := c.Connect(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Connect with the broker down = %v, want context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Connect error %q does not tell why the attempts failed", err)
	}
	if c.Connected() {
		t.Fatal("Connected() is true with the broker down")
	}

	b.Restart()
	connect(t, c) // the background attempts go on; Connect waits for them again
	mqtttest.Publish(t, b.URL, "lights/1/set", []byte("1"), false)
	got.waitFor(t, waitLong, is("lights/1/set", "1"))
}

func TestWildcardSubscriptionAndUnsubscribe(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	c := newClient(t, b.URL, nil)
	sets, gone, marker := newInbox(), newInbox(), newInbox()
	must(t, c.Subscribe(t.Context(), sets.handle, "lights/+/set"))
	must(t, c.Subscribe(t.Context(), gone.handle, "groups/#"))
	must(t, c.Subscribe(t.Context(), marker.handle, "marker"))
	connect(t, c)
	must(t, c.Unsubscribe(t.Context(), "groups/#"))
	must(t, c.Unsubscribe(t.Context(), "never/subscribed"))

	// One connection delivers in order: once the marker is in, the rest is too.
	pub := mqtttest.NewPublisher(t, b.URL)
	pub.Publish("lights/3/state", []byte("no"), 1, false)
	pub.Publish("lights/3/set", []byte("yes"), 1, false)
	pub.Publish("groups/1", []byte("no"), 1, false)
	pub.Publish("marker", []byte("end"), 1, false)
	marker.waitFor(t, waitLong, is("marker", "end"))

	if got := describe(sets.messages()); got != `lights/3/set="yes"(retained=false)` {
		t.Errorf("lights/+/set handler got %s", got)
	}
	if got := gone.messages(); len(got) != 0 {
		t.Errorf("handler of an unsubscribed filter got %s", describe(got))
	}
}

func TestPanickingHandlerDoesNotStopDelivery(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	c := newClient(t, b.URL, nil)
	got := newInbox()
	must(t, c.Subscribe(t.Context(), func(m mqtt.Message) {
		if string(m.Payload) == "boom" {
			panic("handler bug")
		}
		got.handle(m)
	}, "t"))
	connect(t, c)
	pub := mqtttest.NewPublisher(t, b.URL)
	pub.Publish("t", []byte("boom"), 1, false)
	pub.Publish("t", []byte("after"), 1, false)
	got.waitFor(t, waitLong, is("t", "after"))
}

func TestCloseDoesNotWaitOutTheReconnectPause(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	b.Kill()
	c := newClient(t, b.URL, func(o *mqtt.Options) {
		o.ConnectRetryInterval = time.Minute
		o.MaxReconnectInterval = time.Minute
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := c.Connect(ctx); err == nil {
		t.Fatal("Connect succeeded with the broker down")
	}
	start := time.Now()
	c.Close(5 * time.Second) // goleak in TestMain checks nothing is left running
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %s while the client was pausing between attempts", d)
	}
}

func TestPanickingOnConnectCallbackDoesNotStopTheOthers(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	c := newClient(t, b.URL, nil)
	ran := false
	c.OnConnect(func() { panic("callback bug") })
	c.OnConnect(func() { ran = true })
	connect(t, c) // Connect returns after the callbacks, so reading ran is ordered
	if !ran {
		t.Error("the callback after a panicking one did not run")
	}
}
