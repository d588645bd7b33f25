package app

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/gateway"
	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/mapping"
)

// The checks here are shared by `huegate validate` and `huegate lights`, by
// Start and by the hot reload, so all three report a problem in the same words: one line per
// problem, naming the key path.

// Reader is what the name checks read from a bridge (*hue.Client).
type Reader interface {
	Lights(ctx context.Context) ([]hue.Light, error)
	Groups(ctx context.Context) ([]hue.Group, error)
	Areas(ctx context.Context) ([]hue.Area, error)
}

// Inventory is one bridge's lights, groups and (when a mapping streams)
// entertainment areas, as names resolve against them.
type Inventory struct {
	lights []mapping.Named
	groups []mapping.Named
	areas  []hue.Area
}

// ReadInventory reads what names resolve against; the entertainment areas
// only when withAreas (a mapping on this bridge streams), as that costs
// requests of its own.
func ReadInventory(ctx context.Context, b Reader, withAreas bool) (Inventory, error) {
	lights, err := b.Lights(ctx)
	if err != nil {
		return Inventory{}, err
	}
	groups, err := b.Groups(ctx)
	if err != nil {
		return Inventory{}, err
	}
	inv := Inventory{groups: []mapping.Named{gateway.AllLights}}
	if withAreas {
		if inv.areas, err = b.Areas(ctx); err != nil {
			return Inventory{}, err
		}
	}
	for _, l := range lights {
		inv.lights = append(inv.lights, mapping.Named{ID: l.ID, Name: l.Name})
	}
	for _, g := range groups {
		inv.groups = append(inv.groups, mapping.Named{ID: g.ID, Name: g.Name})
	}
	return inv, nil
}

// bridgeReadError is a failure to read one bridge's inventory.
type bridgeReadError struct {
	name string
	err  error
}

func (e *bridgeReadError) Error() string { return "bridge " + e.name + ": " + e.err.Error() }
func (e *bridgeReadError) Unwrap() error { return e.err }

// readInventories reads the named bridges; the first failure stops it.
func readInventories(ctx context.Context, bridges map[string]*hue.Client, cfg *config.Config) (map[string]Inventory, error) {
	names := usedBridges(cfg)
	invs := make(map[string]Inventory, len(names))
	for _, name := range names {
		b, ok := bridges[name]
		if !ok {
			continue
		}
		inv, err := ReadInventory(ctx, b, Streams(cfg, name))
		if err != nil {
			return nil, &bridgeReadError{name: name, err: err}
		}
		invs[name] = inv
	}
	return invs, nil
}

