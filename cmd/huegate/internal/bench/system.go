package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/huegate/huegate/app"
	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/hue"
	"github.com/rs/zerolog"
)

// system is what a run measures: huegate's pipeline or the naive gateway.
type system interface {
	received() int64 // messages on mapped topics so far
	idle() bool      // nothing left to send to the bridge
	// cpu is the CPU time the system has used so far: the bench process's
	// own for the systems that run in it.
	cpu() (time.Duration, bool)
	stop()
}

func startSystem(ctx context.Context, mode string, cfg *config.Config) (system, error) {
	switch mode {
	case ModeNaive:
		return startNaive(ctx, cfg)
	case ModeBroker:
		return startBrokerSystem(ctx, cfg)
	case ModeMosquittoSub:
		return startMosqSub(ctx, cfg)
	}
	return startHuegate(ctx, cfg)
}

// systemConfig is the configuration of a run's system under test: huegate's
// defaults (as `run` would read them from a file naming only the bridge, the
// broker and the mappings), pointed at the world. In the stream mode each
// topic is mapped to the bridge's entertainment area instead of its lights.
func systemConfig(sc Scenario, mode string, ready event, prefix string) (*config.Config, error) {
	var b strings.Builder
	b.WriteString("bridge:\n  light_rate: 10\nmappings:\n")
	for t := range sc.Topics {
		if mode == ModeHuegateStream {
			fmt.Fprintf(&b, "  - topic: %s\n    stream: %q\n    stream_idle: %s\n", topic(prefix, t), areaName, streamIdle)
			continue
		}
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
	br.ClientKey = ready.ClientKey
	if ready.StreamPort != 0 {
		br.StreamPort = ready.StreamPort
	}
	cfg.Bridges = map[string]config.Bridge{config.DefaultBridge: br}
	cfg.MQTT.Broker = ready.Broker
	cfg.MQTT.ClientID = "huegate-bench-" + strconv.Itoa(os.Getpid())
	cfg.MQTT.Prefix = prefix
	return cfg, nil
}

// counter counts messages for the bench; everything else huegate reports is
// ignored.
type counter struct{ n atomic.Int64 }

func (c *counter) Received(string)                                  { c.n.Add(1) }
func (c *counter) Rejected(string, string)                          {}
func (c *counter) Coalesced(string)                                 {}
func (c *counter) Sent(string, string, hue.State, time.Time, error) {}

type huegateSystem struct {
	app   *app.App
	count *counter
}

// startHuegate builds huegate as `huegate run` does (package app, with the
// metrics and Home Assistant discovery on), with the bench's counter among
// its events, and returns once it is connected.
func startHuegate(ctx context.Context, cfg *config.Config) (*huegateSystem, error) {
	s := &huegateSystem{count: &counter{}}
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.HomeAssistant.Enabled = true
	a, err := app.New(cfg, app.Options{Log: zerolog.Nop(), Events: []app.Events{s.count}})
	if err != nil {
		return nil, fmt.Errorf("start huegate: %w", err)
	}
	if err := a.Start(ctx); err != nil {
		_ = a.Stop(time.Second)
		return nil, fmt.Errorf("start huegate: %w", err)
	}
	s.app = a
	return s, nil
}

func (s *huegateSystem) received() int64            { return s.count.n.Load() }
func (s *huegateSystem) idle() bool                 { return s.app.Pending() == 0 }
func (s *huegateSystem) cpu() (time.Duration, bool) { return cpuTime() }

// stop gives huegate the time to say goodbye to the broker (its status
// offline, a DISCONNECT): squeezed into 100 ms on a busy machine, its last
// publish or the broker's will could land after the world cleared the
// run's retained topics. A run ends when its finals are in, so nothing
// is pending then, or at its deadline, when at most 2 s go on what is left.
func (s *huegateSystem) stop() { _ = s.app.Stop(2 * time.Second) }

// trustBridge points cfg at an https bridge as a user would: its address
// without a scheme, its CA in bridge.ca_file (a temporary file, removed by
// done), and bridge.api v2.
func trustBridge(cfg *config.Config, ready event) (done func(), err error) {
	f, err := os.CreateTemp("", "huegate-bench-ca-*.pem")
	if err != nil {
		return nil, err
	}
	done = func() { os.Remove(f.Name()) }
	if _, err := f.WriteString(ready.CA); err != nil {
		f.Close()
		done()
		return nil, err
	}
	if err := f.Close(); err != nil {
		done()
		return nil, err
	}
	br := cfg.Bridges[config.DefaultBridge]
	_, br.Host, _ = strings.Cut(ready.Bridge, "://")
	br.CAFile, br.API = f.Name(), "v2"
	cfg.Bridges[config.DefaultBridge] = br
	return done, nil
}
