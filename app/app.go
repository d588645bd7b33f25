package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/homeassistant"
	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/metrics"
	"github.com/huegate/huegate/mqtt"
	"github.com/huegate/huegate/mqtt/embedded"
	"github.com/rs/zerolog"
)

// Options changes how New builds huegate. The zero value is `huegate run`.
type Options struct {
	Log     zerolog.Logger
	Version string // huegate's version, shown to Home Assistant
	// Events get the gateway's events as well as the metrics do (the
	// bench and tests count them).
	Events []Events
	// LogCommands logs every bridge command as it happens, naming lights
	// by LightNames (id to name); the demo does.
	LogCommands bool
	LightNames  map[string]string
}

// Events receives what happens in the gateway (gateway.Events): what a
// caller of New implements to watch it.
type Events = gateway.Events

// App is huegate built from one configuration: everything `huegate run`
// runs.
type App struct {
	log     zerolog.Logger
	cfg     *config.Config // in force; the mappings change with Apply
	client  *mqtt.Client
	gateway *gateway.Gateway
	bridges map[string]*hue.Client
	ha      *homeassistant.Discovery // nil unless homeassistant.enabled
	x       *extras                  // built-in broker, metrics and health

	stopOnce sync.Once
	stopErr  error

	mu      sync.Mutex // serialises Apply
	cancel  context.CancelFunc
	probing sync.WaitGroup
}

// New builds huegate from cfg. It binds the listeners the config asks for
// (the built-in broker, http.listen), so a taken port is reported here, but
// talks to no bridge and no broker until Start. Call Stop to release what
// New took, whether or not Start ran.
func New(cfg *config.Config, o Options) (*App, error) {
	if p := BridgeProblems(cfg); len(p) > 0 {
		return nil, &ConfigError{Where: ConfigName(cfg), Problems: p}
	}
	x, err := startExtras(cfg, o)
	if err != nil {
		return nil, err
	}
	a := &App{log: o.Log, cfg: cfg, x: x}
	if err := a.build(x.clientConfig(cfg), o); err != nil {
		x.stop(time.Now().Add(listenersTime))
		return nil, err
	}
	x.logListening(len(cfg.MQTT.Users) > 0)
	return a, nil
}

func (a *App) build(cfg *config.Config, o Options) error {
	bridges, budgets, err := newBridges(cfg, a.x.metrics, a.log)
	if err != nil {
		return err
	}
	a.bridges = bridges
	a.client, err = newBroker(cfg, a.log)
	if err != nil {
		return err
	}
	a.x.mountPage(cfg, a.client)
	a.ha = newDiscovery(cfg, a.client, o.Version, a.log)
	state := &gateway.StateOptions{Prefix: cfg.MQTT.Prefix, PollInterval: statePollInterval(cfg), OnInventory: a.inventoryHooks()}
	gw := map[string]gateway.Bridge{}
	for name, c := range bridges {
		gw[name] = c
	}
	a.gateway, err = gateway.New(gateway.Options{
		Broker: a.gatewayBroker(), Bridges: gw, Budgets: budgets, Events: a.x.events, Log: a.log, State: state,
	})
	if err != nil {
		a.client.Close(time.Second)
		return err
	}
	a.x.metrics.SetSources(metrics.Sources{Pending: a.gateway.Pending, Connected: a.client.Connected})
	return nil
}

// Start checks the mappings' names on the bridges, starts the gateway and
// connects to the broker. It keeps retrying a broker or bridge that is down
// until ctx ends; a wrong key or an unknown light name stops it at once,
// with a *ConfigError.
func (a *App) Start(ctx context.Context) error {
	if err := a.checkNames(ctx, a.cfg); err != nil {
		return err
	}
	if a.ha != nil {
		if err := a.ha.Start(ctx); err != nil {
			return err
		}
	}
	a.x.showMappings(a.cfg.Mappings)
	if err := retry(ctx, a.log, "bridge", func() error { return a.gateway.Start(ctx, a.cfg.Mappings) }); err != nil {
		return err
	}
	if err := a.client.Connect(ctx); err != nil {
		return err
	}
	a.x.metrics.SetMapped(a.gateway.Topics())
	pctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.probing.Go(func() { a.x.metrics.Probe(pctx, probeInterval) })
	a.log.Info().Strs("topics", a.gateway.Topics()).Msg("huegate running")
	if a.ha != nil {
		a.log.Info().Str("birth_topic", a.ha.BirthTopic()).Msg("home assistant discovery on")
	}
	return nil
}

