package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/gateway/homeassistant"
	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/mqtt"
	"github.com/rs/zerolog"
)

// app is a running gateway with its broker and bridge clients: what `run`
// (and the demo) start and stop.
type app struct {
	log     zerolog.Logger
	broker  *mqtt.Client
	gateway *gateway.Gateway
	bridges map[string]gateway.Bridge // the gateway's clients, for the reload's name checks
	ha      *homeassistant.Discovery  // nil unless homeassistant.enabled
	extras  *extras                   // built-in broker, metrics and health (extras.go)
}

// startApp connects to the broker and bridges and starts the gateway. It
// keeps retrying a broker or bridge that is down until ctx ends; a wrong key
// or an unknown light name stops it at once.
func startApp(ctx context.Context, cfg *config.Config, log zerolog.Logger, opts ...appOption) (*app, error) {
	x, cfg, err := startExtras(cfg, log, opts)
	if err != nil {
		return nil, err
	}
	bridges, budgets, err := newBridges(cfg)
	if err != nil {
		x.stop()
		return nil, err
	}
	x.wrap(bridges)
	broker, err := newBroker(cfg, log)
	if err != nil {
		x.stop()
		return nil, err
	}
	state := &gateway.StateOptions{Prefix: cfg.MQTT.Prefix, PollInterval: statePollInterval(cfg)}
	ha := newDiscovery(cfg, broker, log)
	if ha != nil {
		state.OnInventory = ha.Update
	}
	gw, err := gateway.New(gateway.Options{
		Broker: broker, Bridges: bridges, Budgets: budgets, Events: x.events, Log: log, State: state,
	})
	if err != nil {
		broker.Close(time.Second)
		x.stop()
		return nil, err
	}
	x.watch(gw, broker)
	a := &app{log: log, broker: broker, gateway: gw, bridges: bridges, ha: ha, extras: x}
	if err := a.start(ctx, cfg); err != nil {
		_ = a.stop(2 * time.Second)
		return nil, err
	}
	return a, nil
}

func (a *app) start(ctx context.Context, cfg *config.Config) error {
	if err := a.checkNames(ctx, cfg); err != nil {
		return err
	}
	if a.ha != nil {
		if err := a.ha.Start(); err != nil {
			return err
		}
	}
	if err := retry(ctx, a.log, "bridge", func() error { return a.gateway.Start(ctx, cfg.Mappings) }); err != nil {
		return err
	}
	if err := a.broker.Connect(ctx); err != nil {
		return err
	}
	a.log.Info().Strs("topics", a.gateway.Topics()).Msg("huegate running")
	if a.ha != nil {
		a.log.Info().Str("birth_topic", a.ha.BirthTopic()).Msg("home assistant discovery on")
	}
	return nil
}

// stop flushes pending values, publishes offline and disconnects.
func (a *app) stop(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := a.gateway.Shutdown(ctx)
	if err != nil {
		a.log.Warn().Err(err).Msg("shutdown: some values were not sent")
	}
	a.stopDiscovery()
	a.broker.Close(2 * time.Second)
	a.extras.stop()
	return nil
}

// retry runs f until it succeeds, fails for good, or ctx ends. Only errors
// that may pass (bridge down, timeouts) are retried, with a capped backoff.
func retry(ctx context.Context, log zerolog.Logger, what string, f func() error) error {
	wait := time.Second
	for {
		err := f()
		if err == nil || !hue.Retryable(err) {
			return err
		}
		log.Warn().Err(err).Dur("retry_in", wait).Msgf("%s not ready", what)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 30*time.Second)
	}
}

func newBridges(cfg *config.Config) (map[string]gateway.Bridge, map[string]gateway.BridgeOptions, error) {
	bridges := map[string]gateway.Bridge{}
	budgets := map[string]gateway.BridgeOptions{}
	for name, b := range cfg.Bridges {
		if b.Username == "" {
			return nil, nil, bridgeError(name, errors.New("no API key: run `huegate pair --host <bridge>` or set HUEGATE_BRIDGE_USERNAME"))
		}
		c, err := hue.New(hue.Config{Host: b.Host, Username: b.Username, Timeout: b.Timeout, CertSHA256: b.CertSHA256, MaxConns: b.Workers + 3})
		if err != nil {
			return nil, nil, bridgeError(name, err)
		}
		bridges[name] = c
		budgets[name] = gateway.BridgeOptions{LightRate: b.LightRate, GroupRate: b.GroupRate, Workers: b.Workers}
	}
	return bridges, budgets, nil
}

// statePollInterval is the shortest any bridge asks for; the state mirror polls
// every bridge at that pace.
func statePollInterval(cfg *config.Config) time.Duration {
	var d time.Duration
	for _, b := range cfg.Bridges {
		if d == 0 || b.PollInterval < d {
			d = b.PollInterval
		}
	}
	return d
}

func bridgeError(name string, err error) error {
	if name == config.DefaultBridge {
		return fmt.Errorf("bridge: %w", err)
	}
	return fmt.Errorf("bridges.%s: %w", name, err)
}

func newBroker(cfg *config.Config, log zerolog.Logger) (*mqtt.Client, error) {
	m := cfg.MQTT
	opts := mqtt.Options{
		Broker: m.Broker, ClientID: m.ClientID, Username: m.Username, Password: m.Password,
		QoS: byte(m.QoS), StatusTopic: m.StatusTopic(), Logger: log,
	}
	if m.CAFile != "" || m.CertFile != "" || m.KeyFile != "" || m.InsecureSkipVerify {
		tlsCfg, err := mqtt.TLSConfig(m.CAFile, m.CertFile, m.KeyFile, m.InsecureSkipVerify)
		if err != nil {
			return nil, fmt.Errorf("mqtt: %w", err)
		}
		opts.TLS = tlsCfg
	}
	return mqtt.New(opts)
}

// newDiscovery is Home Assistant discovery when the config turns it on.
func newDiscovery(cfg *config.Config, broker *mqtt.Client, log zerolog.Logger) *homeassistant.Discovery {
	if !cfg.HomeAssistant.Enabled {
		return nil
	}
	v, _ := buildVersion()
	return homeassistant.New(homeassistant.Options{
		Broker: broker, Prefix: cfg.HomeAssistant.DiscoveryPrefix, StatusTopic: cfg.MQTT.StatusTopic(),
		Version: v, Log: log.With().Str("part", "homeassistant").Logger(),
	})
}

func (a *app) stopDiscovery() {
	if a.ha != nil {
		a.ha.Stop()
	}
}
