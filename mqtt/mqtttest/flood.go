package mqtttest

import (
	"bytes"
	"os/exec"
	"strconv"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// floodWindow is how many publishes Flood keeps unacknowledged at once; MQTT
// has 65535 packet ids per connection.
const floodWindow = 1000

// Flood publishes n messages to topic, payload(i) for the i-th, without
// waiting for each acknowledgement before sending the next, and returns once
// the broker has acknowledged them all. Messages leave in order. It is how a
// test pushes tens of thousands of messages through the broker in seconds.
// The broker queues at most 1000 QoS 1 messages for a slow subscriber unless
// its config says otherwise (max_queued_messages 0: no limit).
func (p *Publisher) Flood(topic string, n int, payload func(i int) []byte, qos byte) {
	p.tb.Helper()
	pending := make([]paho.Token, 0, floodWindow)
	for i := range n {
		if len(pending) == floodWindow {
			p.waitAll(topic, pending)
			pending = pending[:0]
		}
		pending = append(pending, p.c.Publish(topic, qos, false, payload(i)))
	}
	p.waitAll(topic, pending)
}

func (p *Publisher) waitAll(topic string, toks []paho.Token) {
	p.tb.Helper()
	for _, tok := range toks {
		if err := wait(tok); err != nil {
			p.tb.Fatalf("mqtttest: flood %s: %v", topic, err)
		}
	}
}

// FloodLines publishes n messages to topic at QoS 0, line(i) for the i-th
// (it must not contain a newline), as fast as the broker takes them. It uses
// mosquitto_pub, which costs the test process nothing, and falls back to a
// Publisher's Flood where mosquitto_pub is not installed.
func (b *Broker) FloodLines(topic string, n int, line func(i int) []byte) {
	b.tb.Helper()
	bin, err := exec.LookPath("mosquitto_pub")
	if err != nil {
		NewPublisher(b.tb, b.URL).Flood(topic, n, line, 0)
		return
	}
	var in bytes.Buffer
	for i := range n {
		l := line(i)
		if bytes.IndexByte(l, '\n') >= 0 {
			b.tb.Fatalf("mqtttest: flood line %d contains a newline", i)
		}
		in.Write(l)
		in.WriteByte('\n')
	}
	cmd := exec.Command(bin, "-h", "127.0.0.1", "-p", strconv.Itoa(b.Port), "-t", topic, "-l", "-q", "0")
	cmd.Stdin = &in
	if out, err := cmd.CombinedOutput(); err != nil {
		b.tb.Fatalf("mqtttest: mosquitto_pub: %v: %s", err, out)
	}
}

// Connected reports whether the publisher's connection is up; after a broker
// restart it reconnects by itself within about 100ms.
func (p *Publisher) Connected() bool { return p.c.IsConnectionOpen() }
