package gateway_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/internal/testkit"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt"
)

// stuckBroker takes subscriptions, then never returns from Publish until
// released: a broker that has stopped reading its socket.
type stuckBroker struct {
	mu       sync.Mutex
	handlers map[string]mqtt.Handler
	release  chan struct{}
}

func (b *stuckBroker) Subscribe(topic string, h mqtt.Handler) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.handlers[topic] = h
	return nil
}
func (b *stuckBroker) SubscribeAll(topics []string, h mqtt.Handler) error {
	for _, topic := range topics {
		_ = b.Subscribe(topic, h)
	}
	return nil
}
func (*stuckBroker) Unsubscribe(string) error      { return nil }
func (*stuckBroker) UnsubscribeAll([]string) error { return nil }
func (*stuckBroker) OnConnect(func())              {}
func (b *stuckBroker) Publish(string, []byte, bool) error {
	<-b.release
	return nil
}

func (b *stuckBroker) deliver(topic, payload string) {
	b.mu.Lock()
	h := b.handlers[topic]
	b.mu.Unlock()
	h(mqtt.Message{Topic: topic, Payload: []byte(payload)})
}

// The command side never waits on MQTT: with the broker stuck on the state
// published after the first command, the next value still reaches the
// bridge through the same (single) worker.
func TestAStuckBrokerDoesNotHoldUpCommands(t *testing.T) {
	bridge := huetest.NewServer(t, fixture)
	br := &stuckBroker{handlers: map[string]mqtt.Handler{}, release: make(chan struct{})}
	gw, err := gateway.New(gateway.Options{
		Broker:  br,
		Bridges: map[string]gateway.Bridge{"default": hueClient(t, bridge)},
		Budgets: map[string]gateway.BridgeOptions{"default": {Workers: 1}},
		State:   &gateway.StateOptions{Prefix: "huegate", PollInterval: time.Hour},
		Log:     testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	ms := []mapping.Mapping{{Topic: "t", Lights: []mapping.Ref{{ID: "3"}}, Range: mapping.DefaultRange}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := gw.Start(ctx, ms); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		close(br.release)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gw.Shutdown(ctx)
	})
	for _, bri := range []int{100, 200} {
		br.deliver("t", strconv.Itoa(bri))
		testkit.Eventually(t, 10*time.Second, "the light at the value", func() bool {
			l, _ := bridge.Bridge.Light("3")
			return l.On && l.Bri == bri
		})
	}
}
