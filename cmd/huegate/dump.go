package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/hue"
	"github.com/spf13/cobra"
)

// dumpTimeout bounds reading a full state, which is large on big
// installations; it is never shorter than the bridge's own timeout.
const dumpTimeout = 15 * time.Second

type dumpFlags struct {
	out    string
	bridge string
}

func newDumpCmd(g *globals) *cobra.Command {
	f := &dumpFlags{}
	cmd := &cobra.Command{
		Use:   "dump",
		Short: "Record a bridge's full state as a fixture, without its keys",
		Long: `Read the bridge's full state (GET /api/<key>: lights, groups, scenes, sensors,
rules, schedules, config) and write it in the format ` + "`huegate emulate --fixture`" + `
and the test emulator load, so your own bridge can become a test fixture or be
attached to a bug report. The whitelist (every paired app and its key), the
key in the config, and anything else that looks like a key or token are
removed first. The bridge is read once and not changed.`,
		Example: `  huegate dump --config config.yaml --out my-bridge.json
  huegate emulate --fixture my-bridge.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.dump(cmd.Context(), f)
		},
	}
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "file to write (default: standard output)")
	cmd.Flags().StringVar(&f.bridge, "bridge", "", "which bridge, when the config names several")
	return cmd
}

func (g *globals) dump(ctx context.Context, f *dumpFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	name, b, err := pickBridge(cfg, f.bridge)
	if err != nil {
		return &exitError{2, err}
	}
	if b.Username == "" {
		return bridgeError(name, errors.New("no API key: set bridge.username or HUEGATE_BRIDGE_USERNAME"))
	}
	c, err := hue.New(hue.Config{Host: b.Host, Username: b.Username, Timeout: max(b.Timeout, dumpTimeout), CertSHA256: b.CertSHA256})
	if err != nil {
		return bridgeError(name, err)
	}
	defer c.CloseIdle()
	raw, err := c.Dump(ctx)
	if err != nil {
		return bridgeError(name, err)
	}
	clean, err := hue.SanitizeDump(raw, b.Username)
	if err != nil {
		return bridgeError(name, err)
	}
	if f.out == "" || f.out == "-" {
		_, err = g.stdout.Write(clean)
		return err
	}
	if err := os.WriteFile(f.out, clean, 0o644); err != nil {
		return fmt.Errorf("write the dump: %w", err)
	}
	fmt.Fprintf(g.stderr, "wrote %s (%d bytes; whitelist and keys removed)\n", f.out, len(clean))
	return nil
}

// pickBridge finds the bridge to dump: the one named, or the only one.
func pickBridge(cfg *config.Config, name string) (string, config.Bridge, error) {
	if name != "" {
		b, ok := cfg.Bridges[name]
		if !ok {
			return "", config.Bridge{}, fmt.Errorf("--bridge %s: no such bridge in the config (it has %v)", name, bridgeNames(cfg))
		}
		return name, b, nil
	}
	names := bridgeNames(cfg)
	if len(names) != 1 {
		return "", config.Bridge{}, fmt.Errorf("the config has %d bridges %v: pick one with --bridge", len(names), names)
	}
	return names[0], cfg.Bridges[names[0]], nil
}

func bridgeNames(cfg *config.Config) []string {
	names := make([]string, 0, len(cfg.Bridges))
	for n := range cfg.Bridges {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