// usedBridges are the bridges that mappings drive, sorted.
func usedBridges(cfg *config.Config) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range cfg.Mappings {
		if name := cfg.BridgeOf(m.Bridge); name != "" && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// BridgeProblems are bridge keys that are missing or cannot be right, so
// nothing could be sent.
func BridgeProblems(cfg *config.Config) config.Problems {
	var p config.Problems
	for _, name := range cfg.BridgeNames() {
		b, key := cfg.Bridges[name], cfg.BridgeKey(name)
		if _, err := hue.BaseURL(b.Host); b.Host == "" {
			p = append(p, key+".host: not set; find the bridge with `huegate discover`")
		} else if err != nil {
			p = append(p, fmt.Sprintf("%s.host: %v", key, err))
		} else if b.Username == "" {
			p = append(p, fmt.Sprintf("%s.username: no API key; run `huegate pair --host %s`", key, b.Host))
		}
		if !hue.ValidAPI(b.API) {
			p = append(p, fmt.Sprintf("%s.api: %q is not auto, v1 or v2", key, b.API))
		}
		if b.CertSHA256 != "" && !hue.ValidFingerprint(b.CertSHA256) {
			p = append(p, key+".cert_sha256: must be the SHA-256 fingerprint (64 hex digits) that `huegate pair` records")
		} else if _, err := hue.BaseURL(b.Host); err == nil && hue.ValidAPI(b.API) {
			if _, err := hue.New(clientConfig(b, 1)); err != nil {
				p = append(p, fmt.Sprintf("%s: %v", key, err)) // ca_file unreadable, api v2 over http://
			}
		}
	}
	return p
}

// BridgeProblem is the problem line for a bridge that answered but refused
// the configuration (unknown key, changed certificate, http redirected to
// https); "" when the error is not the configuration's fault (down, slow).
func BridgeProblem(cfg *config.Config, name string, err error) string {
	b, key := cfg.Bridges[name], cfg.BridgeKey(name)
	var certErr *hue.CertError
	switch {
	case hue.IsType(err, hue.ErrTypeUnauthorized):
		return fmt.Sprintf("%s.username: the bridge at %s does not know this API key (a reset bridge forgets keys); run `huegate pair --host %s`", key, b.Host, b.Host)
	case errors.Is(err, hue.ErrCertChanged):
		return key + ".cert_sha256: " + hue.ErrCertChanged.Error()
	case errors.As(err, &certErr):
		return key + ".host: " + certErr.Error()
	case errors.Is(err, hue.ErrCertUnverified):
		return key + ".cert_sha256: " + hue.ErrCertUnverified.Error()
	case errors.Is(err, context.Canceled):
		return ""
	case !hue.Retryable(err):
		return fmt.Sprintf("%s.host: %v", key, err)
	}
	return ""
}

// NameProblems is one line per light or group name (or id) that is not on
// its bridge. Mappings on bridges missing from invs are not checked.
func NameProblems(cfg *config.Config, invs map[string]Inventory) config.Problems {
	var p config.Problems
	for i, m := range cfg.Mappings {
		inv, ok := invs[cfg.BridgeOf(m.Bridge)]
		if !ok {
			continue
		}
		p = append(p, refProblems(fmt.Sprintf("mappings[%d].lights", i), "light", m.Lights, inv.lights)...)
		p = append(p, refProblems(fmt.Sprintf("mappings[%d].groups", i), "group", m.Groups, inv.groups)...)
		if m.Stream != "" {
			if _, err := hue.FindArea(inv.areas, m.Stream); err != nil {
				p = append(p, fmt.Sprintf("mappings[%d].stream: %v", i, err))
			}
		}
	}
	return p
}

// Streams says whether a mapping on the named bridge streams to an
// entertainment area.
func Streams(cfg *config.Config, bridge string) bool {
	for _, m := range cfg.Mappings {
		if m.Stream != "" && cfg.BridgeOf(m.Bridge) == bridge {
			return true
		}
	}
	return false
}

// NamedTwice is a warning for each light or group a mapping names twice
// (by name and by id, say): harmless, but likely not what was meant. Past
// config.MaxLines of them, one line says how many more there are.
func NamedTwice(cfg *config.Config, invs map[string]Inventory) []string {
	var w []string
	for i, m := range cfg.Mappings {
		inv, ok := invs[cfg.BridgeOf(m.Bridge)]
		if !ok {
			continue
		}
		w = append(w, twice(fmt.Sprintf("mappings[%d].lights", i), "light", m.Lights, inv.lights)...)
		w = append(w, twice(fmt.Sprintf("mappings[%d].groups", i), "group", m.Groups, inv.groups)...)
	}
	return config.Summarise(w, "lights or groups named twice")
}

func twice(key, kind string, refs []mapping.Ref, known []mapping.Named) []string {
	var w []string
	first := map[string]int{}
	for j, r := range refs {
		ids, err := mapping.Resolve(kind, []mapping.Ref{r}, known)
		if err != nil {
			continue // a problem of its own
		}
		if k, ok := first[ids[0]]; ok {
			w = append(w, fmt.Sprintf("%s[%d]: the same %s as %s[%d] (id %s)", key, j, kind, key, k, ids[0]))
			continue
		}
		first[ids[0]] = j
	}
	return w
}

func refProblems(key, kind string, refs []mapping.Ref, known []mapping.Named) config.Problems {
	var p config.Problems
	for j, r := range refs {
		if _, err := mapping.Resolve(kind, []mapping.Ref{r}, known); err != nil {
			p = append(p, fmt.Sprintf("%s[%d]: %v", key, j, err))
		}
	}
	return p
}

// notRunning is one line per mapping whose bridge the running gateway does
// not have (added to the file after start-up).
func notRunning(cfg *config.Config, running map[string]*hue.Client) config.Problems {
	var p config.Problems
	for i, m := range cfg.Mappings {
		if name := cfg.BridgeOf(m.Bridge); name != "" {
			if _, ok := running[name]; !ok {
				p = append(p, fmt.Sprintf("mappings[%d].bridge: bridge %q is not running; restart huegate to add it", i, name))
			}
		}
	}
	return p
}

// Clients builds a hue client for each bridge whose keys are usable
// (see BridgeProblems for the others).
func Clients(cfg *config.Config) map[string]*hue.Client {
	clients := map[string]*hue.Client{}
	for _, name := range cfg.BridgeNames() {
		b := cfg.Bridges[name]
		if b.Username == "" {
			continue
		}
		c, err := hue.New(clientConfig(b, 2))
		if err != nil {
			continue // reported by BridgeProblems
		}
		clients[name] = c
	}
	return clients
}

// checkNames reads the bridges the mappings use (waiting for one that is
// down, as start-up does) and fails with validate's lines for a bridge that
// refuses the config or a name it does not have.
func (a *App) checkNames(ctx context.Context, cfg *config.Config) error {
	var invs map[string]Inventory
	err := retry(ctx, a.log, "bridge", func() (err error) {
		invs, err = readInventories(ctx, a.bridges, cfg)
		return err
	})
	var be *bridgeReadError
	if errors.As(err, &be) {
		if line := BridgeProblem(cfg, be.name, be.err); line != "" {
			return &ConfigError{Where: ConfigName(cfg), Problems: config.Problems{line}}
		}
	}
	if err != nil {
		return err
	}
	if p := NameProblems(cfg, invs); len(p) > 0 {
		return &ConfigError{Where: ConfigName(cfg), Problems: p}
	}
	for _, w := range NamedTwice(cfg, invs) {
		a.log.Warn().Msg("config: " + w)
	}
	return nil
}

// clientConfig is what the hue client needs from one bridge's config.
func clientConfig(b config.Bridge, conns int) hue.Config {
	return hue.Config{
		Host: b.Host, Username: b.Username, Timeout: b.Timeout, CertSHA256: b.CertSHA256,
		CAFile: b.CAFile, API: b.API, MaxConns: conns,
		ClientKey: b.ClientKey, StreamPort: b.StreamPort,
	}
}
