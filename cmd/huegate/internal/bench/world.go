package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/huegate/huegate/mqtt/embedded"
	"github.com/rs/zerolog"
)

// BrokerEmbedded is the --broker value that starts a fresh built-in broker
// for every run.
const BrokerEmbedded = "embedded"

// world is the child's side of a run: broker, emulated bridge, load.
type world struct {
	sc       Scenario
	setup    setup
	out      *lineWriter
	broker   *embedded.Broker // set for --broker embedded
	mosq     *broker          // set for --broker mosquitto
	url      string           // where clients connect
	bridge   *emulator.Server
	ca       string           // the https bridge's CA (PEM); "" over http
	emu      *emulator.Bridge // bridge.Bridge, set before any request can arrive
	pub      *publisher
	stopHook func()
	// clientKey is the Entertainment stream's key of an area scenario's
	// bridge, "" for the others.
	clientKey string
	watchStop chan struct{} // closed to end watch
	watching  sync.WaitGroup

	mu      sync.Mutex // guards the finals
	finals  map[string]*final
	waiting int // finals not yet applied
	landed  chan struct{}
	// landedOK says landed is closed: every final applied, and an area
	// that streamed has handed its lights back to REST.
	landedOK bool
}

// ServeWorld runs the world of one run, reading commands from in and writing
// events to out, until in ends (the bench closes it, or dies) or ctx ends.
// The hidden `huegate bench world` command calls it in the child process.
func ServeWorld(ctx context.Context, in io.Reader, out io.Writer) error {
	lw := newLineWriter(out)
	err := serveWorld(ctx, in, lw)
	if err != nil {
		_ = lw.write(event{Event: evError, Error: err.Error()})
	}
	return err
}

func serveWorld(ctx context.Context, in io.Reader, out *lineWriter) error {
	done := make(chan struct{})
	defer close(done)
	cmds := readCommands(in, done)
	c, ok := <-cmds
	if !ok || c.Op != opSetup || c.Setup == nil {
		return errors.New("world: the first command must be setup")
	}
	w, err := startWorld(ctx, *c.Setup, out)
	if err != nil {
		return err
	}
	defer w.close()
	ready := event{Event: evReady, Broker: w.url, Bridge: w.bridge.URL, Key: w.emu.Key(), CA: w.ca,
		ClientKey: w.clientKey, StreamPort: w.bridge.StreamPort()}
	if err := out.write(ready); err != nil {
		return err
	}
	return w.serve(ctx, cmds)
}

// readCommands decodes commands until in ends, then closes the channel. It
// stops handing them over once done is closed; it ends when in does.
func readCommands(in io.Reader, done <-chan struct{}) <-chan command {
	ch := make(chan command)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			var c command
			if json.Unmarshal(sc.Bytes(), &c) != nil {
				continue
			}
			select {
			case ch <- c:
			case <-done:
			}
		}
	}()
	return ch
}

func startWorld(ctx context.Context, s setup, out *lineWriter) (*world, error) {
	sc, ok := find(s.Scenario)
	if !ok {
		return nil, fmt.Errorf("world: unknown scenario %q", s.Scenario)
	}
	w := &world{sc: sc, setup: s, out: out, landed: make(chan struct{}), watchStop: make(chan struct{})}
	if err := w.startBroker(); err != nil {
		return nil, err
	}
	if err := w.startBridge(); err != nil {
		w.close()
		return nil, err
	}
	pub, err := dialPublisher(ctx, w.url, s.Prefix, sc.Topics)
	if err != nil {
		w.close()
		return nil, err
	}
	w.pub = pub
	return w, nil
}

func (w *world) startBroker() error {
	switch strings.ToLower(w.setup.Broker) {
	case BrokerEmbedded:
		b, err := embedded.Start(embedded.Options{Listen: "127.0.0.1:0", Log: zerolog.Nop()})
		if err != nil {
			return fmt.Errorf("world: %w", err)
		}
		w.broker, w.url = b, b.ClientURL()
	case BrokerMosquitto:
		m, err := startMosquitto()
		if err != nil {
			return fmt.Errorf("world: %w", err)
		}
		w.mosq, w.url = m, m.url
	default:
		w.url = w.setup.Broker
	}
	return nil
}

