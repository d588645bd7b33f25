package mqtttest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Message is a message seen by a Recorder.
type Message struct {
	Topic    string
	Payload  []byte
	Retained bool
	QoS      byte
	Time     time.Time
}

func (m Message) String() string {
	return fmt.Sprintf("%s %q retained=%t qos=%d", m.Topic, truncate(m.Payload, 80), m.Retained, m.QoS)
}

// Recorder records every message on a subscription, across broker restarts.
type Recorder struct {
	topic string
	c     paho.Client

	mu      sync.Mutex
	msgs    []Message
	changed chan struct{} // closed and replaced whenever msgs grows
	subErr  error         // last failed resubscription
}

// Subscribe connects an observer client subscribed to topic (a filter) at
// QoS 1 and returns once the subscription is in place, so retained messages
// and everything published afterwards are recorded. After a broker restart it
// reconnects within about 100ms and subscribes again; what is published before
// that is missed unless it is retained. It disconnects when the test ends.
func Subscribe(tb testing.TB, brokerURL, topic string) *Recorder {
	tb.Helper()
	r := &Recorder{topic: topic, changed: make(chan struct{})}
	subscribed := make(chan error, 1)
	onConnect := func(c paho.Client) {
		// paho runs this on its own goroutine, so waiting for the SUBACK is safe.
		err := wait(c.Subscribe(topic, 1, r.record))
		r.mu.Lock()
		r.subErr = err
		r.mu.Unlock()
		select {
		case subscribed <- err:
		default:
		}
	}
	r.c = paho.NewClient(newClientOptions(brokerURL, "sub", onConnect))
	connect(tb, r.c, brokerURL)
	tb.Cleanup(func() { r.c.Disconnect(250) })
	select {
	case err := <-subscribed:
		if err != nil {
			tb.Fatalf("mqtttest: subscribe to %s: %v", topic, err)
		}
	case <-time.After(opTimeout):
		tb.Fatalf("mqtttest: subscribe to %s: no answer within %s", topic, opTimeout)
	}
	return r
}

func (r *Recorder) record(_ paho.Client, m paho.Message) {
	msg := Message{Topic: m.Topic(), Payload: m.Payload(), Retained: m.Retained(), QoS: m.Qos(), Time: time.Now()}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msg)
	close(r.changed)
	r.changed = make(chan struct{})
}

// Messages returns what was recorded so far, oldest first.
func (r *Recorder) Messages() []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Message(nil), r.msgs...)
}

// WaitFor returns the first recorded message (including earlier ones) that
// matches, waiting up to timeout. On timeout it fails the test and lists what
// was seen.
func (r *Recorder) WaitFor(tb testing.TB, timeout time.Duration, match func(Message) bool) Message {
	tb.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for seen := 0; ; {
		r.mu.Lock()
		msgs, changed, subErr := r.msgs, r.changed, r.subErr
		r.mu.Unlock()
		for ; seen < len(msgs); seen++ {
			if match(msgs[seen]) {
				return msgs[seen]
			}
		}
		select {
		case <-changed:
		case <-timer.C:
			tb.Fatalf("mqtttest: no matching message on %s within %s (last resubscribe error: %v); saw %d:\n%s",
				r.topic, timeout, subErr, len(msgs), describe(msgs))
			return Message{}
		}
	}
}

func describe(msgs []Message) string {
	const max = 50
	var b strings.Builder
	if len(msgs) > max {
		fmt.Fprintf(&b, "  ... %d earlier\n", len(msgs)-max)
		msgs = msgs[len(msgs)-max:]
	}
	for _, m := range msgs {
		fmt.Fprintf(&b, "  %s %s\n", m.Time.Format("15:04:05.000"), m)
	}
	return b.String()
}

func truncate(p []byte, n int) string {
	if len(p) <= n {
		return string(p)
	}
	return string(p[:n]) + "..."
}
