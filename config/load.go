package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/huegate/huegate/internal/printable"
	"github.com/spf13/cast"
	"github.com/spf13/viper"
)

// Problems is every problem found in a configuration, one per line.
type Problems []string

// MaxLines is how many lines huegate prints at most of one kind of warning,
// and of problems: a few kilobytes of YAML aliases expand to 100,000 keys,
// and a line each would be megabytes of log on every load.
const MaxLines = 20

// Error is one line per problem, at most MaxLines of them (see Summarise).
// A problem can quote what a bridge answered or a key of the file: each
// line is made printable (its control characters escaped), so the lines
// are exactly the problems, and a terminal shows them without obeying them.
func (p Problems) Error() string {
	lines := Summarise(p, "problems")
	safe := make([]string, len(lines))
	for i, l := range lines {
		safe[i] = printable.Text(l)
	}
	return strings.Join(safe, "\n")
}

// Summarise is lines, or, when there are more than MaxLines+1, the first
// MaxLines and a line saying how many more of what there are ("... and 980
// more unknown keys (ignored)").
func Summarise(lines []string, what string) []string {
	if len(lines) <= MaxLines+1 {
		return lines
	}
	return append(lines[:MaxLines:MaxLines], fmt.Sprintf("... and %d more %s", len(lines)-MaxLines, what))
}

// Load reads path (YAML), applies HUEGATE_* environment overrides and
// defaults, and checks everything that can be checked without a bridge.
// A missing file is fine when the environment supplies the keys (Config.File
// is then ""); path "" reads the environment only. The error is Problems when the content is
// wrong, so callers can print one line per problem.
func Load(path string) (*Config, error) {
	v := newViper()
	if path != "" {
		data, err := ReadFile(path)
		var nr *NotRegularError
		switch {
		case err == nil:
			v.SetConfigType("yaml")
			if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
				return nil, Problems{fmt.Sprintf("%s: not valid YAML: %s", path, firstLine(err))}
			}
		case errors.Is(err, os.ErrNotExist):
			path = ""
		case errors.As(err, &nr):
			return nil, err // names the path already
		default:
			return nil, fmt.Errorf("read config: %w", err)
		}
	}
	return decode(v, path)
}

// Parse reads a configuration from YAML bytes, with the same rules as Load.
func Parse(data []byte) (*Config, error) {
	v := newViper()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(strings.NewReader(string(data))); err != nil {
		return nil, Problems{"not valid YAML: " + firstLine(err)}
	}
	return decode(v, "")
}

func newViper() *viper.Viper {
	v := viper.New()
	v.SetEnvPrefix("HUEGATE")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	for k, d := range defaults {
		v.SetDefault(k, d)
	}
	return v
}

func decode(v *viper.Viper, path string) (*Config, error) {
	r := &reader{v: v}
	c := &Config{File: path}
	if p := sectionProblems(v); len(p) > 0 {
		return c, p
	}
	emptyEnvTurnsOff(v)
	c.Bridges = r.bridges()
	c.MQTT = r.mqtt()
	c.HTTP = r.http()
	c.Mappings = r.mappings()
	c.HomeAssistant = r.homeAssistant()
	c.Warnings = append(unknownKeys(v), advice(c)...)
	r.problems = append(r.problems, unlessRead(validate(c), r.problems)...)
	if len(r.problems) > 0 {
		return c, r.problems
	}
	return c, nil
}

// unlessRead drops the checks of values for keys that could not be read at
// all: "light_rate: must be a number, got \"fast\"" is the whole story, and
// a second line about the 0 it was read as would only mislead.
func unlessRead(checks, read Problems) Problems {
	bad := map[string]bool{}
	for _, p := range read {
		if key, _, ok := strings.Cut(p, ": "); ok {
			bad[key] = true
		}
	}
	var out Problems
	for _, p := range checks {
		if key, _, ok := strings.Cut(p, ": "); ok && bad[key] {
			continue
		}
		out = append(out, p)
	}
	return out
}

// offKeys are the listeners an empty value turns off.
var offKeys = []string{"mqtt.ws_listen", "http.listen"}

