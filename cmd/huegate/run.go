package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/huegate/huegate/app"
	"github.com/huegate/huegate/config"
	"github.com/spf13/cobra"
)

// stopTimeout bounds the whole stop: pending values, offline, disconnect.
const stopTimeout = 5 * time.Second

func newRunCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run the gateway",
		Long: `Run the gateway: subscribe to the mapped topics, send each light's newest
value to the bridge within its budget, and keep going through broker and
bridge restarts. SIGINT or SIGTERM sends what is pending, publishes offline
and exits 0, within 5 s; a second signal exits at once.

At start-up it makes the checks of ` + "`huegate validate`" + ` and stops with exit code
2 and the same lines if one fails. While running it watches the config file:
a change of mappings takes effect within 2 s without reconnecting; an edit
that fails the checks is logged in the same words and the last good config
stays; changes to bridge or mqtt keys are logged as needing a restart.`,
		Example: `  huegate run --config /etc/huegate/config.yaml
  HUEGATE_BRIDGE_USERNAME=... huegate run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.run(cmd.Context())
		},
	}
}

func (g *globals) run(parent context.Context) error {
	log, err := g.newLogger()
	if err != nil {
		return err
	}
	sum := app.FileSum(g.configFile()) // before loading: an edit after this is picked up by the reload
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings {
		log.Warn().Msg("config: " + w)
	}
	if cfg.File == "" {
		log.Info().Strs("searched", searchPaths()).Msg("no config file; using environment variables and defaults")
	} else {
		log.Info().Str("file", cfg.File).Msg("config loaded")
	}
	ctx, stop := signalContext(parent, func() {
		log.Warn().Msg("second signal: exiting now")
		os.Exit(1)
	})
	defer stop()
	a, err := app.New(cfg, app.Options{Log: log, Version: versionString()})
	if err != nil {
		return err
	}
	if err := a.Start(ctx); err != nil {
		_ = a.Stop(stopTimeout)
		if errors.Is(err, context.Canceled) {
			return nil // stopped by a signal while starting
		}
		return err
	}
	stopping := newNotifier(log).ready(a.Connected)
	var reload sync.WaitGroup
	reload.Go(func() { a.Reload(ctx, sum) })
	<-ctx.Done()
	stopping()
	reload.Wait()
	log.Info().Msg("stopping: sending pending values")
	_ = a.Stop(stopTimeout) // values left unsent are logged
	return nil
}

// loadConfig finds and reads the config and turns its problems into exit
// code 2. With no file found, the environment alone configures huegate.
func (g *globals) loadConfig() (*config.Config, error) {
	path, err := g.locateConfig()
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(path)
	var p config.Problems
	if errors.As(err, &p) {
		where := path
		if where == "" {
			where = "(no file found; environment variables only)"
		}
		return nil, &exitError{2, fmt.Errorf("invalid config %s:\n%s", where, p.Error())}
	}
	return cfg, err
}

// signalContext ends on SIGINT/SIGTERM; a second signal calls now.
func signalContext(parent context.Context, now func()) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			cancel()
		case <-done:
			return
		}
		select {
		case <-ch:
			now()
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
}
