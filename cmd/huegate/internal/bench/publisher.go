package bench

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// publisher is the load generator: one paho connection publishing the
// scenario's messages at QoS 0, and the finals at QoS 1.
type publisher struct {
	c        paho.Client
	raw      *rawPublisher // bursts, on tcp:// brokers; nil elsewhere
	prefix   string
	topics   []string
	payloads [][]byte // by value, pre-built so the generator allocates little
	n        int      // messages published; only the world's loop touches it
}

// waitTimeout bounds every wait on the broker.
const waitTimeout = 10 * time.Second

func dialPublisher(ctx context.Context, broker, prefix string, topics int) (*publisher, error) {
	opts := paho.NewClientOptions().
		AddBroker(broker).
		SetClientID("huegate-bench-load-" + strconv.Itoa(os.Getpid())).
		SetProtocolVersion(4).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectTimeout(waitTimeout).
		SetWriteTimeout(waitTimeout)
	p := &publisher{c: paho.NewClient(opts), prefix: prefix}
	for t := range topics {
		p.topics = append(p.topics, topic(prefix, t))
	}
	for v := range 255 {
		p.payloads = append(p.payloads, []byte(strconv.Itoa(v)))
	}
	if err := wait(ctx, p.c.Connect()); err != nil {
		return nil, fmt.Errorf("load generator: connect to %s: %w", redactURL(broker), err)
	}
	raw, err := dialRaw(ctx, broker, "huegate-bench-burst-"+strconv.Itoa(os.Getpid()))
	if err != nil {
		p.close()
		return nil, err
	}
	p.raw = raw
	return p, nil
}

// burst publishes round-robin over the topics as fast as the broker takes
// them: n messages, or until the deadline when n is 0.
func (p *publisher) burst(ctx context.Context, topics, n int, until time.Time) (int, error) {
	if p.raw != nil {
		return p.rawBurst(ctx, topics, n, until)
	}
	var last paho.Token
	sent := 0
	for i := 0; n == 0 || i < n; i++ {
		if i%1024 == 0 {
			if ctx.Err() != nil || (n == 0 && time.Now().After(until)) {
				break
			}
			if err := failed(last); err != nil {
				return sent, err
			}
		}
		last = p.c.Publish(p.topics[i%topics], 0, false, p.payloads[loadValue(i/topics)])
		sent++
	}
	p.n += sent
	if last == nil {
		return sent, nil
	}
	return sent, wait(ctx, last)
}

func (p *publisher) rawBurst(ctx context.Context, topics, n int, until time.Time) (int, error) {
	sent := 0
	defer func() { p.n += sent }()
	for i := 0; n == 0 || i < n; i++ {
		if i%1024 == 0 && (ctx.Err() != nil || (n == 0 && time.Now().After(until))) {
			break
		}
		if err := p.raw.publish(p.topics[i%topics], p.payloads[loadValue(i/topics)]); err != nil {
			return sent, fmt.Errorf("load generator: publish: %w", err)
		}
		sent++
	}
	if err := p.raw.flush(); err != nil {
		return sent, fmt.Errorf("load generator: publish: %w", err)
	}
	return sent, nil
}

// paced publishes rate messages per second round-robin over the topics for
// d. A late tick catches up rather than skipping, so the count stays
// rate × d.
func (p *publisher) paced(ctx context.Context, topics int, rate float64, d time.Duration) (int, error) {
	start := time.Now()
	total := int(rate * d.Seconds())
	var last paho.Token
	for i := range total {
		due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if wait := time.Until(due); wait > 0 {
			select {
			case <-ctx.Done():
				return i, ctx.Err()
			case <-time.After(wait):
			}
		}
		if err := failed(last); err != nil {
			return i, err
		}
		last = p.c.Publish(p.topics[i%topics], 0, false, p.payloads[loadValue(i/topics)])
		p.n++
	}
	if last == nil {
		return 0, nil
	}
	return total, wait(ctx, last)
}

// final publishes topic t's final value at QoS 1 and waits for the broker
// to take it: the last value a user sets is the one that must arrive.
func (p *publisher) final(ctx context.Context, t, v int) error {
	p.n++
	if err := wait(ctx, p.c.Publish(p.topics[t], 1, false, p.payloads[v])); err != nil {
		return fmt.Errorf("load generator: publish final value: %w", err)
	}
	return nil
}

func (p *publisher) published() int { return p.n }

// clearRetained removes what the run left retained under its prefix on a
// broker that outlives it (huegate's state and status topics), so the bench
// leaves the user's broker as it found it.
func (p *publisher) clearRetained() {
	var mu sync.Mutex
	var retained []string
	end := p.prefix + "/bench-end"
	done := make(chan struct{})
	var once sync.Once
	tok := p.c.Subscribe(p.prefix+"/#", 1, func(_ paho.Client, m paho.Message) {
		switch {
		case m.Topic() == end:
			once.Do(func() { close(done) })
		case m.Retained() && len(m.Payload()) > 0:
			mu.Lock()
			retained = append(retained, m.Topic())
			mu.Unlock()
		}
	})
	if wait(context.Background(), tok) != nil {
		return
	}
	// The broker sends the retained messages before it handles a later
	// publish from the same client: once the marker is back, all are in.
	p.c.Publish(end, 1, false, []byte{})
	select {
	case <-done:
	case <-time.After(waitTimeout):
		return
	}
	mu.Lock()
	defer mu.Unlock()
	var last paho.Token
	for _, t := range retained {
		last = p.c.Publish(t, 1, true, []byte{})
	}
	if last != nil {
		_ = wait(context.Background(), last)
	}
}

func (p *publisher) close() {
	if p.raw != nil {
		p.raw.close()
	}
	p.c.Disconnect(250)
}

// wait waits for a paho token, ctx or waitTimeout.
func wait(ctx context.Context, tok paho.Token) error {
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(waitTimeout):
		return errors.New("no answer from the broker within " + waitTimeout.String())
	}
}

// failed returns the error of a finished token; a token still under way is
// no error yet.
func failed(tok paho.Token) error {
	if tok == nil {
		return nil
	}
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return fmt.Errorf("load generator: publish: %w", err)
		}
	default:
	}
	return nil
}

// redactURL hides a password in a broker URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the broker"
	}
	return u.Redacted()
}
