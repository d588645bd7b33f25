package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/huegate/huegate/app"
	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/mqtt/embedded"
	"github.com/spf13/cobra"
)

type demoFlags struct {
	mqttListen   string
	wsListen     string
	httpListen   string
	bridgeListen string
}

func newDemoCmd(g *globals) *cobra.Command {
	f := &demoFlags{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Try huegate with no bridge and no broker: everything in one process",
		Long: `Run huegate's built-in MQTT broker, an emulated Hue bridge (the project's
fixture, with a real bridge's 10 commands/s ceiling and 30 ms latency) and the
gateway, all in this process, exactly as ` + "`huegate run`" + ` runs them. Topic
"lights" (0..254) drives two emulated lights and "lamp/knob" (0..1023) a
third. Every bridge command is logged as it happens; the control page (its
address is printed first), metrics and health are served too. Nothing leaves this machine: every listener is on loopback.`,
		Example: `  huegate demo
  huegate demo --mqtt-listen 127.0.0.1:1884     # when another broker holds 1883
  mosquitto_pub -t lights -m 200               # in another terminal`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.demo(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.mqttListen, "mqtt-listen", "127.0.0.1:1883", "MQTT (TCP) address of the built-in broker; loopback only")
	fl.StringVar(&f.wsListen, "ws-listen", "127.0.0.1:9001", `MQTT over WebSocket address, for browser clients; loopback only; "" turns it off`)
	fl.StringVar(&f.httpListen, "http-listen", "127.0.0.1:8081", `address for the control page, /metrics and /healthz; "" turns it off`)
	fl.StringVar(&f.bridgeListen, "bridge-listen", "127.0.0.1:0", "address of the emulated bridge (port 0 picks a free one)")
	return cmd
}

// demoLights are the fixture's lights the demo drives, by topic.
var demoLights = []struct {
	topic  string
	max    int
	lights []string
}{
	{"lights", 254, []string{"Küche Decke", "Lámpara sala"}},
	{"lamp/knob", 1023, []string{"Desk lamp"}},
}

func (g *globals) demo(parent context.Context, f *demoFlags) error {
	log, err := g.newLogger()
	if err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return &exitError{2, err}
	}
	emu, caFile, err := startDemoBridge(f.bridgeListen)
	if err != nil {
		return err
	}
	defer os.RemoveAll(filepath.Dir(caFile))
	defer emu.Close()
	cfg, err := config.ParseWithoutEnv([]byte(f.config(emu, caFile)))
	if err != nil {
		return fmt.Errorf("demo configuration: %w", err) // a bug: the flags were checked
	}

	ctx, stop := signalContext(parent, func() {
		log.Warn().Msg("second signal: exiting now")
		os.Exit(1)
	})
	defer stop()
	a, err := app.New(cfg, app.Options{Log: log, Version: versionString(), LogCommands: true, LightNames: fixtureNames()})
	if err != nil {
		return demoPortError(err)
	}
	if err := a.Start(ctx); err != nil {
		_ = a.Stop(stopTimeout)
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	g.printDemo(a, emu)
	<-ctx.Done()
	log.Info().Msg("stopping: sending pending values")
	_ = a.Stop(stopTimeout)
	return nil
}

// startDemoBridge serves the fixture as today's square bridge (http and
// https, CLIP v2) with a certificate from a CA made for this run, whose
// certificate it writes to a temporary file for bridge.ca_file.
func startDemoBridge(addr string) (*emulator.Server, string, error) {
	b, _, err := loadEmulated("", 30*time.Millisecond, 10)
	if err != nil {
		return nil, "", err
	}
	ca, err := emulator.NewCA()
	if err != nil {
		return nil, "", err
	}
	cert, err := ca.Issue(b.BridgeID())
	if err != nil {
		return nil, "", err
	}
	dir, err := os.MkdirTemp("", "huegate-demo-")
	if err != nil {
		return nil, "", err
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, ca.CertPEM(), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, "", err
	}
	emu, err := serveEmulated(b, addr, "--bridge-listen", emulator.ServeOptions{Mode: emulator.ModeGen2, Cert: &cert})
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", err
	}
	return emu, caFile, nil
}

