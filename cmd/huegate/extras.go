package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/gateway/metrics"
	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/embedded"
	"github.com/rs/zerolog"
)

// probeInterval is how often an idle bridge is asked for its lights, so
// /healthz and huegate_bridge_reachable stay current without traffic.
const probeInterval = 10 * time.Second

// appOption changes how startApp builds the app (the demo adds a command log).
type appOption func(*appOptions)

type appOptions struct {
	events []gateway.Events
}

// withEvents gives the gateway's events to e as well as to the metrics.
func withEvents(e gateway.Events) appOption {
	return func(o *appOptions) { o.events = append(o.events, e) }
}

// extras are what runs beside the gateway: the built-in broker, the
// metrics, their HTTP server and the bridge probe.
type extras struct {
	log     zerolog.Logger
	broker  *embedded.Broker // nil unless mqtt.broker is embedded
	metrics *metrics.Metrics
	http    *metrics.Server // nil when http.listen is ""
	events  gateway.Events

	cancel  context.CancelFunc
	probing sync.WaitGroup
}

// startExtras starts the built-in broker and the metrics server if the
// config asks for them. It returns the config huegate's own client must
// use: with the built-in broker, its loopback address.
func startExtras(cfg *config.Config, log zerolog.Logger, opts []appOption) (*extras, *config.Config, error) {
	var o appOptions
	for _, f := range opts {
		f(&o)
	}
	x := &extras{log: log, metrics: metrics.New(metrics.Options{Window: 3 * probeInterval})}
	x.events = gateway.Tee(append([]gateway.Events{x.metrics}, o.events...)...)
	if cfg.MQTT.Embedded() {
		b, err := embedded.Start(embedded.Options{
			Listen: cfg.MQTT.Listen, WSListen: cfg.MQTT.WSListen, Users: brokerUsers(cfg.MQTT.Users), Log: log,
		})
		if err != nil {
			return nil, nil, brokerListenError(err)
		}
		x.broker = b
		cfg = ownBroker(cfg, b)
	}
	if cfg.HTTP.Listen != "" {
		s, err := metrics.Serve(cfg.HTTP.Listen, x.metrics.Handler())
		if err != nil {
			x.stop()
			return nil, nil, listenError("http.listen", cfg.HTTP.Listen, err)
		}
		x.http = s
	}
	x.logListening(len(cfg.MQTT.Users) > 0)
	return x, cfg, nil
}

// logListening says where the extras listen, once all of them do.
func (x *extras) logListening(users bool) {
	if b := x.broker; b != nil {
		ev := x.log.Info().Str("tcp", b.Addr())
		if ws := b.WSAddr(); ws != "" {
			ev = ev.Str("websocket", ws)
		}
		ev.Bool("users", users).Msg("built-in broker listening")
	}
	if s := x.http; s != nil {
		x.log.Info().Str("metrics", "http://"+s.Addr()+"/metrics").Str("health", "http://"+s.Addr()+"/healthz").Msg("serving metrics and health")
	}
}

// ownBroker points huegate's client at the built-in broker's loopback
// listener, which takes it without credentials or TLS.
func ownBroker(cfg *config.Config, b *embedded.Broker) *config.Config {
	c := *cfg
	c.MQTT.Broker = b.ClientURL()
	c.MQTT.Username, c.MQTT.Password = "", ""
	c.MQTT.CAFile, c.MQTT.CertFile, c.MQTT.KeyFile, c.MQTT.InsecureSkipVerify = "", "", "", false
	return &c
}

func brokerUsers(us []config.User) []embedded.User {
	out := make([]embedded.User, len(us))
	for i, u := range us {
		out[i] = embedded.User{Username: u.Username, Password: u.Password}
	}
	return out
}

// wrap times every bridge's requests for the metrics and the health check.
func (x *extras) wrap(bridges map[string]gateway.Bridge) {
	for name, b := range bridges {
		bridges[name] = x.metrics.Bridge(name, b)
	}
}

// watch starts reading the gateway and the broker client for the metrics,
// and probing idle bridges.
func (x *extras) watch(gw *gateway.Gateway, client *mqtt.Client) {
	x.metrics.SetSources(metrics.Sources{Pending: gw.Pending, Connected: client.Connected})
	ctx, cancel := context.WithCancel(context.Background())
	x.cancel = cancel
	x.probing.Go(func() { x.metrics.Probe(ctx, probeInterval) })
}

// stop ends the probe, the metrics server and the built-in broker. Call it
// after huegate's own client has said goodbye to the broker.
func (x *extras) stop() {
	if x.cancel != nil {
		x.cancel()
		x.probing.Wait()
	}
	if x.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = x.http.Close(ctx)
	}
	if x.broker != nil {
		x.broker.Close()
	}
}

// portTakenError is a listen address another program already holds.
type portTakenError struct {
	key  string // the config key that set the address
	addr string
}

func (e *portTakenError) Error() string {
	return fmt.Sprintf("%s: %s is already in use by another program; set %s to a free address", e.key, e.addr, e.key)
}

func brokerListenError(err error) error {
	var le *embedded.ListenError
	if !errors.As(err, &le) {
		return err
	}
	key := "mqtt.listen"
	if le.Listener == "websocket" {
		key = "mqtt.ws_listen"
	}
	return listenError(key, le.Addr, err)
}

func listenError(key, addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return &portTakenError{key: key, addr: addr}
	}
	return fmt.Errorf("%s: %w", key, err)
}
