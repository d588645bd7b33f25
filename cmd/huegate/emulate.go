package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/huegate/huegate/hue/emulator"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
)

type emulateFlags struct {
	listen  string
	fixture string
	latency time.Duration
	rate    int
	button  bool
}

func newEmulateCmd(g *globals) *cobra.Command {
	f := &emulateFlags{}
	cmd := &cobra.Command{
		Use:   "emulate",
		Short: "Serve an emulated Hue bridge from a recorded dump",
		Long: `Serve an emulated Hue bridge (REST API v1) over HTTP, loaded from a full-state
dump: by default the project's own fixture (8 lights, 5 groups), or your own
bridge recorded with ` + "`huegate dump`" + `. Like a real bridge it answers 429 above
its command ceiling (--rate commands per second) and takes --latency to
answer. Commands change its state, which it logs; it forgets them on exit.
It prints its URL and the API key it accepts: put them in bridge.host and
bridge.username to point huegate at it.

To try ` + "`huegate pair`" + ` against it, press its link button: Enter on its
terminal, --link-button at start, or
PUT /api/<key>/config {"linkbutton":true}. Each press lasts 30 s.`,
		Example: `  huegate emulate
  huegate emulate --listen 127.0.0.1:8080 --fixture my-bridge.json --rate 10 --latency 30ms
  huegate emulate --link-button & huegate pair --host 127.0.0.1:8080
  curl http://127.0.0.1:8080/api/` + emulator.DefaultKey + `/lights`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.emulate(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8080", "address to serve the emulated bridge on")
	fl.StringVar(&f.fixture, "fixture", "", "full-state dump to load (default: the built-in fixture)")
	fl.DurationVar(&f.latency, "latency", 30*time.Millisecond, "time the bridge takes to answer each request")
	fl.IntVar(&f.rate, "rate", 10, "command ceiling per second (429 above it); 0 for none")
	fl.BoolVar(&f.button, "link-button", false, "start with the link button pressed (for 30 s), for huegate pair")
	return cmd
}

func (g *globals) emulate(parent context.Context, f *emulateFlags) error {
	log, err := g.newLogger()
	if err != nil {
		return err
	}
	if f.rate < 0 || f.latency < 0 {
		return &exitError{2, errors.New("--rate and --latency must not be negative")}
	}
	srv, source, err := startEmulator(f.fixture, f.listen, "--listen", f.latency, f.rate)
	if err != nil {
		return err
	}
	defer srv.Close()
	defer srv.Bridge.OnChange(logChange(log, srv.Bridge))()

	ctx, stop := signalContext(parent, func() { os.Exit(1) })
	defer stop()
	b := srv.Bridge
	fmt.Fprintf(g.stdout, `Hue bridge emulator on %s, loaded from %s
API key: %s
Command ceiling %d/s (429 above it), latency %s. Ctrl-C stops.

  curl %s/api/%s/lights
  point huegate at it with  bridge: {host: %q, username: %q}
`, srv.URL, source, b.Key(), f.rate, f.latency, srv.URL, b.Key(), srv.URL, b.Key())
	if f.button {
		b.PressLinkButton()
		log.Info().Msg("link button pressed for 30 s")
	}
	if isTerminal(os.Stdin) {
		fmt.Fprintln(g.stdout, "  Enter presses the link button (for `huegate pair`).")
		go pressOnEnter(os.Stdin, b, log) // ends with the process
	}
	<-ctx.Done()
	return nil
}

// pressOnEnter presses the link button on every line read from r.
func pressOnEnter(r io.Reader, b *emulator.Bridge, log zerolog.Logger) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		b.PressLinkButton()
		log.Info().Msg("link button pressed for 30 s")
	}
}

// startEmulator loads a dump (the built-in fixture when path is "") and
// serves it on addr, which flag set.
func startEmulator(path, addr, flag string, latency time.Duration, rate int) (*emulator.Server, string, error) {
	dump, source := emulator.Fixture(), "the built-in fixture"
	if path != "" {
		var err error
		if dump, err = os.ReadFile(path); err != nil {
			return nil, "", &exitError{2, fmt.Errorf("--fixture: %w", err)}
		}
		source = path
	}
	b, err := emulator.New(dump, emulator.WithLatency(latency), emulator.WithRate(rate))
	if err != nil {
		return nil, "", &exitError{2, fmt.Errorf("--fixture %s: %w", source, err)}
	}
	srv, err := emulator.Start(b, addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, "", portTaken(addr, flag, "another program")
	}
	if err != nil {
		return nil, "", err
	}
	return srv, source, nil
}

// logChange logs each light's or group's new state, as commands land.
func logChange(log zerolog.Logger, b *emulator.Bridge) func(emulator.Change) {
	return func(c emulator.Change) {
		kind, id, _ := strings.Cut(strings.TrimPrefix(c.Resource, "/"), "/")
		switch kind {
		case "lights":
			if l, ok := b.Light(id); ok {
				log.Info().Str("light", id).Bool("on", l.On).Int("bri", l.Bri).Msg("emulated light changed")
			}
		case "groups":
			if gr, ok := b.Group(id); ok {
				log.Info().Str("group", id).Bool("any_on", gr.AnyOn).Bool("all_on", gr.AllOn).Msg("emulated group changed")
			}
		}
	}
}

// portTaken is the one message for an address another program holds:
// which port, and the flag that picks another. Port 0 is any free port: a
// guess such as port+1 could be taken too.
func portTaken(addr, flag, who string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s is already in use by %s: pick another address with %s", addr, who, flag)
	}
	return fmt.Errorf("port %s (%s) is already in use by %s: pick another with %s %s (any free port), or name one",
		port, addr, who, flag, net.JoinHostPort(host, "0"))
}
