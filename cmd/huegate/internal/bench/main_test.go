package bench

import (
	"context"
	"testing"
	"time"

	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/mqtt"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testWiring builds the systems under test as cmd/huegate's app.go does;
// package main's own wiring is tested by its bench test.
func testWiring(t *testing.T) Wiring {
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
	clients := func(cfg *config.Config) (*mqtt.Client, gateway.Bridge, error) {
		b := cfg.Bridges[config.DefaultBridge]
		hc, err := hue.New(hue.Config{Host: b.Host, Username: b.Username, Timeout: b.Timeout, MaxConns: b.Workers + 3})
		if err != nil {
			return nil, nil, err
		}
		mc, err := mqtt.New(mqtt.Options{Broker: cfg.MQTT.Broker, ClientID: cfg.MQTT.ClientID, QoS: byte(cfg.MQTT.QoS), StatusTopic: cfg.MQTT.StatusTopic(), Logger: log})
		return mc, hc, err
	}
	return Wiring{
		Clients: clients,
		Huegate: func(ctx context.Context, cfg *config.Config, ev gateway.Events) (*gateway.Gateway, *mqtt.Client, error) {
			mc, hc, err := clients(cfg)
			if err != nil {
				return nil, nil, err
			}
			b := cfg.Bridges[config.DefaultBridge]
			gw, err := gateway.New(gateway.Options{
				Broker: mc, Bridges: map[string]gateway.Bridge{config.DefaultBridge: hc},
				Budgets: map[string]gateway.BridgeOptions{config.DefaultBridge: {LightRate: b.LightRate, GroupRate: b.GroupRate, Workers: b.Workers}},
				Log:     log, Events: ev,
				State: &gateway.StateOptions{Prefix: cfg.MQTT.Prefix, PollInterval: b.PollInterval},
			})
			if err != nil {
				return nil, nil, err
			}
			if err := gw.Start(ctx, cfg.Mappings); err != nil {
				return nil, nil, err
			}
			if err := mc.Connect(ctx); err != nil {
				return nil, nil, err
			}
			return gw, mc, nil
		},
	}
}

// runInProcess runs scenarios with the world in this process.
func runInProcess(t *testing.T, d time.Duration, broker string, names ...string) []Row {
	t.Helper()
	scs, err := Select(names)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rows, err := Run(ctx, Options{Duration: d, Broker: broker, Scenarios: scs, Wiring: testWiring(t), Spawn: InProcess()})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func testConfig(broker, prefix string) *config.Config {
	return &config.Config{MQTT: config.MQTT{Broker: broker, Prefix: prefix}}
}
