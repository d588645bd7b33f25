package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"time"

	"github.com/huegate/huegate/config"
	"github.com/huegate/huegate/hue"
	"github.com/rs/zerolog"
)

const (
	// reloadDebounce waits for an editor to finish writing (several events
	// per save) before reading the file, but never longer than
	// reloadMaxDelay after the first event, so a file written without pause
	// is still read within the 2 s promised.
	reloadDebounce = 150 * time.Millisecond
	reloadMaxDelay = time.Second
	// reloadTimeout bounds the bridge reads and subscriptions of one reload.
	reloadTimeout = 10 * time.Second
)

// reloadRetry is when a reload that met an unreachable bridge is tried
// again, as long as the file stays the same. Tests shorten it.
var reloadRetry = 5 * time.Second

// reloader applies edits of the config file to the running gateway: a change
// of mappings takes effect without a restart; anything that fails the checks
// `validate` makes is logged in the same words and the config in force stays.
type reloader struct {
	path string
	log  zerolog.Logger
	app  *app
	cur  *config.Config // in force
	sum  [sha256.Size]byte
}

// newReloader starts from cfg, loaded from a file whose content had the
// checksum sum (taken before loading: a change made after that is applied).
func newReloader(cfg *config.Config, sum [sha256.Size]byte, a *app, log zerolog.Logger) *reloader {
	return &reloader{path: cfg.File, log: log, app: a, cur: cfg, sum: sum}
}

// fileSum is the checksum of a file's content; zero when it cannot be read.
func fileSum(path string) [sha256.Size]byte {
	data, err := os.ReadFile(path)
	if err != nil {
		return [sha256.Size]byte{}
	}
	return sha256.Sum256(data)
}

// run watches the file until ctx ends. It looks at the file once at once, for
// edits made while the gateway was starting.
func (r *reloader) run(ctx context.Context) {
	w := watchFile(ctx, r.path, r.log)
	defer w.wait()
	t := time.NewTimer(0)
	defer t.Stop()
	var first time.Time // of the events not yet read; zero when none
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.C:
			if first.IsZero() {
				first = time.Now()
			}
			t.Reset(min(reloadDebounce, time.Until(first.Add(reloadMaxDelay))))
		case <-t.C:
			first = time.Time{}
			if r.reload(ctx) {
				t.Reset(reloadRetry)
			}
		}
	}
}

// reload reads the file and applies it if it changed; it reports whether
// to try again later (a bridge did not answer).
func (r *reloader) reload(ctx context.Context) (retry bool) {
	data, err := os.ReadFile(r.path)
	if err != nil {
		r.log.Warn().Err(err).Msg("config file unreadable; the config in force stays")
		return false
	}
	sum := sha256.Sum256(data)
	if sum == r.sum {
		return false
	}
	cfg, err := config.Load(r.path)
	var p config.Problems
	switch {
	case errors.As(err, &p):
		r.sum = sum
		r.reject(p)
		return false
	case err != nil:
		r.log.Warn().Err(err).Msg("config reload failed; the config in force stays")
		return false
	}
	if p := bridgeProblems(cfg); len(p) > 0 {
		r.sum = sum
		r.reject(p)
		return false
	}
	for _, w := range cfg.Warnings {
		r.log.Warn().Msg("config: " + w)
	}
	r.warnRestart(cfg)
	if reflect.DeepEqual(cfg.Mappings, r.cur.Mappings) {
		r.sum = sum
		r.log.Info().Str("file", r.path).Msg("config file changed; mappings unchanged")
		return false
	}
	return r.apply(ctx, cfg, sum)
}

