package homeassistant

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/huegate/huegate/inventory"
	"github.com/huegate/huegate/mqtt"
	"github.com/rs/zerolog"
)

// Broker is what discovery needs from the MQTT connection (*mqtt.Client).
type Broker interface {
	Subscribe(ctx context.Context, h mqtt.Handler, topics ...string) error
	Publish(topic string, payload []byte, retained bool) error
	OnConnect(f func())
}

// Options configures Discovery.
type Options struct {
	Broker      Broker
	Prefix      string // Home Assistant's discovery prefix; default "homeassistant"
	StatusTopic string // huegate's own availability topic, e.g. "huegate/status"
	Version     string // huegate's version, shown by Home Assistant as the origin's
	Log         zerolog.Logger
}

// Discovery keeps Home Assistant's discovery configs in line with the
// bridges' inventories.
type Discovery struct {
	broker Broker
	names  names
	log    zerolog.Logger
	birth  chan struct{} // Home Assistant came online: publish everything again

	mu      sync.Mutex
	configs map[string]map[string][]byte // by bridge: topic -> retained config
	clear   map[string]bool              // topics whose removal has not reached the broker
	legacy  map[string]bool              // bridges whose configs under old ids were cleared
	started bool
	stopped bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// New prepares a Discovery; nothing is published or subscribed until Start.
// Update may be called before Start: what it publishes while the broker is
// not connected goes out on connect.
func New(o Options) *Discovery {
	if o.Prefix == "" {
		o.Prefix = "homeassistant"
	}
	return &Discovery{
		broker:  o.Broker,
		names:   names{prefix: o.Prefix, status: o.StatusTopic, version: o.Version},
		log:     o.Log,
		birth:   make(chan struct{}, 1),
		configs: map[string]map[string][]byte{},
		clear:   map[string]bool{},
		legacy:  map[string]bool{},
		done:    make(chan struct{}),
	}
}

// BirthTopic is where Home Assistant announces itself.
func (d *Discovery) BirthTopic() string { return d.names.prefix + "/status" }

// Start subscribes to Home Assistant's birth message and republishes on
// every connect. Call it before the broker connects (then ctx is not waited
// on).
func (d *Discovery) Start(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.started {
		return fmt.Errorf("home assistant discovery already started")
	}
	if err := d.broker.Subscribe(ctx, d.onBirth, d.BirthTopic()); err != nil {
		return err // names the topic
	}
	d.broker.OnConnect(d.republish)
	rctx, cancel := context.WithCancel(context.Background())
	d.started, d.cancel = true, cancel
	go d.run(rctx)
	return nil
}

// Stop ends the goroutine Start began; a birth message heard later is
// ignored. It does not wait on the broker: closing the connection
// unsubscribes everything. The configs stay retained on the broker:
// huegate going away is what availability says.
func (d *Discovery) Stop() {
	d.mu.Lock()
	if !d.started || d.stopped {
		d.stopped = true
		d.mu.Unlock()
		return
	}
	d.stopped = true
	d.mu.Unlock()
	d.cancel()
	<-d.done
}

// onBirth runs on the MQTT delivery path, so it only signals. A retained
// "online" is an old announcement replayed at subscribe time, and huegate
// publishes everything on connect anyway.
func (d *Discovery) onBirth(msg mqtt.Message) {
	if msg.Retained || string(bytes.TrimSpace(msg.Payload)) != "online" {
		return
	}
	select {
	case d.birth <- struct{}{}:
	default:
	}
}

func (d *Discovery) run(ctx context.Context) {
	defer close(d.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.birth:
			d.log.Info().Msg("home assistant came online; publishing discovery again")
			d.republish()
		}
	}
}

// Update is the gateway's inventory hook: it publishes the configs that
// changed for this bridge and clears those of lights, groups and scenes
// that are gone.
func (d *Discovery) Update(inv inventory.Inventory) {
	next := d.names.configs(inv)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	d.clearLegacy(inv, next) // first: no clear comes after the configs
	old := d.configs[inv.Bridge]
	for topic, payload := range next {
		delete(d.clear, topic)
		if !bytes.Equal(old[topic], payload) {
			d.publish(topic, payload)
		}
	}
	for topic := range old {
		if _, ok := next[topic]; !ok {
			d.clear[topic] = true
			d.publish(topic, nil)
		}
	}
	d.configs[inv.Bridge] = next
	d.log.Debug().Str("bridge", inv.Bridge).Int("configs", len(next)).Msg("home assistant discovery updated")
}

// clearLegacy clears, once per bridge, the configs earlier versions
// published under ids made from the bridge's name in the config
// ("default_group_1") where the bridge's own id belongs: left retained, Home
// Assistant would show each group and the bridge twice. Callers hold d.mu.
func (d *Discovery) clearLegacy(inv inventory.Inventory, next map[string][]byte) {
	if d.legacy[inv.Bridge] || inv.Config.BridgeID == "" {
		return
	}
	d.legacy[inv.Bridge] = true
	old := inv
	old.Config.BridgeID = ""
	for topic := range d.names.configs(old) {
		if _, ok := next[topic]; !ok {
			d.clear[topic] = true
			d.publish(topic, nil)
		}
	}
}

// republish sends the removals not yet confirmed, then every config again:
// a broker without persistence forgets retained messages when it restarts,
// and Home Assistant asks again with its birth message.
func (d *Discovery) republish() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	for topic := range d.clear {
		d.publish(topic, nil)
	}
	for _, configs := range d.configs {
		for topic, payload := range configs {
			d.publish(topic, payload)
		}
	}
}

// publish sends one retained message. A removal that reached the broker is
// done with. Callers hold d.mu.
func (d *Discovery) publish(topic string, payload []byte) {
	if err := d.broker.Publish(topic, payload, true); err != nil {
		d.log.Debug().Err(err).Str("topic", topic).Msg("discovery not published; it goes out on connect")
		return
	}
	if payload == nil {
		delete(d.clear, topic)
	}
}
