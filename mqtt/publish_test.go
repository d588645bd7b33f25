package mqtt_test

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

func TestPublishRefusesInvalidTopics(t *testing.T) {
	c, err := mqtt.New(mqtt.Options{Broker: "tcp://127.0.0.1:1", ClientID: "huegate"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(0)
	for _, topic := range []string{"", "+", "#", "lights/+/state", "lights/#", "lights/a+b", "a\x00b", "\xff"} {
		if err := c.Publish(topic, []byte("x"), false); !errors.Is(err, mqtt.ErrInvalidTopic) {
			t.Errorf("Publish(%q) = %v, want ErrInvalidTopic", topic, err)
		}
	}
	if err := c.Publish("lights/1/state", []byte("x"), false); !errors.Is(err, mqtt.ErrNotConnected) {
		t.Errorf("Publish on a valid topic before Connect = %v, want ErrNotConnected", err)
	}
}

func TestSubscribeRefusesInvalidFilters(t *testing.T) {
	c, err := mqtt.New(mqtt.Options{Broker: "tcp://127.0.0.1:1", ClientID: "huegate"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(0)
	for _, filter := range []string{"", "a/#/b", "a/b#", "a+/b", "#/a"} {
		if err := c.Subscribe(t.Context(), func(mqtt.Message) {}, filter); !errors.Is(err, mqtt.ErrInvalidTopic) {
			t.Errorf("Subscribe(%q) = %v, want ErrInvalidTopic", filter, err)
		}
	}
	if err := c.Subscribe(t.Context(), nil, "a/b"); err == nil {
		t.Error("Subscribe with a nil handler succeeded")
	}
}

// A slider sends a burst of values; the last one handled must be the last one
// sent, so every message has to reach the handler in publish order.
func TestHandlerSeesBurstInPublishOrder(t *testing.T) {
	const n = 1000
	for _, qos := range []byte{0, 1} {
		t.Run("qos "+strconv.Itoa(int(qos)), func(t *testing.T) {
			b := mqtttest.StartMosquitto(t)
			c := newClient(t, b.URL, func(o *mqtt.Options) { o.QoS = qos })
			var (
				mu  sync.Mutex
				got []int
			)
			all := make(chan struct{})
			must(t, c.Subscribe(t.Context(), func(m mqtt.Message) {
				v, _ := strconv.Atoi(string(m.Payload))
				mu.Lock()
				defer mu.Unlock()
				if got = append(got, v); len(got) == n {
					close(all)
				}
			}, "lights/1/set"))
			connect(t, c)

			pub := mqtttest.NewPublisher(t, b.URL)
			start := time.Now()
			for i := range n {
				pub.Publish("lights/1/set", []byte(strconv.Itoa(i)), qos, false)
			}
			select {
			case <-all:
			case <-time.After(waitLong):
				mu.Lock()
				defer mu.Unlock()
				t.Fatalf("handler got %d of %d messages", len(got), n)
			}
			t.Logf("%d messages at QoS %d published and handled in %s", n, qos, time.Since(start).Round(time.Millisecond))
			mu.Lock()
			defer mu.Unlock()
			for i, v := range got {
				if v != i {
					t.Fatalf("message %d carried %d: order lost (first 20: %v)", i, v, got[:min(20, len(got))])
				}
			}
		})
	}
}

// The gateway answers commands by publishing state from its handlers; at QoS 1
// paho must keep reading PUBACKs while handlers publish.
func TestPublishFromHandlerDoesNotStall(t *testing.T) {
	const n = 300
	b := mqtttest.StartMosquitto(t)
	rec := mqtttest.Subscribe(t, b.URL, "state/#")
	c := newClient(t, b.URL, nil)
	var (
		mu   sync.Mutex
		errs []error
	)
	must(t, c.Subscribe(t.Context(), func(m mqtt.Message) {
		if err := c.Publish("state/"+m.Topic[len("set/"):], m.Payload, false); err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}, "set/#"))
	connect(t, c)
	pub := mqtttest.NewPublisher(t, b.URL)
	for i := range n {
		pub.Publish("set/light", []byte(strconv.Itoa(i)), 1, false)
	}
	rec.WaitFor(t, waitLong, func(m mqtttest.Message) bool { return string(m.Payload) == strconv.Itoa(n-1) })
	mu.Lock()
	defer mu.Unlock()
	if got := len(rec.Messages()); got != n || len(errs) > 0 {
		t.Errorf("observer saw %d of %d echoes; Publish errors: %v", got, n, errs)
	}
}
