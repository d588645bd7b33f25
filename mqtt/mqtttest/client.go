package mqtttest

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// opTimeout bounds every wait on the broker in this package.
const opTimeout = 10 * time.Second

var clientSeq atomic.Int64

// newClientOptions returns options for a test client that reconnects quickly
// after a broker restart. onConnect may be nil.
func newClientOptions(brokerURL, role string, onConnect paho.OnConnectHandler) *paho.ClientOptions {
	id := fmt.Sprintf("mqtttest-%s-%d-%d", role, os.Getpid(), clientSeq.Add(1))
	return paho.NewClientOptions().
		AddBroker(brokerURL).
		SetClientID(id).
		SetProtocolVersion(4).
		SetCleanSession(true).
		SetAutoReconnect(true).
		SetMaxReconnectInterval(100 * time.Millisecond).
		SetConnectTimeout(opTimeout).
		SetWriteTimeout(opTimeout).
		SetOnConnectHandler(onConnect)
}

// connect connects c and ends the test if that fails.
func connect(tb testing.TB, c paho.Client, brokerURL string) {
	tb.Helper()
	if err := wait(c.Connect()); err != nil {
		tb.Fatalf("mqtttest: connect to %s: %v", brokerURL, err)
	}
}

// wait waits for a token for at most opTimeout.
func wait(tok paho.Token) error {
	if !tok.WaitTimeout(opTimeout) {
		return fmt.Errorf("no answer from broker within %s", opTimeout)
	}
	return tok.Error()
}

// Publish connects, publishes one message at QoS 1, waits for the broker's
// acknowledgement and disconnects.
func Publish(tb testing.TB, brokerURL, topic string, payload []byte, retained bool) {
	tb.Helper()
	p := NewPublisher(tb, brokerURL)
	defer p.close()
	p.Publish(topic, payload, 1, retained)
}

// Publisher is one connection used for many publishes, e.g. bursts.
type Publisher struct {
	tb testing.TB
	c  paho.Client
}

// NewPublisher connects a publishing client; it disconnects when the test ends.
func NewPublisher(tb testing.TB, brokerURL string) *Publisher {
	tb.Helper()
	p := &Publisher{tb: tb, c: paho.NewClient(newClientOptions(brokerURL, "pub", nil))}
	connect(tb, p.c, brokerURL)
	tb.Cleanup(p.close)
	return p
}

// Publish sends one message and waits until paho has written it (QoS 0) or the
// broker has acknowledged it (QoS 1, 2), so messages leave in call order. Call
// it from the test's goroutine: a failure ends the test.
func (p *Publisher) Publish(topic string, payload []byte, qos byte, retained bool) {
	p.tb.Helper()
	if err := wait(p.c.Publish(topic, qos, retained, payload)); err != nil {
		p.tb.Fatalf("mqtttest: publish to %s: %v", topic, err)
	}
}

func (p *Publisher) close() {
	if p.c.IsConnected() {
		p.c.Disconnect(250)
	}
}
