package main

import (
	"context"
	"fmt"
	"io"

	"github.com/huegate/huegate/app"
	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/internal/printable"
	"github.com/spf13/cobra"
)

func newValidateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check the config file, and every light and group name on the bridge",
		Long: `Check everything huegate checks at start-up: types, ranges (range min below
max, rates above 0, durations), duplicate topics, topics with wildcards, a
bridge host and API key; then, when the bridge answers, that every light,
group and entertainment area (stream:) in the mappings exists on it.

Exit 0 when the config is good (warnings, such as unknown keys, a stream:
the bridge cannot carry (no bridge.clientkey, or no CLIP v2 over https) or
a bridge that did not answer, go to stderr). Exit 2 with one line per problem, each
naming the key path, e.g.
  mappings[1].range: min 900 must be below max 5
  mappings[0].lights[1]: light "Porch" not found on the bridge; it has: ...
The running gateway reports an edit that fails these checks in the same
words, and keeps its last good config.`,
		Example: `  huegate validate
  huegate validate --config /etc/huegate/config.yaml && systemctl reload-or-restart huegate`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.validate(cmd.Context())
		},
	}
}

func (g *globals) validate(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings {
		g.warn(w)
	}
	p := app.BridgeProblems(cfg)
	clients := app.Clients(cfg)
	invs := map[string]app.Inventory{}
	var unchecked []string
	for _, name := range cfg.BridgeNames() {
		c, ok := clients[name]
		if !ok {
			continue
		}
		inv, err := app.ReadInventory(ctx, c, app.Streams(cfg, name))
		c.CloseIdle()
		if err != nil {
			if line := app.BridgeProblem(cfg, name, err); line != "" {
				p = append(p, line)
				continue
			}
			g.warn(fmt.Sprintf("%s: bridge at %s did not answer (%v); light and group names not checked",
				cfg.BridgeKey(name), cfg.Bridges[name].Host, err))
			unchecked = append(unchecked, name)
			continue
		}
		invs[name] = inv
	}
	p = append(p, app.NameProblems(cfg, invs)...)
	if len(p) > 0 {
		return invalidConfig(cfg, p)
	}
	for _, w := range app.NamedTwice(cfg, invs) {
		g.warn(w)
	}
	g.printValid(g.stdout, cfg, len(invs), len(unchecked))
	return nil
}

// warn prints a warning line. Warnings quote keys of the file and what a
// bridge answered: printable, so a terminal shows them without obeying them.
func (g *globals) warn(w string) {
	fmt.Fprintln(g.stderr, "warning:", printable.Text(w))
}

func (g *globals) printValid(w io.Writer, cfg *config.Config, checked, unchecked int) {
	names := "every light and group name found on the bridge"
	if streams(cfg) {
		names = "every light, group and entertainment area found on the bridge"
	}
	switch {
	case len(cfg.Mappings) == 0:
		names = "no mappings yet (`huegate lights` lists what the bridge has)"
	case unchecked > 0 && checked == 0:
		names = "names not checked: the bridge did not answer"
	case unchecked > 0:
		names = "names checked on the bridges that answered"
	}
	fmt.Fprintf(w, "%s: valid: %d mapping(s); %s\n", configName(cfg), len(cfg.Mappings), names)
}

func streams(cfg *config.Config) bool {
	for _, name := range cfg.BridgeNames() {
		if app.Streams(cfg, name) {
			return true
		}
	}
	return false
}
