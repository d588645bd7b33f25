package mqtt_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/mqtttest"
	"github.com/rs/zerolog"
)

// Messages over 64 KiB at QoS 0, 1 and 2 reach the handler empty, on their
// topic, and are acknowledged as usual: the connection stays up and the
// next message arrives. One warning names the first topic and its size.
func TestMessagesOver64KiBArriveEmpty(t *testing.T) {
	b := mqtttest.StartMosquitto(t)
	logs := &testkit.Buffer{}
	c := newClient(t, b.URL, func(o *mqtt.Options) { o.Logger = zerolog.New(logs) })
	in := newInbox()
	must(t, c.Subscribe(context.Background(), in.handle, "big/#"))
	connect(t, c)
	pub := mqtttest.NewPublisher(t, b.URL)
	big := bytes.Repeat([]byte("9"), 100_000)
	for qos, topic := range []string{"big/q0", "big/q1", "big/q2"} {
		pub.Publish(topic, big, byte(qos), false)
	}
	pub.Publish("big/after", []byte("127"), 1, false)
	in.waitFor(t, waitLong, is("big/after", "127"))
	if got := describe(in.messages()); got != `big/q0=""(retained=false), big/q1=""(retained=false), big/q2=""(retained=false), big/after="127"(retained=false)` {
		t.Fatalf("the handler got %s", got)
	}
	const warning = `"topic":"big/q0","bytes":100000,"limit_bytes":65536,"not_logged":0,"message":"mqtt message too large; ignored without reading it"`
	if n := logs.Count("mqtt message too large"); n != 1 || !strings.Contains(logs.String(), warning) {
		t.Fatalf("want one warning %s, got %d:\n%s", warning, n, logs)
	}
	if strings.Contains(logs.String(), "connection lost") {
		t.Fatalf("the connection broke:\n%s", logs)
	}
}
