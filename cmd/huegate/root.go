package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/huegate/huegate/app"
	"github.com/huegate/huegate/internal/printable"
	"github.com/spf13/cobra"
)

// exitError carries a specific exit code (e.g. 2 for an invalid config).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// globals are the flags every command shares.
type globals struct {
	configPath string
	logLevel   string
	logFormat  string
	stdout     io.Writer
	stderr     io.Writer
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "huegate",
		Short: "Let any MQTT client control Philips Hue lights",
		Long: `huegate subscribes to shared MQTT light topics, turns each value into Hue
brightness commands within the bridge's budget, and publishes the bridge's
state back to MQTT.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	pf.StringVar(&g.logFormat, "log-format", "auto", "log format: auto (console on a terminal, JSON otherwise), console, json")
	// One line per command, each in its own file. Only the commands that
	// read or write the config file take --config.
	root.AddCommand(g.withConfig(newRunCmd(g)))
	root.AddCommand(newVersionCmd(g))
	root.AddCommand(g.withConfig(newInitCmd(g)))
	root.AddCommand(newDiscoverCmd(g))
	root.AddCommand(g.withConfig(newPairCmd(g)))
	root.AddCommand(g.withConfig(newLightsCmd(g)))
	root.AddCommand(g.withConfig(newValidateCmd(g)))
	root.AddCommand(newEmulateCmd(g))
	root.AddCommand(g.withConfig(newDumpCmd(g)))
	root.AddCommand(newDemoCmd(g))
	root.AddCommand(newBenchCmd(g))
	for _, c := range root.Commands() {
		if c.Args == nil {
			continue
		}
		c.Args = noArgs
	}
	return root
}

// withConfig gives a command the --config flag.
func (g *globals) withConfig(c *cobra.Command) *cobra.Command {
	c.Flags().StringVarP(&g.configPath, "config", "c", "", "config file (default $HUEGATE_CONFIG, then the first of ./config.yaml, ~/.config/huegate/config.yaml, /etc/huegate/config.yaml)")
	return c
}

// noArgs refuses arguments in words that say so; cobra's own message
// ("unknown command") suggests a subcommand that does not exist.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return &exitError{2, fmt.Errorf("%s takes no arguments, got %q (options start with --; see %s --help)", c.CommandPath(), args[0], c.CommandPath())}
	}
	return nil
}

// execute runs the CLI and returns the process exit code.
func execute(args []string, stdout, stderr io.Writer) int {
	return executeContext(context.Background(), args, stdout, stderr)
}

// executeContext is execute with a context that ends the command (tests
// stop `run` with it).
func executeContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := newRoot(g)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	// Errors can quote a bridge or a file: printable, so a terminal shows
	// them and never obeys them (the line breaks of a list of problems stay).
	fmt.Fprintln(stderr, "huegate:", printable.Lines(err.Error()))
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var ce *app.ConfigError
	if errors.As(err, &ce) {
		return 2
	}
	return 1
}
