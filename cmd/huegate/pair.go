package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/hue"
	"github.com/spf13/cobra"
)

// pairRetry is how often pairing asks the bridge for a key while the person
// walks to the link button. Tests shorten it.
var pairRetry = time.Second

// pairProbeTimeout bounds each request while pairing.
const pairProbeTimeout = 5 * time.Second

type pairFlags struct {
	host      string
	bridge    string
	timeout   time.Duration
	printKey  bool
	trustCert bool
}

func newPairCmd(g *globals) *cobra.Command {
	var f pairFlags
	cmd := &cobra.Command{
		Use:   "pair [--host BRIDGE]",
		Short: "Get an API key from the bridge (press its link button) and save it in the config",
		Long: `Pair huegate with a Hue bridge: press the round link button on the bridge
when asked, and huegate asks for a key every second until it gets one or
--timeout passes. It then writes bridge.host and bridge.username into the
config file (creating it if absent), keeps every other key and comment, and
leaves the file readable by you only (mode 0600). The key is not printed
unless --print-key. It also writes bridge.clientkey, the key the
Entertainment API needs (a secret like the API key).

A host without a scheme is tried over https first. The bridge's certificate
must come from the Hue root CA (or bridge.ca_file) and name the bridge's id;
anything else is refused before a key is asked for. An older bridge with a
self-signed certificate has its certificate's SHA-256 fingerprint saved as
bridge.cert_sha256 and checked on every later connection (trust on first
use). If it later shows another certificate, huegate refuses it; pair again
with --trust-new-cert only if you reset or replaced the bridge. Plain http is
used only for a bridge that has no https, with a warning.

Without --host, the host already in the config file is paired again (a new
key for the same bridge).`,
		Example: `  huegate pair --host 192.168.1.2
  huegate pair --host 192.168.1.2 --config /etc/huegate/config.yaml
  huegate pair --host 192.168.1.3 --bridge upstairs
  sudo huegate pair --config /etc/huegate/config.yaml   # the bridge.host in the file`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.pair(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.host, "host", "", "the bridge: IP, host name, or URL such as https://192.168.1.2 (huegate discover finds it)")
	fl.StringVar(&f.bridge, "bridge", "", "which bridge in a config that names several (bridges.<name>)")
	fl.DurationVar(&f.timeout, "timeout", 60*time.Second, "how long to wait for the link button")
	fl.BoolVar(&f.printKey, "print-key", false, "also print the API key")
	fl.BoolVar(&f.trustCert, "trust-new-cert", false, "accept an https bridge's new certificate in place of the pinned one")
	return cmd
}

func (g *globals) pair(ctx context.Context, f pairFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	path := g.configFile()
	section, err := config.BridgeSection(path, f.bridge)
	if err != nil {
		return err
	}
	if err := checkWritable(path); err != nil {
		return err
	}
	host, err := pairHost(path, section, f.host)
	if err != nil {
		return err
	}
	if _, err := hue.BaseURL(host); err != nil {
		return err
	}
	caFile, err := pairCAFile(path, section)
	if err != nil {
		return err
	}
	c, fp, err := g.reach(ctx, path, section, hue.Config{Host: host, CAFile: caFile}, f.trustCert)
	if err != nil {
		return err
	}
	defer c.CloseIdle()
	cred, err := g.waitForKey(ctx, c, f.timeout)
	if err != nil {
		return err
	}
	pinned, _, _ := config.FileValue(path, append(section, "cert_sha256")...)
	return g.savePairing(path, section, host, cred, pin{fp, fp != "" || pinned != ""}, f.printKey)
}

// reach finds the bridge and makes it prove who it is: a certificate from
// the Hue root CA naming its bridge id, or, for an older bridge that signs
// its own, the certificate pinned now (trust on first use; fp is its
// fingerprint). Anything else is refused before a key is asked for.
func (g *globals) reach(ctx context.Context, path string, section []string, cfg hue.Config, trust bool) (*hue.Client, string, error) {
	cfg.Timeout, cfg.MaxConns = pairProbeTimeout, 1
	cfg.PlainHTTP = func(base string) {
		fmt.Fprintf(g.stderr, "warning: %s has no https; pairing over plain http, which carries the key in clear. "+
			"Update the bridge in the Hue app.\n", base)
	}
	c, info, err := publicConfig(ctx, cfg)
	fp := ""
	var ce *hue.CertError
	if errors.As(err, &ce) && ce.Problem == hue.CertSelfSigned {
		if fp, err = g.checkCertificate(ctx, path, section, cfg.Host, trust); err != nil {
			return nil, "", err
		}
		cfg.CertSHA256 = fp
		c, info, err = publicConfig(ctx, cfg)
	}
	switch {
	case errors.As(err, &ce):
		return nil, "", fmt.Errorf("refusing to pair with %s: %w", cfg.Host, err)
	case err != nil:
		return nil, "", fmt.Errorf("no Hue bridge answers at %s: %w", cfg.Host, err)
	}
	fmt.Fprintf(g.stdout, "Found %s at %s.\n", describeBridge(info), c.Base())
	return c, fp, nil
}

// publicConfig asks the bridge who it is, over a new client for cfg.
func publicConfig(ctx context.Context, cfg hue.Config) (*hue.Client, hue.BridgeInfo, error) {
	c, err := hue.New(cfg)
	if err != nil {
		return nil, hue.BridgeInfo{}, err
	}
	info, err := c.PublicConfig(ctx)
	if err != nil {
		c.CloseIdle()
		return nil, info, err
	}
	return c, info, nil
}

// pairCAFile is bridge.ca_file as huegate run will read it: the
// environment (for the default bridge), else the file.
func pairCAFile(path string, section []string) (string, error) {
	if env := os.Getenv("HUEGATE_BRIDGE_CA_FILE"); env != "" && len(section) == 1 {
		return env, nil
	}
	v, _, err := config.FileValue(path, append(section, "ca_file")...)
	return strings.TrimSpace(v), err
}

// pairHost is --host, else the host the config file names for the bridge.
func pairHost(path string, section []string, flag string) (string, error) {
	if host := strings.TrimSpace(flag); host != "" {
		return host, nil
	}
	host, _, err := config.FileValue(path, append(section, "host")...)
	host = strings.TrimSpace(host)
	if err != nil {
		return "", err
	}
	if host == "" {
		key := strings.Join(append(section, "host"), ".")
		return "", &exitError{2, fmt.Errorf("no bridge to pair: give --host (huegate discover finds it) or set %s in %s", key, path)}
	}
	return host, nil
}

// checkWritable fails before the button is pressed rather than after.
func checkWritable(path string) error {
	dir := filepath.Dir(path)
	if target, err := filepath.EvalSymlinks(path); err == nil {
		dir = filepath.Dir(target)
	}
	f, err := os.CreateTemp(dir, ".huegate-write-test-*")
	if err != nil {
		return fmt.Errorf("cannot write the config file %s: %w", path, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// checkCertificate reads a self-signed bridge's certificate and compares
// it with the one pinned in the file for the same host.
func (g *globals) checkCertificate(ctx context.Context, path string, section []string, host string, trust bool) (string, error) {
	fp, err := hue.PeerFingerprint(ctx, host, pairProbeTimeout)
	if err != nil || fp == "" {
		return "", err
	}
	pinned, _, err := config.FileValue(path, append(section, "cert_sha256")...)
	if err != nil || pinned == "" || hue.SameFingerprint(pinned, fp) {
		return fp, err
	}
	oldHost, _, _ := config.FileValue(path, append(section, "host")...)
	key := strings.Join(section, ".") + ".cert_sha256"
	if sameHost(oldHost, host) && !trust {
		return "", fmt.Errorf("the bridge at %s shows a different certificate than the one pinned in %s (%s):\n"+
			"  pinned: %s\n  now:    %s\n"+
			"If you reset or replaced the bridge, pair again with --trust-new-cert. "+
			"If not, something else may be answering at that address: do not pair", host, path, key, pinned, fp)
	}
	fmt.Fprintf(g.stdout, "Replacing the certificate pinned in %s (%s) with the one this bridge shows.\n", path, key)
	return fp, nil
}

func sameHost(a, b string) bool {
	x, errx := hue.BaseURL(a)
	y, erry := hue.BaseURL(b)
	return errx == nil && erry == nil && strings.EqualFold(x, y)
}

func describeBridge(info hue.BridgeInfo) string {
	s := fmt.Sprintf("bridge %q (id %s", info.Name, orDefault(info.BridgeID, "?"))
	if info.ModelID != "" {
		s += ", model " + info.ModelID
	}
	if info.APIVersion != "" {
		s += ", API " + info.APIVersion
	}
	return s + ")"
}

// waitForKey asks for a key every pairRetry until the button is pressed or
// timeout passes, showing a countdown on a terminal and a line every 10 s
// otherwise.
func (g *globals) waitForKey(ctx context.Context, c *hue.Client, timeout time.Duration) (hue.Credentials, error) {
	hostname, _ := os.Hostname()
	devicetype := hue.DeviceType(hostname)
	deadline := time.Now().Add(timeout)
	tty := isTerminal(g.stdout)
	fmt.Fprintf(g.stdout, "Press the link button on the bridge now (waiting up to %s).\n", seconds(timeout))
	// A timer after each answer, not a ticker: a slow answer must not be
	// followed by a quick second request.
	wait := time.NewTimer(0)
	defer wait.Stop()
	lastLine := time.Now()
	var lastErr error
	for {
		cred, err := c.CreateUser(ctx, devicetype)
		if err == nil {
			if tty {
				fmt.Fprint(g.stdout, "\r\033[K")
			}
			return cred, nil
		}
		if !hue.IsType(err, hue.ErrTypeLinkButton) {
			if !hue.Retryable(err) {
				return hue.Credentials{}, fmt.Errorf("pairing refused: %w", err)
			}
			lastErr = err // the bridge may be busy; keep asking
		}
		left := time.Until(deadline)
		if left <= 0 {
			return hue.Credentials{}, g.pairTimeout(timeout, lastErr, tty)
		}
		switch {
		case tty:
			fmt.Fprintf(g.stdout, "\r\033[KWaiting for the link button: %s", countdown(left))
		case time.Since(lastLine) >= 10*time.Second:
			fmt.Fprintf(g.stdout, "Still waiting for the link button: %s.\n", countdown(left))
			lastLine = time.Now()
		}
		wait.Reset(pairRetry)
		select {
		case <-ctx.Done():
			return hue.Credentials{}, ctx.Err()
		case <-wait.C:
		}
	}
}

func (g *globals) pairTimeout(timeout time.Duration, lastErr error, tty bool) error {
	if tty {
		fmt.Fprintln(g.stdout)
	}
	msg := fmt.Sprintf("the link button was not pressed within %s; run the command again and press the button when asked", seconds(timeout))
	if lastErr != nil {
		msg += fmt.Sprintf(" (last error: %v)", lastErr)
	}
	return errors.New(msg)
}

// seconds writes whole seconds as "60 s", anything else as Go does.
func seconds(d time.Duration) string {
	if d >= time.Second && d%time.Second == 0 {
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return d.String()
}

// countdown is the time left in whole seconds, rounded up.
func countdown(left time.Duration) string {
	return fmt.Sprintf("%d s left", int((left+time.Second-1)/time.Second))
}

// pin is what pairing writes to bridge.cert_sha256: the fingerprint of a
// self-signed bridge, or "" to clear an old pin from a bridge whose
// certificate now chains to the Hue root.
type pin struct {
	fingerprint string
	write       bool
}

func (g *globals) savePairing(path string, section []string, host string, cred hue.Credentials, p pin, printKey bool) error {
	at := func(k string) []string { return append(append([]string(nil), section...), k) }
	var updates []config.Update
	var written []string
	add := func(k, v string, quote bool) {
		updates = append(updates, config.Update{Path: at(k), Value: v, Quote: quote})
		written = append(written, strings.Join(at(k), "."))
	}
	add("host", host, false)
	add("username", cred.Username, true)
	if cred.ClientKey != "" {
		add("clientkey", cred.ClientKey, true)
	}
	if p.write {
		add("cert_sha256", p.fingerprint, true)
	}
	if err := config.Edit(path, updates); err != nil {
		return fmt.Errorf("paired, but the key could not be saved (%w); fix that and pair again", err)
	}
	fmt.Fprintf(g.stdout, "Paired. Wrote %s to %s (mode 0600).\n", strings.Join(written, ", "), path)
	if printKey {
		fmt.Fprintf(g.stdout, "API key: %s\n", cred.Username)
	}
	if len(section) == 1 && os.Getenv("HUEGATE_BRIDGE_USERNAME") != "" {
		fmt.Fprintln(g.stderr, "warning: HUEGATE_BRIDGE_USERNAME is set and overrides the key in the file")
	}
	next := "huegate lights"
	if g.configPath != "" {
		next += " --config " + g.configPath
	}
	fmt.Fprintf(g.stdout, "Next: `%s` lists the names to put in mappings.\n", next)
	return nil
}
