package app

import (
	"context"
	"crypto/sha256"
	"errors"
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
// again, as long as the file stays the same.
const reloadRetry = 5 * time.Second

// reloader applies edits of the config file to the running app: a change
// of mappings takes effect without a restart; anything that fails the checks
// `validate` makes is logged in the same words and the config in force stays.
type reloader struct {
	path string
	log  zerolog.Logger
	app  *App
	sum  [sha256.Size]byte
	// unreadable is the last warning about a file that could not be read,
	// so a file that stays unreadable (a pipe in its place) is reported
	// once and not on every event.
	unreadable string
}

// Reload watches the file the config in force came from and applies every
// edit until ctx ends. sum is the checksum of the file's content taken
// before it was loaded (FileSum): an edit made after that is applied. It
// does nothing when the config came from no file.
func (a *App) Reload(ctx context.Context, sum [sha256.Size]byte) {
	if a.cfg.File == "" {
		return
	}
	r := &reloader{path: a.cfg.File, log: a.log, app: a, sum: sum}
	r.run(ctx)
}

// FileSum is the checksum of a file's content; zero when it cannot be read
// or is not a regular file.
func FileSum(path string) [sha256.Size]byte {
	data, err := config.ReadFile(path)
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
	data, err := config.ReadFile(r.path) // never waits: a pipe in its place is refused
	if err != nil {
		r.warnUnreadable(err)
		return false
	}
	r.unreadable = ""
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
	err = r.app.Apply(ctx, cfg)
	var ce *ConfigError
	switch {
	case err == nil:
		r.sum = sum
	case errors.Is(err, context.Canceled):
	case errors.As(err, &ce):
		r.sum = sum
		r.reject(ce.Problems)
	case hue.Retryable(err):
		r.log.Warn().Err(err).Dur("retry_in", reloadRetry).Msg("config reload: bridge did not answer; the config in force stays until it does")
		return true
	default:
		r.sum = sum
		r.reject(config.Problems{err.Error()})
	}
	return false
}

// Apply takes an edited configuration while running. Mappings take effect
// at once (new topics subscribed, removed ones unsubscribed, lights that
// stay keep their pending values); every other key that changed is logged
// as needing a restart, and its running value stays. A config that cannot
// work is a *ConfigError and changes nothing; a bridge that did not answer
// the name checks is an error hue.Retryable accepts, and changes nothing.
func (a *App) Apply(ctx context.Context, cfg *config.Config) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p := BridgeProblems(cfg); len(p) > 0 {
		return &ConfigError{Where: ConfigName(cfg), Problems: p}
	}
	for _, w := range cfg.Warnings {
		a.log.Warn().Msg("config: " + w)
	}
	changes := config.Diff(a.cfg, cfg)
	for _, key := range changes.Restart {
		a.log.Warn().Str("key", key).Msg(key + " changed: restart huegate to apply it (the running value stays)")
	}
	if !changes.Mappings {
		a.log.Info().Str("file", cfg.File).Msg("config file changed; mappings unchanged")
		return nil
	}
	return a.applyMappings(ctx, cfg)
}

// applyMappings checks the new mappings' names on the bridges and hands them
// to the gateway.
func (a *App) applyMappings(ctx context.Context, cfg *config.Config) error {
	if p := notRunning(cfg, a.bridges); len(p) > 0 {
		return &ConfigError{Where: ConfigName(cfg), Problems: p}
	}
	ctx, cancel := context.WithTimeout(ctx, reloadTimeout)
	defer cancel()
	invs, err := readInventories(ctx, a.bridges, cfg)
	if err != nil {
		return a.bridgeFailed(err)
	}
	if p := NameProblems(cfg, invs); len(p) > 0 {
		return &ConfigError{Where: ConfigName(cfg), Problems: p}
	}
	before := a.gateway.Topics()
	a.x.showMappings(cfg.Mappings) // first, so the page keeps what new topics replay
	if err := a.gateway.SetMappings(ctx, cfg.Mappings); err != nil {
		a.x.showMappings(a.cfg.Mappings)
		return a.bridgeFailed(err) // e.g. the bridge went down since the check
	}
	next := *a.cfg
	next.Mappings = cfg.Mappings
	a.cfg = &next
	after := a.gateway.Topics()
	a.x.metrics.SetMapped(after)
	a.log.Info().Str("file", cfg.File).Strs("topics", after).
		Strs("added", missingFrom(after, before)).Strs("removed", missingFrom(before, after)).
		Msg("config reloaded: mappings applied")
	return nil
}

// bridgeFailed turns a failure to read a bridge into Apply's error: a
// bridge that refuses the config is a problem like any other; one that did
// not answer is retryable.
func (a *App) bridgeFailed(err error) error {
	var be *bridgeReadError
	if errors.As(err, &be) {
		if line := BridgeProblem(a.cfg, be.name, be.err); line != "" {
			return &ConfigError{Where: ConfigName(a.cfg), Problems: config.Problems{line}}
		}
	}
	var re *hue.RequestError
	if errors.Is(err, context.Canceled) || (errors.As(err, &re) && hue.Retryable(err)) {
		return err
	}
	return &ConfigError{Where: ConfigName(a.cfg), Problems: config.Problems{err.Error()}}
}

// warnUnreadable says the file cannot be read, once until it can be again.
func (r *reloader) warnUnreadable(err error) {
	if err.Error() == r.unreadable {
		return
	}
	r.unreadable = err.Error()
	r.log.Warn().Err(err).Msg("config file unreadable; the config in force stays")
}

// reject logs each problem as `validate` prints it (at most
// config.MaxLines of them, and how many more).
func (r *reloader) reject(p config.Problems) {
	for _, line := range config.Summarise(p, "problems") {
		r.log.Error().Str("file", r.path).Msg("invalid config: " + line)
	}
	r.log.Warn().Str("file", r.path).Int("problems", len(p)).Msg("config reload rejected; the last good config stays in force")
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