// ownBroker says whether the broker lives and dies with this world.
func (w *world) ownBroker() bool { return w.broker != nil || w.mosq != nil }

func (w *world) startBridge() error {
	opts := []emulator.Option{emulator.WithLatency(bridgeLatency), emulator.WithRate(bridgeRate), emulator.WithEventStream()}
	if w.sc.Area {
		if !w.setup.HTTPS {
			return errors.New("world: an entertainment area needs a bridge with https")
		}
		w.clientKey = newClientKey()
		opts = append(opts, emulator.WithClientKey(w.clientKey))
	}
	b, err := emulator.New(bridgeDump(w.sc.Lights, w.sc.Area), opts...)
	if err != nil {
		return fmt.Errorf("world: bridge: %w", err)
	}
	w.emu = b
	w.stopHook = b.OnChange(w.changed)
	opt := emulator.ServeOptions{Mode: emulator.ModeOld}
	if w.setup.HTTPS {
		if opt, err = w.httpsBridge(b); err != nil {
			return fmt.Errorf("world: bridge: %w", err)
		}
	}
	if w.sc.Area {
		opt.StreamAddr = "127.0.0.1:0" // any free port: runs and tests go side by side
	}
	srv, err := emulator.StartMode(b, "127.0.0.1:0", opt)
	if err != nil {
		return fmt.Errorf("world: bridge: %w", err)
	}
	w.bridge = srv
	if w.sc.Area {
		w.watching.Go(w.watch)
	}
	return nil
}

// httpsBridge serves the bridge as a gen-2 one, with a certificate from a
// CA made for this run.
func (w *world) httpsBridge(b *emulator.Bridge) (emulator.ServeOptions, error) {
	ca, err := emulator.NewCA()
	if err != nil {
		return emulator.ServeOptions{}, err
	}
	cert, err := ca.Issue(b.BridgeID())
	if err != nil {
		return emulator.ServeOptions{}, err
	}
	w.ca = string(ca.CertPEM())
	return emulator.ServeOptions{Mode: emulator.ModeGen2, Cert: &cert}, nil
}

func (w *world) serve(ctx context.Context, cmds <-chan command) error {
	landed := w.landed
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-landed:
			landed = nil // say it once
			if err := w.out.write(event{Event: evLanded}); err != nil {
				return err
			}
		case c, ok := <-cmds:
			if !ok {
				return nil
			}
			if err := w.do(ctx, c); err != nil {
				return err
			}
		}
	}
}

func (w *world) do(ctx context.Context, c command) error {
	switch c.Op {
	case opLoad:
		n, err := w.load(ctx)
		if err != nil {
			return err
		}
		return w.out.write(event{Event: evLoaded, Published: n})
	case opFinals:
		if err := w.publishFinals(ctx); err != nil {
			return err
		}
		return w.out.write(event{Event: evFinals})
	case opReport:
		return w.out.write(event{Event: evReport, Report: w.report()})
	}
	return fmt.Errorf("world: unknown command %q", c.Op)
}

// load publishes the scenario's load and returns how many messages it sent.
func (w *world) load(ctx context.Context) (int, error) {
	d := time.Duration(w.setup.Duration)
	switch {
	case w.sc.PerSecond > 0:
		return w.pub.burst(ctx, w.sc.Topics, w.sc.messages(d), time.Time{})
	case w.sc.Rate == 0:
		return w.pub.burst(ctx, w.sc.Topics, 0, time.Now().Add(d))
	}
	return w.pub.paced(ctx, w.sc.Topics, w.sc.Rate, d)
}

func (w *world) close() {
	if w.pub != nil {
		if !w.ownBroker() {
			w.pub.clearRetained()
		}
		w.pub.close()
	}
	close(w.watchStop)
	w.watching.Wait()
	if w.bridge != nil {
		w.stopHook()
		w.bridge.Close()
	}
	if w.broker != nil {
		w.broker.Close()
	}
	if w.mosq != nil {
		w.mosq.stop()
	}
}