// emptyEnvTurnsOff reads HUEGATE_HTTP_LISTEN= (set, empty) as "" for the
// listeners an empty value turns off: viper ignores empty variables, and
// the README's `""` must work from the environment too.
func emptyEnvTurnsOff(v *viper.Viper) {
	for _, k := range offKeys {
		name := "HUEGATE_" + strings.ToUpper(strings.ReplaceAll(k, ".", "_"))
		if val, ok := os.LookupEnv(name); ok && val == "" {
			v.Set(k, "")
		}
	}
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// reader reads typed values and collects a problem naming the key for each
// value of the wrong type (viper's typed getters silently return zero).
type reader struct {
	v        *viper.Viper
	problems Problems
}

func (r *reader) bad(key string, val any, want string) {
	if secret(key) {
		r.problems = append(r.problems, fmt.Sprintf("%s: %s, not %s", key, want, kindOf(val)))
		return
	}
	r.problems = append(r.problems, fmt.Sprintf("%s: %s, got %q", key, want, fmt.Sprint(val)))
}

func (r *reader) str(key string) string {
	val := r.v.Get(key)
	s, err := cast.ToStringE(val)
	if err != nil {
		r.bad(key, val, "must be a string")
	}
	return s
}

func (r *reader) float(key string) float64 {
	val := r.v.Get(key)
	f, err := cast.ToFloat64E(val)
	if err != nil {
		r.bad(key, val, "must be a number")
	}
	return f
}

func (r *reader) int(key string) int {
	val := r.v.Get(key)
	n, err := cast.ToIntE(val)
	// cast truncates 1.5 to 1 and wraps 1e300 round to a negative number.
	if f, ok := val.(float64); ok && (f != math.Trunc(f) || math.Abs(f) > 1<<31) {
		err = errors.New("not a whole number")
	}
	if err != nil {
		r.bad(key, val, "must be a whole number")
		return 0
	}
	return n
}

func (r *reader) bool(key string) bool {
	val := r.v.Get(key)
	b, err := cast.ToBoolE(val)
	if err != nil {
		r.bad(key, val, "must be true or false")
	}
	return b
}

func (r *reader) dur(key string) time.Duration {
	return r.durValue(key, r.v.Get(key))
}

// durValue accepts "3s", "100ms" and plain numbers of seconds.
func (r *reader) durValue(key string, val any) time.Duration {
	switch x := val.(type) {
	case int, int64, float64, uint64:
		f, _ := cast.ToFloat64E(x)
		// Beyond about 292 years a Duration wraps round to a negative one.
		if ns := f * float64(time.Second); !math.IsNaN(ns) && math.Abs(ns) < math.MaxInt64 {
			return time.Duration(ns)
		}
	case string:
		if d, err := time.ParseDuration(strings.TrimSpace(x)); err == nil {
			return d
		}
	case time.Duration:
		return x
	}
	r.bad(key, val, `must be a duration such as "3s" or "100ms"`)
	return 0
}

func (r *reader) bridges() map[string]Bridge {
	out := map[string]Bridge{}
	named := r.v.GetStringMap("bridges")
	if len(named) > 0 && r.v.InConfig("bridge") {
		r.problems = append(r.problems, "bridge: use either `bridge:` (one bridge) or `bridges:` (by name), not both")
		return out
	}
	if len(named) == 0 {
		out[DefaultBridge] = r.bridge("bridge")
		return out
	}
	names := make([]string, 0, len(named))
	for n := range named {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, k := range bridgeKeys {
			if d, ok := defaults["bridge."+k]; ok {
				r.v.SetDefault("bridges."+n+"."+k, d)
			}
		}
		out[n] = r.bridge("bridges." + n)
	}
	return out
}

func (r *reader) bridge(p string) Bridge {
	return Bridge{
		Host:         strings.TrimSpace(r.str(p + ".host")),
		Username:     strings.TrimSpace(r.str(p + ".username")),
		LightRate:    r.float(p + ".light_rate"),
		GroupRate:    r.float(p + ".group_rate"),
		Workers:      r.int(p + ".workers"),
		Timeout:      r.dur(p + ".timeout"),
		PollInterval: r.dur(p + ".poll_interval"),
		CertSHA256:   strings.TrimSpace(r.str(p + ".cert_sha256")),
		CAFile:       strings.TrimSpace(r.str(p + ".ca_file")),
		ClientKey:    strings.TrimSpace(r.str(p + ".clientkey")),
		API:          strings.ToLower(strings.TrimSpace(r.str(p + ".api"))),
		StreamPort:   r.int(p + ".stream_port"),
	}
}

func (r *reader) mqtt() MQTT {
	return MQTT{
		Broker:             strings.TrimSpace(r.str("mqtt.broker")),
		ClientID:           r.str("mqtt.client_id"),
		Username:           r.str("mqtt.username"),
		Password:           r.str("mqtt.password"),
		Prefix:             strings.Trim(r.str("mqtt.prefix"), "/ "),
		QoS:                r.int("mqtt.qos"),
		CAFile:             r.str("mqtt.ca_file"),
		CertFile:           r.str("mqtt.cert_file"),
		KeyFile:            r.str("mqtt.key_file"),
		InsecureSkipVerify: r.bool("mqtt.insecure_skip_verify"),
		Listen:             strings.TrimSpace(r.str("mqtt.listen")),
		WSListen:           strings.TrimSpace(r.str("mqtt.ws_listen")),
		WSOrigins:          r.origins("mqtt.ws_origins"),
		Users:              r.users(),
	}
}

// unknownKeys lists keys huegate does not know, so a typo such as
// `light_rat` is reported instead of silently ignored; past MaxLines of
// them, one line says how many more there are.
func unknownKeys(v *viper.Viper) []string {
	var out []string
	for _, k := range v.AllKeys() {
		if !known(k) && !underSecret(k) {
			out = append(out, fmt.Sprintf("%s: unknown key (ignored)", k))
		}
	}
	sort.Strings(out)
	return Summarise(out, "unknown keys (ignored)")
}

func known(k string) bool {
	if _, ok := defaults[k]; ok || k == "mappings" || k == "mqtt.users" {
		return true
	}
	parts := strings.Split(k, ".")
	if len(parts) == 3 && parts[0] == "bridges" {
		for _, bk := range bridgeKeys {
			if parts[2] == bk {
				return true
			}
		}
	}
	return false
}
