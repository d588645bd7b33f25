package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"syscall"
	"time"

	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/metrics"
	"github.com/huegate/huegate/mqtt/embedded"
	"github.com/huegate/huegate/web"
	"github.com/rs/zerolog"
)

// probeInterval is how often an idle bridge is asked for its lights, so
// /healthz and huegate_bridge_reachable stay current without traffic.
const probeInterval = 10 * time.Second

// extras are what runs beside the gateway: the built-in broker, the
// metrics and their HTTP server.
type extras struct {
	log     zerolog.Logger
	broker  *embedded.Broker // nil unless mqtt.broker is embedded
	metrics *metrics.Metrics
	http    *metrics.Server // nil when http.listen is ""
	mux     *http.ServeMux  // what http serves
	page    *web.Page       // nil when http.listen is "" or http.page is false
	events  gateway.Events  // the metrics and Options.Events
}

// startExtras starts the built-in broker and the metrics server if the
// config asks for them.
func startExtras(cfg *config.Config, o Options) (*extras, error) {
	x := &extras{log: o.Log, metrics: metrics.New(metrics.Options{Window: 3 * probeInterval})}
	sinks := append([]gateway.Events{x.metrics}, o.Events...)
	if o.LogCommands {
		sinks = append(sinks, commandLog{log: o.Log, names: o.LightNames})
	}
	x.events = gateway.Tee(sinks...)
	if cfg.MQTT.Embedded() {
		b, err := embedded.Start(embedded.Options{
			Listen: cfg.MQTT.Listen, WSListen: cfg.MQTT.WSListen, Users: brokerUsers(cfg.MQTT.Users),
			WSOrigins: cfg.MQTT.WSOrigins, Own: ownTopics(cfg), Log: o.Log,
		})
		if err != nil {
			return nil, brokerListenError(err)
		}
		x.broker = b
	}
	if cfg.HTTP.Listen != "" {
		s, err := metrics.Serve(cfg.HTTP.Listen, x.httpHandler(cfg), o.Log)
		if err != nil {
			x.stop(time.Now().Add(listenersTime))
			return nil, listenError("http.listen", cfg.HTTP.Listen, err)
		}
		x.http = s
	}
	return x, nil
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
		ev := x.log.Info()
		if x.page != nil {
			ev = ev.Str("page", "http://"+s.Addr()+"/")
		}
		ev.Str("metrics", "http://"+s.Addr()+"/metrics").Str("health", "http://"+s.Addr()+"/healthz").Msg("serving metrics and health")
	}
}

// ownTopics is what the built-in broker keeps for huegate's own client.
func ownTopics(cfg *config.Config) embedded.Own {
	o := embedded.Own{ClientID: cfg.MQTT.ClientID, Prefix: cfg.MQTT.Prefix}
	if cfg.HomeAssistant.Enabled {
		o.DiscoveryPrefix = cfg.HomeAssistant.DiscoveryPrefix
	}
	return o
}

// clientConfig is the config huegate's own MQTT client uses: with the
// built-in broker, its TCP listener, with the login the broker made for
// huegate alone, without TLS.
func (x *extras) clientConfig(cfg *config.Config) *config.Config {
	if x.broker == nil {
		return cfg
	}
	c := *cfg
	c.MQTT.Broker = x.broker.ClientURL()
	c.MQTT.Username, c.MQTT.Password = x.broker.ClientCredentials()
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

// stop ends the metrics server and the built-in broker, letting requests
// in progress finish until deadline. Call it after huegate's own client has
// said goodbye to the broker.
func (x *extras) stop(deadline time.Time) {
	if x.page != nil {
		x.page.Close() // its sockets are hijacked: the server's Close leaves them
	}
	if x.http != nil {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		_ = x.http.Close(ctx)
	}
	if x.broker != nil {
		x.broker.Close()
	}
}

// PortTakenError is a listen address another program already holds.
type PortTakenError struct {
	Key  string // the config key that set the address
	Addr string
}

func (e *PortTakenError) Error() string {
	return fmt.Sprintf("%s: %s is already in use by another program; set %s to a free address", e.Key, e.Addr, e.Key)
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
		return &PortTakenError{Key: key, Addr: addr}
	}
	return fmt.Errorf("%s: %w", key, err)
}
