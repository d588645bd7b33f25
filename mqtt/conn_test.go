package mqtt_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

// The client opens its connections itself (to buffer what it reads); every
// scheme it accepts must still work. TLS has its own tests.
func TestClientWorksOverWebSockets(t *testing.T) {
	wsPort := mqtttest.FreePort(t)
	b := mqtttest.StartMosquitto(t, fmt.Sprintf("listener %d 127.0.0.1", wsPort), "protocol websockets")
	c := newClient(t, fmt.Sprintf("ws://127.0.0.1:%d/mqtt", wsPort), nil)
	in := make(chan string, 100)
	must(t, c.Subscribe(t.Context(), func(m mqtt.Message) { in <- string(m.Payload) }, "ws/in"))
	rec := mqtttest.Subscribe(t, b.URL, "ws/out")
	connect(t, c)

	pub := mqtttest.NewPublisher(t, b.URL)
	for i := range 50 {
		pub.Publish("ws/in", []byte(strconv.Itoa(i)), 0, false)
	}
	for i := range 50 {
		select {
		case got := <-in:
			if got != strconv.Itoa(i) {
				t.Fatalf("message %d over WebSockets carried %s", i, got)
			}
		case <-time.After(waitLong):
			t.Fatalf("got %d of 50 messages over WebSockets", i)
		}
	}
	must(t, c.Publish("ws/out", []byte("over ws"), false))
	rec.WaitFor(t, waitLong, seen("ws/out", "over ws"))
}
