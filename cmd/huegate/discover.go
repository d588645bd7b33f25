package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"text/tabwriter"

	"github.com/huegate/huegate/internal/printable"
	"time"

	"github.com/huegate/huegate/hue/discover"
	"github.com/spf13/cobra"
)

type discoverFlags struct {
	timeout  time.Duration
	json     bool
	iface    string
	noCloud  bool
	cloudURL string
	service  string
}

func newDiscoverCmd(g *globals) *cobra.Command {
	var f discoverFlags
	cmd := &cobra.Command{
		Use:   "discover",
		Short: "Find Hue bridges on the local network",
		Long: `Find Hue bridges on the local network over mDNS (_hue._tcp, as the Hue app
does), and print each one's host, name, bridge id, model and API version.
The host is what to give ` + "`huegate pair --host`" + `: an IP (or IP:port), without a
scheme, since huegate tries https first and uses plain http only for a
bridge that has no https.

When no bridge answers over mDNS (multicast blocked, another subnet), huegate
asks the Hue cloud (discovery.meethue.com) instead: that needs internet
access and answers about once per 15 minutes (HTTP 429 otherwise).
--no-cloud skips it. A bridge can always be typed in by IP: find it in your
router's list of devices or in the Hue app (Settings, Bridges).`,
		Example: `  huegate discover
  huegate discover --timeout 10s --interface eth0
  huegate discover --json | jq -r '.[0].host'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.discover(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&f.timeout, "timeout", 5*time.Second, "how long the whole search may take")
	fl.BoolVar(&f.json, "json", false, "print JSON")
	fl.StringVar(&f.iface, "interface", "", "network interface to ask on, e.g. eth0 (default: the system's choice)")
	fl.BoolVar(&f.noCloud, "no-cloud", false, "do not ask the Hue cloud when mDNS finds nothing")
	fl.StringVar(&f.cloudURL, "cloud-url", discover.CloudURL, "cloud discovery endpoint")
	fl.StringVar(&f.service, "mdns-service", discover.Service, "mDNS service to ask for")
	_ = fl.MarkHidden("cloud-url")
	_ = fl.MarkHidden("mdns-service")
	return cmd
}

// found is one bridge as `discover --json` prints it.
type found struct {
	Host       string `json:"host"`
	Name       string `json:"name"`
	BridgeID   string `json:"bridge_id"`
	Model      string `json:"model"`
	APIVersion string `json:"api_version"`
	Source     string `json:"source"`
	Error      string `json:"error,omitempty"`
}

func (g *globals) discover(ctx context.Context, f discoverFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	log, err := g.newLogger()
	if err != nil {
		return err
	}
	opts := discover.Options{Timeout: f.timeout, Service: f.service, Log: func(s string) { log.Debug().Msg("mdns: " + s) }}
	if !f.noCloud {
		opts.CloudURL = f.cloudURL
	}
	if f.iface != "" {
		if opts.Interface, err = net.InterfaceByName(f.iface); err != nil {
			return &exitError{2, fmt.Errorf("--interface %s: %w", f.iface, err)}
		}
	}
	bridges, err := discover.Find(ctx, opts)
	list := make([]found, 0, len(bridges))
	for _, b := range bridges {
		list = append(list, foundFrom(b))
	}
	if f.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(list); err != nil {
			return err
		}
	} else if len(list) > 0 {
		printFound(g, list)
	}
	if len(list) == 0 {
		return notFound(f, opts.MDNSWait(), err)
	}
	return nil
}

func foundFrom(b discover.Bridge) found {
	f := found{Host: b.Host, Name: b.Info.Name, BridgeID: b.Info.BridgeID, Model: b.Info.ModelID,
		APIVersion: b.Info.APIVersion, Source: b.Source}
	if f.BridgeID == "" {
		f.BridgeID = strings.ToUpper(b.ID)
	}
	if f.Model == "" {
		f.Model = b.Model
	}
	if b.Err != nil {
		f.Error = b.Err.Error()
	}
	return f
}

func printFound(g *globals, list []found) {
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tNAME\tBRIDGE ID\tMODEL\tAPI\tFOUND BY")
	for _, f := range list {
		row(tw, f.Host, orDefault(f.Name, "-"), orDefault(f.BridgeID, "-"),
			orDefault(f.Model, "-"), orDefault(f.APIVersion, "-"), f.Source)
	}
	_ = tw.Flush()
	for _, f := range list {
		if f.Error != "" {
			fmt.Fprintf(g.stderr, "warning: %s did not describe itself: %s\n", printable.Text(f.Host), printable.Text(f.Error))
		}
	}
	fmt.Fprintf(g.stdout, "\nNext: huegate pair --host %s\n", list[0].Host)
}

// notFound says what was tried and what to do instead.
func notFound(f discoverFlags, listened time.Duration, err error) error {
	msg := fmt.Sprintf("no Hue bridge answered over mDNS within %s", listened.Round(10*time.Millisecond))
	switch {
	case errors.Is(err, discover.ErrCloud):
		msg += "; " + err.Error()
	case err != nil:
		msg += " (" + err.Error() + ")"
	case !f.noCloud:
		msg += ", and the Hue cloud knows none on this network"
	}
	msg += ". Find the bridge's IP in your router or the Hue app (Settings, Bridges) and run `huegate pair --host <ip>`"
	return errors.New(msg)
}
