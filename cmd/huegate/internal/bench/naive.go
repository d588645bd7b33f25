package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt"
	"github.com/rs/zerolog"
)

// naiveWorkers is how many bridge calls the naive gateway has in flight at
// once: what a browser allows per host, and the connections huegate's
// bridge client opens.
const naiveWorkers = 6

// naive is the baseline: what the example this project grew from and earlier
// gateways do. Every message becomes one bridge call per light, in arrival
// order, with no limiter and no coalescing; a failed call is not retried.
// It shares huegate's MQTT client, payload parser and bridge client, so the
// only difference measured is the pool.
type naive struct {
	client *mqtt.Client
	bridge *hue.Client
	count  atomic.Int64
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	queue    []job // FIFO of messages; a message leaves once its last light is sent
	head     int
	light    int // next light of queue[head]
	inflight int
	wake     chan struct{}
}

type job struct {
	lights []string
	level  mapping.Level
}

func startNaive(ctx context.Context, cfg *config.Config) (*naive, error) {
	client, bridge, err := naiveClients(cfg)
	if err != nil {
		return nil, fmt.Errorf("start naive gateway: %w", err)
	}
	n := &naive{client: client, bridge: bridge, wake: make(chan struct{}, 1)}
	for _, m := range cfg.Mappings {
		var ids []string
		for _, ref := range m.Lights {
			ids = append(ids, ref.ID)
		}
		if err := client.Subscribe(ctx, n.handler(ids, m.Range), m.Topic); err != nil {
			client.Close(time.Second)
			return nil, fmt.Errorf("naive gateway: %w", err)
		}
	}
	wctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	for range naiveWorkers {
		n.wg.Go(func() { n.work(wctx) })
	}
	if err := client.Connect(ctx); err != nil {
		n.stop()
		return nil, fmt.Errorf("naive gateway: %w", err)
	}
	return n, nil
}

func (n *naive) handler(lights []string, r mapping.Range) mqtt.Handler {
	return func(m mqtt.Message) {
		n.count.Add(1)
		level, err := mapping.Parse(m.Payload, r)
		if err != nil {
			return
		}
		n.mu.Lock()
		n.queue = append(n.queue, job{lights: lights, level: level})
		n.mu.Unlock()
		select {
		case n.wake <- struct{}{}:
		default:
		}
	}
}

func (n *naive) work(ctx context.Context) {
	for {
		id, level, ok := n.next(ctx)
		if !ok {
			return
		}
		_ = n.bridge.SetLight(ctx, id, naiveState(level.On, level.Bri))
		n.mu.Lock()
		n.inflight--
		n.mu.Unlock()
	}
}

// next takes the oldest unsent light command, waiting for one.
func (n *naive) next(ctx context.Context) (string, mapping.Level, bool) {
	for {
		n.mu.Lock()
		if n.head < len(n.queue) {
			j := n.queue[n.head]
			id := j.lights[n.light]
			n.light++
			if n.light == len(j.lights) {
				n.queue[n.head] = job{}
				n.head, n.light = n.head+1, 0
				n.compact()
			}
			n.inflight++
			more := n.head < len(n.queue)
			n.mu.Unlock()
			if more { // pass the wake-up on
				select {
				case n.wake <- struct{}{}:
				default:
				}
			}
			return id, j.level, true
		}
		n.mu.Unlock()
		select {
		case <-n.wake:
		case <-ctx.Done():
			return "", mapping.Level{}, false
		}
	}
}

// compact drops sent messages once they are half the queue. Callers hold mu.
func (n *naive) compact() {
	if n.head > 1024 && n.head*2 > len(n.queue) {
		n.queue = append(n.queue[:0], n.queue[n.head:]...)
		n.head = 0
	}
}

func (n *naive) received() int64 { return n.count.Load() }

func (n *naive) cpu() (time.Duration, bool) { return cpuTime() }

func (n *naive) idle() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.head == len(n.queue) && n.inflight == 0
}

func (n *naive) stop() {
	n.cancel()
	n.wg.Wait()
	n.client.Close(2 * time.Second)
}

// naiveState is a light command as earlier gateways send it: on, and the
// brightness while on.
func naiveState(on bool, bri uint8) hue.State {
	if !on {
		return hue.State{Fields: hue.FieldOn}
	}
	return hue.State{Fields: hue.FieldOn | hue.FieldBri, On: true, Bri: bri}
}

// naiveClients are the MQTT and bridge clients huegate would use for cfg,
// made with the same packages and settings.
func naiveClients(cfg *config.Config) (*mqtt.Client, *hue.Client, error) {
	b := cfg.Bridges[config.DefaultBridge]
	bridge, err := hue.New(hue.Config{Host: b.Host, Username: b.Username, Timeout: b.Timeout, MaxConns: b.Workers + 3})
	if err != nil {
		return nil, nil, err
	}
	m := cfg.MQTT
	client, err := mqtt.New(mqtt.Options{Broker: m.Broker, ClientID: m.ClientID, QoS: byte(m.QoS), StatusTopic: m.StatusTopic(), Logger: zerolog.Nop()})
	return client, bridge, err
}
