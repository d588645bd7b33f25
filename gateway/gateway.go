package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/mapping"
	"github.com/huegate/huegate/mqtt"
	"github.com/rs/zerolog"
)

// Bridge is everything the gateway needs from a Hue bridge (*hue.Client):
// commands, the reads of the state mirror, and the event stream. Every
// capability is named here, so a bridge that lacks one does not compile;
// nothing is discovered by type assertion.
type Bridge interface {
	SetLight(ctx context.Context, id string, s hue.State) error
	SetGroup(ctx context.Context, id string, s hue.State) error
	Lights(ctx context.Context) ([]hue.Light, error)
	Groups(ctx context.Context) ([]hue.Group, error)
	Scenes(ctx context.Context) ([]hue.Scene, error)
	BridgeConfig(ctx context.Context) (hue.BridgeConfig, error)
	// Stream follows the bridge's push channel, calling open once it is up
	// and changed when a light or group changed, until it fails or ctx
	// ends. A bridge without one returns an error; the mirror then polls.
	Stream(ctx context.Context, open, changed func()) error
	// Areas lists the entertainment areas; OpenArea starts one (by its v2
	// id) and opens its Entertainment stream.
	Areas(ctx context.Context) ([]hue.Area, error)
	OpenArea(ctx context.Context, id string) (*hue.AreaStream, error)
}

// Broker is what the gateway needs from MQTT (*mqtt.Client). Subscribe and
// Unsubscribe take many topics at once (one change of the client's routes,
// a few packets), so thousands of mappings cost little more than one, and
// wait for the broker's answers until ctx ends.
type Broker interface {
	Subscribe(ctx context.Context, h mqtt.Handler, topics ...string) error
	Unsubscribe(ctx context.Context, topics ...string) error
	Publish(topic string, payload []byte, retained bool) error
	OnConnect(f func())
}

// BridgeOptions is one bridge's budget.
type BridgeOptions struct {
	LightRate float64 // light commands per second, bridge-wide
	GroupRate float64 // group commands per second
	Workers   int     // concurrent requests; bridges handle few
}

// Defaults fills unset budget fields with what a Hue bridge sustains.
func (o BridgeOptions) Defaults() BridgeOptions {
	if o.LightRate <= 0 {
		o.LightRate = 10
	}
	if o.GroupRate <= 0 {
		o.GroupRate = 1
	}
	if o.Workers <= 0 {
		o.Workers = 3
	}
	return o
}

// Options configures a Gateway.
type Options struct {
	Broker  Broker
	Bridges map[string]Bridge        // by name; one bridge is the common case
	Budgets map[string]BridgeOptions // by the same names; missing means defaults
	Events  Events                   // nil means none
	State   *StateOptions            // nil: do not publish state back
	Log     zerolog.Logger
}

// Gateway carries values from mapped topics to the bridges.
type Gateway struct {
	broker Broker
	pools  map[string]*pool
	names  []string // bridge names, sorted
	events Events
	log    zerolog.Logger
	junk   *rateLog
	states []*bridgeState
	out    *outbox // the state mirror's publishes

	pollWarn *rateLog

	routes  atomic.Pointer[table]
	closed  atomic.Bool
	mu      sync.Mutex // serialises Start, SetMappings and Shutdown
	cancel  context.CancelFunc
	workers sync.WaitGroup
}

// New builds a gateway. Nothing runs until Start.
func New(opts Options) (*Gateway, error) {
	if opts.Broker == nil || len(opts.Bridges) == 0 {
		return nil, errors.New("gateway needs a broker and at least one bridge")
	}
	ev := opts.Events
	if ev == nil {
		ev = NopEvents{}
	}
	g := &Gateway{broker: opts.Broker, pools: make(map[string]*pool), events: ev, log: opts.Log}
	g.out = newOutbox(opts.Broker, opts.Log)
	g.junk = newRateLog(opts.Log, 5, 10*time.Second)
	g.pollWarn = newRateLog(opts.Log, 2, time.Minute)
	for name, b := range opts.Bridges {
		budget := opts.Budgets[name].Defaults()
		g.pools[name] = newPool(b, budget, opts.Log.With().Str("bridge", name).Logger(), ev)
		g.names = append(g.names, name)
	}
	sort.Strings(g.names)
	if opts.State != nil {
		g.addStates(*opts.State)
	}
	empty := table{}
	g.routes.Store(&empty)
	return g, nil
}

// pool finds the bridge a mapping names; an empty name means the only one.
func (g *Gateway) pool(name string) (string, *pool, error) {
	if name == "" {
		if len(g.names) != 1 {
			return "", nil, fmt.Errorf("bridge not named, and there are %d bridges: %v", len(g.names), g.names)
		}
		name = g.names[0]
	}
	p := g.pools[name]
	if p == nil {
		return "", nil, fmt.Errorf("unknown bridge %q (configured: %v)", name, g.names)
	}
	return name, p, nil
}

