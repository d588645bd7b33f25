package mqtt_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/mqtttest"
)

const (
	statusTopic = "huegate/status"
	waitLong    = 10 * time.Second
)

// newClient returns a client for brokerURL with QoS 1 and the status topic,
// closed when the test ends. edit may change the options first.
func newClient(t *testing.T, brokerURL string, edit func(*mqtt.Options)) *mqtt.Client {
	t.Helper()
	opts := mqtt.Options{
		Broker:      brokerURL,
		ClientID:    "huegate-" + strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()),
		QoS:         1,
		StatusTopic: statusTopic,
	}
	if edit != nil {
		edit(&opts)
	}
	c, err := mqtt.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close(5 * time.Second) })
	return c
}

func connect(t *testing.T, c *mqtt.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("Connect: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// inbox is a Handler that records messages and lets the test wait for them.
type inbox struct {
	mu      sync.Mutex
	msgs    []mqtt.Message
	changed chan struct{}
}

func newInbox() *inbox { return &inbox{changed: make(chan struct{})} }

func (b *inbox) handle(m mqtt.Message) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.msgs = append(b.msgs, m)
	close(b.changed)
	b.changed = make(chan struct{})
}

func (b *inbox) messages() []mqtt.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]mqtt.Message(nil), b.msgs...)
}

// waitFor returns the first message that matches, failing the test after timeout.
func (b *inbox) waitFor(t *testing.T, timeout time.Duration, match func(mqtt.Message) bool) mqtt.Message {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for seen := 0; ; {
		b.mu.Lock()
		msgs, changed := b.msgs, b.changed
		b.mu.Unlock()
		for ; seen < len(msgs); seen++ {
			if match(msgs[seen]) {
				return msgs[seen]
			}
		}
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("handler got no matching message within %s; got %d: %s", timeout, len(msgs), describe(msgs))
			return mqtt.Message{}
		}
	}
}

func describe(msgs []mqtt.Message) string {
	var parts []string
	for _, m := range msgs {
		parts = append(parts, fmt.Sprintf("%s=%q(retained=%t)", m.Topic, m.Payload, m.Retained))
	}
	return strings.Join(parts, ", ")
}

// is matches a handled message by topic and payload.
func is(topic, payload string) func(mqtt.Message) bool {
	return func(m mqtt.Message) bool { return m.Topic == topic && string(m.Payload) == payload }
}

// seen matches a message recorded by an observer by topic and payload.
func seen(topic, payload string) func(mqtttest.Message) bool {
	return func(m mqtttest.Message) bool { return m.Topic == topic && string(m.Payload) == payload }
}
