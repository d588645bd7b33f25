package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/huegate/huegate/cmd/huegate/internal/bench"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
)

type benchFlags struct {
	duration  time.Duration
	broker    string
	json      bool
	scenarios []string
	profile   string
}

func newBenchCmd(g *globals) *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure huegate against an emulated bridge, next to a naive gateway",
		Long: `Run each scenario against a fresh emulated bridge that answers every
request after 30 ms and refuses more than 10 commands a second with HTTP 429,
as a real one does: through huegate's pipeline to a v1 bridge over http
(mode "huegate"), through huegate's pipeline to a bridge with https and
CLIP v2 (mode "huegate-v2"), and through a naive gateway that sends one
bridge call per message, as earlier gateways do.

Scenarios: slider (1 light, 100 msgs/s), room (one topic, 5 lights, 100
msgs/s), area (one topic, 100 msgs/s, to a 10-light entertainment area: over
REST, mode "huegate-v2", and through the Entertainment stream, mode
"huegate-stream", which stops the area after 500 ms without a change and
hands each light its last value over REST), flood (50 lights on 10 topics,
as fast as the broker delivers), many (150 lights, 1,000 msgs/s), each
ending with a final value per topic; and ingest (150 lights, 100,000
messages per second of --duration, as fast as possible) for throughput and
memory, through huegate, through a subscriber that only counts (mode
"broker": what the broker itself allows) and, when it is installed, through
mosquitto_sub draining the same flood (mode "mosquitto_sub"; huegate's row
is held to 1.2 × its time at no more CPU per message).

The broker, the emulator and the load generator run in a child process, so
CPU time, peak RSS (Linux only) and allocations are the system under test's
own. Bars are checked for huegate's rows (the stream row's: last value
within 100 ms on every light, no REST command while the area streams);
the exit code is 1 if one is missed. The whole bench takes about 5 minutes
at the default duration.`,
		Example: `  huegate bench
  huegate bench --duration 3s --scenario slider,room
  huegate bench --duration 5s --scenario area
  huegate bench --broker mosquitto --scenario ingest
  huegate bench --broker tcp://127.0.0.1:1883 --json > bench.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.bench(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&f.duration, "duration", 10*time.Second, "how long each scenario's load lasts")
	fl.StringVar(&f.broker, "broker", bench.BrokerEmbedded, `"embedded" (a fresh built-in broker per run), "mosquitto" (a fresh Mosquitto per run) or a broker URL such as tcp://127.0.0.1:1883`)
	fl.BoolVar(&f.json, "json", false, "print the rows as a JSON array (bars go to stderr)")
	fl.StringSliceVar(&f.scenarios, "scenario", nil, "scenarios to run (default all): "+strings.Join(bench.Names(), ", "))
	fl.StringVar(&f.profile, "cpuprofile", "", "write a CPU profile (pprof) of the systems under test to this file")
	cmd.AddCommand(newBenchWorldCmd(g))
	return cmd
}

// newBenchWorldCmd is the child process of a bench run: broker, emulator and
// load generator, driven over stdin and stdout.
func newBenchWorldCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:    "world",
		Short:  "The bench's broker, emulated bridge and load generator (internal)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Ctrl-C reaches the whole process group: the bench stops its
			// system and then closes our stdin, and we clean up and exit.
			signal.Ignore(os.Interrupt)
			return bench.ServeWorld(cmd.Context(), os.Stdin, g.stdout)
		},
	}
}

func (g *globals) bench(cmd *cobra.Command, f benchFlags) error {
	scenarios, err := bench.Select(f.scenarios)
	if err != nil {
		return &exitError{2, err}
	}
	if f.duration < 100*time.Millisecond {
		return &exitError{2, errors.New("--duration must be at least 100ms")}
	}
	log, err := g.newLogger()
	if err != nil {
		return err
	}
	if !cmd.Flags().Changed("log-level") {
		log = log.Level(zerolog.WarnLevel) // the systems under test keep quiet unless asked
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: find huegate's own binary: %w", err)
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	hot, err := bench.MeasureHotPath(1_000_000)
	if err != nil {
		return err
	}
	if f.profile != "" {
		stopProfile, err := startProfile(f.profile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	rows, err := bench.Run(ctx, bench.Options{
		Duration: f.duration, Broker: f.broker, Scenarios: scenarios, Spawn: bench.Exec(exe, "bench", "world"), Progress: g.stderr,
	})
	if err != nil {
		return err
	}
	checks := bench.Checks(rows, &hot, !strings.EqualFold(f.broker, bench.BrokerEmbedded))
	missed := 0
	if f.json {
		if err := bench.WriteJSON(g.stdout, rows); err != nil {
			return err
		}
		missed = bench.WriteChecks(g.stderr, checks)
	} else {
		if err := bench.WriteTable(g.stdout, rows); err != nil {
			return err
		}
		fmt.Fprintln(g.stdout, "\nbars (huegate rows):")
		missed = bench.WriteChecks(g.stdout, checks)
	}
	if missed > 0 {
		return &exitError{1, fmt.Errorf("bench: %d bar(s) missed", missed)}
	}
	return nil
}

// startProfile profiles the bench process, where only the systems under
// test run while they are measured.
func startProfile(path string) (func(), error) {
	out, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Close()
		return nil, fmt.Errorf("bench: start the CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		out.Close()
	}, nil
}
