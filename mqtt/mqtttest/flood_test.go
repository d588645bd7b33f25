package mqtttest_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt/mqtttest"
)

func TestFloodsArriveWholeAndInOrder(t *testing.T) {
	const n = 3000
	b := mqtttest.StartMosquitto(t, "max_queued_messages 0")
	rec := mqtttest.Subscribe(t, b.URL, "flood/#")
	line := func(i int) []byte { return []byte(strconv.Itoa(i)) }
	mqtttest.NewPublisher(t, b.URL).Flood("flood/go", n, line, 1)
	b.FloodLines("flood/lines", n, line)
	for _, topic := range []string{"flood/go", "flood/lines"} {
		rec.WaitFor(t, 10*time.Second, is(topic, strconv.Itoa(n-1)))
		next := 0
		for _, m := range rec.Messages() {
			if m.Topic != topic {
				continue
			}
			if string(m.Payload) != strconv.Itoa(next) {
				t.Fatalf("%s: message %d is %q", topic, next, m.Payload)
			}
			next++
		}
	}
}