// apply checks the new mappings' names on the bridges and hands them to the
// gateway.
func (r *reloader) apply(ctx context.Context, cfg *config.Config, sum [sha256.Size]byte) (retry bool) {
	if p := notRunning(cfg, r.app.bridges); len(p) > 0 {
		r.sum = sum
		r.reject(p)
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, reloadTimeout)
	defer cancel()
	invs, err := readInventories(ctx, r.app.bridges, usedBridges(cfg))
	if err != nil {
		return r.bridgeFailed(err, sum)
	}
	if p := nameProblems(cfg, invs); len(p) > 0 {
		r.sum = sum
		r.reject(p)
		return false
	}
	before := r.app.gateway.Topics()
	if err := r.app.gateway.SetMappings(ctx, cfg.Mappings); err != nil {
		return r.bridgeFailed(err, sum) // e.g. the bridge went down since the check
	}
	r.sum = sum
	next := *r.cur
	next.Mappings = cfg.Mappings
	r.cur = &next
	after := r.app.gateway.Topics()
	r.log.Info().Str("file", r.path).Strs("topics", after).
		Strs("added", missingFrom(after, before)).Strs("removed", missingFrom(before, after)).
		Msg("config reloaded: mappings applied")
	return false
}

// bridgeFailed logs a reload that failed on a bridge. A bridge that
// refuses the config is a problem like any other; one that did not answer
// is tried again.
func (r *reloader) bridgeFailed(err error, sum [sha256.Size]byte) (retry bool) {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var be *bridgeReadError
	if errors.As(err, &be) {
		if line := bridgeProblem(r.cur, be.name, be.err); line != "" {
			r.sum = sum
			r.reject(config.Problems{line})
			return false
		}
	}
	var re *hue.RequestError
	if !errors.As(err, &re) || !hue.Retryable(err) {
		r.sum = sum
		r.reject(config.Problems{err.Error()})
		return false
	}
	r.log.Warn().Err(err).Dur("retry_in", reloadRetry).Msg("config reload: bridge did not answer; the config in force stays until it does")
	return true
}

// reject logs each problem as `validate` prints it.
func (r *reloader) reject(p config.Problems) {
	for _, line := range p {
		r.log.Error().Str("file", r.path).Msg("invalid config: " + line)
	}
	r.log.Warn().Str("file", r.path).Int("problems", len(p)).Msg("config reload rejected; the last good config stays in force")
}

// warnRestart logs the connection keys that changed: they take effect at
// the next start. Values are not logged: some are secrets.
func (r *reloader) warnRestart(cfg *config.Config) {
	for _, key := range connectionChanges(r.cur, cfg) {
		r.log.Warn().Str("key", key).Msg(key + " changed: restart huegate to apply it (the running value stays)")
	}
}

func connectionChanges(old, cur *config.Config) []string {
	var out []string
	for _, name := range union(old.BridgeNames(), cur.BridgeNames()) {
		o, inOld := old.Bridges[name]
		c, inCur := cur.Bridges[name]
		key := cur.BridgeKey(name)
		if !inCur {
			key = old.BridgeKey(name)
		}
		if inOld != inCur {
			out = append(out, key)
			continue
		}
		out = append(out, fieldChanges(key, bridgeFields, o, c)...)
	}
	out = append(out, fieldChanges("mqtt", mqttFields, old.MQTT, cur.MQTT)...)
	return append(out, fieldChanges("http", httpFields, old.HTTP, cur.HTTP)...)
}

// bridgeFields and mqttFields name each field as its config key.
var (
	bridgeFields = map[string]string{"Host": "host", "Username": "username", "LightRate": "light_rate",
		"GroupRate": "group_rate", "Workers": "workers", "Timeout": "timeout", "PollInterval": "poll_interval",
		"CertSHA256": "cert_sha256"}
	mqttFields = map[string]string{"Broker": "broker", "ClientID": "client_id", "Username": "username",
		"Password": "password", "Prefix": "prefix", "QoS": "qos", "CAFile": "ca_file", "CertFile": "cert_file",
		"KeyFile": "key_file", "InsecureSkipVerify": "insecure_skip_verify",
		"Listen": "listen", "WSListen": "ws_listen", "Users": "users"}
	httpFields = map[string]string{"Listen": "listen"}
)

// fieldChanges compares two structs field by field; a field missing from
// names is still reported, by its Go name, so a new key is never ignored.
func fieldChanges(prefix string, names map[string]string, a, b any) []string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []string
	for i := range va.NumField() {
		if reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			continue
		}
		f := va.Type().Field(i).Name
		out = append(out, fmt.Sprintf("%s.%s", prefix, orDefault(names[f], f)))
	}
	return out
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// missingFrom lists what is in a and not in b.
func missingFrom(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}