// check refuses addresses the demo cannot use before anything starts. The
// broker takes anyone without a password, so it stays on loopback.
func (f *demoFlags) check() error {
	for _, a := range []struct{ flag, addr string }{
		{"--mqtt-listen", f.mqttListen}, {"--ws-listen", f.wsListen},
		{"--http-listen", f.httpListen}, {"--bridge-listen", f.bridgeListen},
	} {
		if a.addr == "" && (a.flag == "--ws-listen" || a.flag == "--http-listen") {
			continue
		}
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			return fmt.Errorf("%s %q: want host:port, e.g. 127.0.0.1:1884", a.flag, a.addr)
		}
		if (a.flag == "--mqtt-listen" || a.flag == "--ws-listen") && !embedded.IsLoopback(a.addr) {
			return fmt.Errorf("%s %s: the demo's broker lets anyone in without a password, so it listens on loopback only (127.0.0.1:PORT); for a broker on the network use `huegate run` with mqtt.users", a.flag, a.addr)
		}
	}
	return nil
}

// config is the demo's configuration, read through the same loader as a
// config file so that every default applies, but without the HUEGATE_*
// environment, which is there for `run`.
func (f *demoFlags) config(emu *emulator.Server, caFile string) string {
	q := strconv.Quote
	_, host, _ := strings.Cut(emu.URL, "://") // as a user types it: https first
	s := fmt.Sprintf("bridge: {host: %s, username: %s, ca_file: %s}\n", q(host), q(emu.Bridge.Key()), q(caFile))
	s += fmt.Sprintf("mqtt: {broker: embedded, listen: %s, ws_listen: %s}\n", q(f.mqttListen), q(f.wsListen))
	s += fmt.Sprintf("http: {listen: %s}\nmappings:\n", q(f.httpListen))
	for _, m := range demoLights {
		names, _ := json.Marshal(m.lights)
		s += fmt.Sprintf("  - {topic: %s, lights: %s, range: [0, %d]}\n", q(m.topic), names, m.max)
	}
	return s
}

// demoPortError turns a taken port into one line naming the flag to change.
func demoPortError(err error) error {
	var pt *app.PortTakenError
	if !errors.As(err, &pt) {
		return err
	}
	switch pt.Key {
	case "mqtt.listen":
		return portTaken(pt.Addr, "--mqtt-listen", "another program (an MQTT broker such as Mosquitto?)")
	case "mqtt.ws_listen":
		return portTaken(pt.Addr, "--ws-listen", "another program")
	default:
		return portTaken(pt.Addr, "--http-listen", "another program")
	}
}

func (g *globals) printDemo(a *app.App, emu *emulator.Server) {
	b := a.Broker()
	host, port, _ := net.SplitHostPort(b.Addr())
	w := g.stdout
	if h := a.HTTPAddr(); h != "" {
		fmt.Fprintf(w, "\nControl page: http://%s/ (open it in a browser)\n", h)
	}
	fmt.Fprintf(w, "\nhuegate demo: a built-in MQTT broker, an emulated Hue bridge and the gateway, in this process.\n\n")
	fmt.Fprintf(w, "  MQTT broker      tcp://%s\n", b.Addr())
	if ws := b.WSAddr(); ws != "" {
		fmt.Fprintf(w, "  MQTT WebSocket   ws://%s (browser clients: mqtt.js, Paho JS)\n", ws)
	}
	// The http side, for curl; huegate itself uses the https side.
	fmt.Fprintf(w, "  Hue emulator     %s (API key %s), huegate on %s\n", emu.HTTPURL, emu.Bridge.Key(), emu.URL)
	if h := a.HTTPAddr(); h != "" {
		fmt.Fprintf(w, "  Metrics, health  http://%s/metrics  http://%s/healthz\n", h, h)
	}
	fmt.Fprintf(w, "\n")
	for _, m := range demoLights {
		fmt.Fprintf(w, "  topic %-10s (0..%d) -> %s\n", m.topic, m.max, quoteAll(m.lights))
	}
	fmt.Fprintf(w, "\nTry, in another terminal:\n")
	fmt.Fprintf(w, "  mosquitto_pub -h %s -p %s -t lights -m 200\n", host, port)
	fmt.Fprintf(w, "  mosquitto_pub -h %s -p %s -t lamp/knob -m 512\n", host, port)
	fmt.Fprintf(w, "  mosquitto_sub -h %s -p %s -t 'huegate/#' -v\n", host, port)
	fmt.Fprintf(w, "  curl -s %s/api/%s/lights/1\n", emu.HTTPURL, emu.Bridge.Key())
	fmt.Fprintf(w, "\nEach bridge command is logged below. Ctrl-C stops.\n\n")
}

// fixtureNames names the lights of the built-in fixture, which the demo
// serves, by id.
func fixtureNames() map[string]string {
	names := map[string]string{}
	var dump struct {
		Lights json.RawMessage `json:"lights"`
	}
	if json.Unmarshal(emulator.Fixture(), &dump) == nil {
		lights, _ := hue.DecodeLights(dump.Lights)
		for _, l := range lights {
			names[l.ID] = l.Name
		}
	}
	return names
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