// Start resolves the mappings' light names on the bridges, starts the
// workers and subscribes to the mapped topics. An unknown light name is an
// error here, before anything is sent.
func (g *Gateway) Start(ctx context.Context, ms []mapping.Mapping) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	t, err := g.build(ctx, ms)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	for _, p := range g.pools {
		p.startSpawning(wctx, &g.workers)
		for range p.workers {
			g.workers.Go(func() { p.run(wctx) })
		}
	}
	if err := g.swap(ctx, t); err != nil {
		return err
	}
	if err := g.subscribeCommands(ctx); err != nil {
		return err
	}
	g.out.start()
	g.startStates(wctx)
	return nil
}

// SetMappings replaces the mappings while running: new topics are subscribed,
// removed ones unsubscribed, and lights that stay keep their slots and any
// pending value. On error the old mappings stay in force.
func (g *Gateway) SetMappings(ctx context.Context, ms []mapping.Mapping) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed.Load() {
		return errors.New("gateway is shut down")
	}
	t, err := g.build(ctx, ms)
	if err != nil {
		return err
	}
	return g.swap(ctx, t)
}

// swap subscribes what is new, installs t, then unsubscribes what is gone,
// each in one go.
func (g *Gateway) swap(ctx context.Context, t table) error {
	old := *g.routes.Load()
	var added, gone []string
	for topic := range t {
		if old[topic] == nil {
			added = append(added, topic)
		}
	}
	for topic := range old {
		if t[topic] == nil {
			gone = append(gone, topic)
		}
	}
	slices.Sort(added) // subscribed in a stable order
	if err := g.broker.Subscribe(ctx, g.handle, added...); err != nil {
		return err // names the topics
	}
	g.routes.Store(&t)
	if err := g.broker.Unsubscribe(ctx, gone...); err != nil {
		g.log.Warn().Err(err).Msg("unsubscribe failed")
	}
	return nil
}

// Topics lists the subscribed topics, sorted.
func (g *Gateway) Topics() []string {
	t := *g.routes.Load()
	out := make([]string, 0, len(t))
	for topic := range t {
		out = append(out, topic)
	}
	slices.Sort(out)
	return out
}

// handle is the MQTT message handler. It runs on the MQTT client's ordered
// delivery path, so it must never block: it parses, scales and writes slots,
// all in memory.
func (g *Gateway) handle(msg mqtt.Message) {
	if g.closed.Load() {
		return
	}
	r := (*g.routes.Load())[msg.Topic]
	if r == nil {
		return
	}
	g.events.Received(msg.Topic)
	// A retained message is the topic's old value replayed at subscribe time;
	// applying it would undo changes made in the Hue app while huegate was
	// down. Values published while huegate listens arrive unretained.
	if msg.Retained || isClear(msg) {
		return
	}
	if r.m.Sync && r.echo.isEcho(msg.Payload, time.Now()) {
		return
	}
	level, err := mapping.Parse(msg.Payload, r.m.Range)
	if err != nil {
		g.reject(msg.Topic, err)
		return
	}
	st := r.command(level)
	now := time.Now()
	slots := r.slots
	if r.stream != nil && r.stream.set(st, now) {
		slots = r.beside
	}
	for _, s := range slots {
		if s.kind == kindLight && r.pool.streamLight(s.id, st, now) {
			continue // its area streams: REST would not show
		}
		if r.pool.set(s, st, r.m.Debounce, now) {
			g.events.Coalesced(msg.Topic)
		}
	}
}

// isClear reports an empty message: the standard way to clear a topic's
// retained value, which the broker passes on to subscribers. It is not a
// value, and not an error either.
func isClear(msg mqtt.Message) bool { return len(msg.Payload) == 0 }

func (g *Gateway) reject(topic string, err error) {
	reason := "invalid"
	var rej *mapping.Reject
	if errors.As(err, &rej) {
		reason = rej.Reason
	}
	g.events.Rejected(topic, reason)
	g.junk.Warn().Str("topic", topic).Str("reason", reason).Msg("payload rejected: " + err.Error())
}

// Shutdown stops taking messages, sends what is pending (bounded by ctx),
// then stops the workers. It returns ctx's error when values were left
// unsent. It does not wait on the broker: handlers ignore what arrives from
// now on, and the broker connection's Close unsubscribes everything in one
// packet (one per topic here took 19 s for 10,000 topics, and 10 s each
// with a broker that did not answer).
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed.Swap(true) {
		return nil
	}
	for _, p := range g.pools {
		p.stopStreams(ctx) // their final values go to the slots flushed next
	}
	var err error
	for _, p := range g.pools {
		if e := p.flush(ctx); e != nil && err == nil {
			err = fmt.Errorf("values left unsent: %w", e)
		}
	}
	for _, p := range g.pools {
		p.stopTimers()
	}
	if g.cancel != nil {
		g.cancel()
	}
	g.workers.Wait()
	g.out.close()
	return err
}
