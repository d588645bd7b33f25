package gateway_test

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/hue/huetest"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/mqtttest"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const fixture = "../testdata/bridge.json"

// stack is huegate's pipeline between a real Mosquitto and the emulator.
type stack struct {
	broker  *mqtttest.Broker
	bridge  *emulator.Server
	client  *mqtt.Client
	gateway *gateway.Gateway
	events  *countingEvents
}

type stackOptions struct {
	lightRate  float64
	groupRate  float64
	bridgeOpt  []emulator.Option
	state      *gateway.StateOptions
	retained   map[string]string                // published, retained, before huegate starts
	brokerConf []string                         // extra mosquitto.conf lines
	log        io.Writer                        // the gateway's log; nil: the test log
	wrap       func(*hue.Client) gateway.Bridge // wraps the bridge client, e.g. to record calls
}

func newStack(t *testing.T, ms []mapping.Mapping, o stackOptions) *stack {
	t.Helper()
	s := &stack{events: &countingEvents{rejected: map[string]int{}}}
	s.broker = mqtttest.StartMosquitto(t, o.brokerConf...)
	for topic, payload := range o.retained {
		mqtttest.Publish(t, s.broker.URL, topic, []byte(payload), true)
	}
	s.bridge = huetest.NewServer(t, fixture, o.bridgeOpt...)
	hc := hueClient(t, s.bridge)
	s.client = mqttClient(t, s.broker)
	log := testLogger(t)
	if o.log != nil {
		log = zerolog.New(o.log).Level(zerolog.InfoLevel)
	}
	var err error
	s.gateway, err = gateway.New(gateway.Options{
		Broker:  s.client,
		Bridges: map[string]gateway.Bridge{"default": bridgeOf(hc, o.wrap)},
		Budgets: map[string]gateway.BridgeOptions{"default": {LightRate: o.lightRate, GroupRate: o.groupRate}},
		Events:  s.events,
		State:   o.state,
		Log:     log,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.gateway.Start(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.gateway.Shutdown(ctx)
		s.client.Close(2 * time.Second)
	})
	return s
}

// waitLight waits until light id matches, or fails at the deadline.
func (s *stack) waitLight(t *testing.T, id string, ok func(emulator.LightState) bool) emulator.LightState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.bridge.Bridge.WaitLight(ctx, id, ok); err != nil {
		l, _ := s.bridge.Bridge.Light(id)
		t.Fatalf("light %s never matched (%v); last state %+v", id, err, l)
	}
	l, _ := s.bridge.Bridge.Light(id)
	return l
}

func testLogger(t *testing.T) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel)
}

type countingEvents struct {
	mu                  sync.Mutex
	received, coalesced int
	sent, failed        int
	rejected            map[string]int
}

func (e *countingEvents) Received(string) { e.mu.Lock(); e.received++; e.mu.Unlock() }
func (e *countingEvents) Rejected(_, reason string) {
	e.mu.Lock()
	e.rejected[reason]++
	e.mu.Unlock()
}
func (e *countingEvents) Coalesced(string) { e.mu.Lock(); e.coalesced++; e.mu.Unlock() }
func (e *countingEvents) Sent(_, _ string, _ hue.State, _ time.Time, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		e.failed++
		return
	}
	e.sent++
}

func (e *countingEvents) snapshot() (received, coalesced, sent, failed int, rejected map[string]int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := map[string]int{}
	for k, v := range e.rejected {
		r[k] = v
	}
	return e.received, e.coalesced, e.sent, e.failed, r
}

// maxPerWindow is the most commands the bridge saw in any window of width w.
func maxPerWindow(reqs []emulator.Request, w time.Duration) int {
	best := 0
	for i := range reqs {
		n := 0
		for j := i; j < len(reqs) && reqs[j].Time.Sub(reqs[i].Time) < w; j++ {
			n++
		}
		best = max(best, n)
	}
	return best
}

func bridgeOf(c *hue.Client, wrap func(*hue.Client) gateway.Bridge) gateway.Bridge {
	if wrap == nil {
		return c
	}
	return wrap(c)
}