// What the stop keeps after sending pending values: the broker's answer to
// "offline" (one that takes longer is not answering, and the last will
// says offline for huegate), then closing the listeners.
const (
	goodbyeTime   = time.Second
	listenersTime = 500 * time.Millisecond
)

// Stop sends pending values, publishes offline, disconnects and closes the
// listeners and the open control pages, all within timeout, whether or not
// the broker and the bridges answer. Sending pending values gets what the
// later steps do not need (3.5 s of 5). Later calls return what the first
// one did.
func (a *App) Stop(timeout time.Duration) error {
	a.stopOnce.Do(func() { a.stopErr = a.stop(timeout) })
	return a.stopErr
}

func (a *App) stop(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	goodbye, listeners := min(goodbyeTime, timeout/5), min(listenersTime, timeout/10)
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(-goodbye-listeners))
	defer cancel()
	err := a.gateway.Shutdown(ctx) // waits on the bridges only, until ctx ends
	if err != nil {
		a.log.Warn().Err(err).Msg("shutdown: some values were not sent")
	}
	if a.ha != nil {
		a.ha.Stop()
	}
	if a.cancel != nil {
		a.cancel()
		a.probing.Wait()
	}
	a.client.Close(min(goodbye, time.Until(deadline.Add(-listeners))))
	for _, c := range a.bridges {
		c.CloseIdle()
	}
	a.x.stop(deadline)
	return err
}

// Connected reports whether huegate's MQTT client is connected.
func (a *App) Connected() bool { return a.client.Connected() }

// Topics are the mapped topics huegate is subscribed to, sorted.
func (a *App) Topics() []string { return a.gateway.Topics() }

// Pending is how many lights and groups have a value not yet sent.
func (a *App) Pending() int { return a.gateway.Pending() }

// Broker is the built-in broker; nil unless mqtt.broker is embedded.
func (a *App) Broker() *embedded.Broker { return a.x.broker }

// HTTPAddr is where the control page, /metrics and /healthz are served; ""
// when they are not.
func (a *App) HTTPAddr() string {
	if a.x.http == nil {
		return ""
	}
	return a.x.http.Addr()
}

// Health is what /healthz reports.
func (a *App) Health() metrics.Health { return a.x.metrics.Health() }

// retry runs f until it succeeds, fails for good, or ctx ends. Only errors
// that may pass (bridge down, timeouts) are retried, with a capped backoff.
func retry(ctx context.Context, log zerolog.Logger, what string, f func() error) error {
	wait := time.Second
	for {
		err := f()
		// A redirect is waited out too (logged with what to change): exiting
		// would leave a service that systemd does not restart.
		if err == nil || !(hue.Retryable(err) || errors.Is(err, hue.ErrRedirect)) {
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

// newBridges builds a client per bridge, each reporting its requests to the
// metrics through its observer.
func newBridges(cfg *config.Config, m *metrics.Metrics, log zerolog.Logger) (map[string]*hue.Client, map[string]gateway.BridgeOptions, error) {
	bridges := map[string]*hue.Client{}
	budgets := map[string]gateway.BridgeOptions{}
	for name, b := range cfg.Bridges {
		var c *hue.Client
		probe := func(ctx context.Context) error { _, err := c.Lights(ctx); return err }
		hc := clientConfig(b, b.Workers+3)
		hc.Observer = m.Bridge(name, probe)
		hc.PlainHTTP = func(base string) { plainHTTPWarning(log, name, base) }
		c, err := hue.New(hc)
		if err != nil {
			return nil, nil, bridgeError(cfg, name, err)
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

func bridgeError(cfg *config.Config, name string, err error) error {
	return fmt.Errorf("%s: %w", cfg.BridgeKey(name), err)
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
func newDiscovery(cfg *config.Config, client *mqtt.Client, version string, log zerolog.Logger) *homeassistant.Discovery {
	if !cfg.HomeAssistant.Enabled {
		return nil
	}
	return homeassistant.New(homeassistant.Options{
		Broker: client, Prefix: cfg.HomeAssistant.DiscoveryPrefix, StatusTopic: cfg.MQTT.StatusTopic(),
		Version: version, Log: log.With().Str("part", "homeassistant").Logger(),
	})
}

// ConfigError is a configuration that cannot work: one line per problem,
// each naming its key, as `huegate validate` prints them.
type ConfigError struct {
	Where    string // the config file, or "(environment only)"
	Problems config.Problems
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("invalid config %s:\n%s", e.Where, e.Problems.Error())
}

// ConfigName is where a config came from, as problems name it.
func ConfigName(cfg *config.Config) string {
	if cfg.File == "" {
		return "(environment only)"
	}
	return cfg.File
}
