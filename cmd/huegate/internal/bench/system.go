package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/mqtt"
)

// Wiring builds what `huegate run` builds. Package main supplies it from the
// functions `run` itself uses, so the bench measures that very code.
type Wiring struct {
	// Huegate starts huegate's pipeline for cfg as `run` does, with ev among
	// the gateway's events, and returns once it is connected.
	Huegate func(ctx context.Context, cfg *config.Config, ev gateway.Events) (*gateway.Gateway, *mqtt.Client, error)
	// Clients builds the MQTT and bridge clients for cfg as `run` does,
	// without connecting; the naive gateway uses them.
	Clients func(cfg *config.Config) (*mqtt.Client, gateway.Bridge, error)
}

// system is what a run measures: huegate's pipeline or the naive gateway.
type system interface {
	received() int64 // messages on mapped topics so far
	idle() bool      // nothing left to send to the bridge
	stop()
}

func startSystem(ctx context.Context, mode string, cfg *config.Config, w Wiring) (system, error) {
	switch mode {
	case ModeNaive:
		return startNaive(ctx, cfg, w)
	case ModeBroker:
		return startBrokerSystem(ctx, cfg)
	}
	return startHuegate(ctx, cfg, w)
}

// systemConfig is the configuration of a run's system under test: huegate's
// defaults (as `run` would read them from a file naming only the bridge, the
// broker and the mappings), pointed at the world.
func systemConfig(sc Scenario, ready event, prefix string) (*config.Config, error) {
	var b strings.Builder
	b.WriteString("bridge:\n  light_rate: 10\nmappings:\n")
	for t := range sc.Topics {
		fmt.Fprintf(&b, "  - topic: %s\n    lights: [%s]\n", topic(prefix, t), strings.Join(sc.lightsOf(t), ", "))
	}
	cfg, err := config.Parse([]byte(b.String()))
	if err != nil {
		return nil, fmt.Errorf("bench config: %w", err)
	}
	// Set after parsing, so HUEGATE_* variables in the environment cannot
	// point the bench at a real bridge or broker.
	br := cfg.Bridges[config.DefaultBridge]
	br.Host, br.Username, br.LightRate = ready.Bridge, ready.Key, bridgeRate
	cfg.Bridges = map[string]config.Bridge{config.DefaultBridge: br}
	cfg.MQTT.Broker = ready.Broker
	cfg.MQTT.ClientID = "huegate-bench-" + strconv.Itoa(os.Getpid())
	cfg.MQTT.Prefix = prefix
	return cfg, nil
}

// counter counts messages for the bench; everything else huegate reports is
// ignored.
type counter struct {
	gateway.NopEvents
	n atomic.Int64
}

func (c *counter) Received(string) { c.n.Add(1) }

type huegateSystem struct {
	gw     *gateway.Gateway
	client *mqtt.Client
	count  *counter
}

func startHuegate(ctx context.Context, cfg *config.Config, w Wiring) (*huegateSystem, error) {
	s := &huegateSystem{count: &counter{}}
	var err error
	s.gw, s.client, err = w.Huegate(ctx, cfg, s.count)
	if err != nil {
		return nil, fmt.Errorf("start huegate: %w", err)
	}
	return s, nil
}

func (s *huegateSystem) received() int64 { return s.count.n.Load() }
func (s *huegateSystem) idle() bool      { return s.gw.Pending() == 0 }

// stop does not wait for pending values: a run ends when its finals are in,
// or at its deadline, and what is left then is not sent.
func (s *huegateSystem) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = s.gw.Shutdown(ctx)
	s.client.Close(2 * time.Second)
}
