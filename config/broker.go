package config

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/huegate/huegate/mqtt/embedded"
	"github.com/spf13/viper"
)

// BrokerEmbedded is the mqtt.broker value that starts the built-in broker.
const BrokerEmbedded = "embedded"

// User is one login of the built-in broker.
type User struct {
	Username string
	Password string
}

// HTTP is the control page, the metrics and the health endpoint.
type HTTP struct {
	Listen string // host:port; "" disables
	// AuthToken is what the control page asks for (a secret, like a
	// password); "" lets anyone who can reach a loopback listener in.
	AuthToken string
	Page      bool // serve the control page at /
}

// Embedded reports whether huegate runs its own broker.
func (m MQTT) Embedded() bool { return strings.EqualFold(m.Broker, BrokerEmbedded) }

// userKeys are the keys one mqtt.users entry may have.
var userKeys = map[string]bool{"username": true, "password": true}

// users reads mqtt.users: a list of {username, password}. Problems never
// quote a password.
func (r *reader) users() []User {
	raw := r.v.Get("mqtt.users")
	if raw == nil {
		return nil
	}
	items, ok := raw.([]any)
	if !ok {
		r.problems = append(r.problems, "mqtt.users: must be a list of {username: ..., password: ...}")
		return nil
	}
	out := make([]User, 0, len(items))
	for i, it := range items {
		key := fmt.Sprintf("mqtt.users[%d]", i)
		m, ok := it.(map[string]any)
		if !ok {
			r.problems = append(r.problems, key+": must be {username: ..., password: ...}")
			continue
		}
		for _, k := range sortedKeys(m) {
			if !userKeys[k] {
				r.problems = append(r.problems, fmt.Sprintf("%s.%s: unknown key", key, k))
			}
		}
		u := User{Username: r.itemString(key+".username", m["username"])}
		if pw, ok := m["password"].(string); ok {
			u.Password = pw
		} else if m["password"] != nil {
			r.problems = append(r.problems, key+".password: must be a string (put it in quotes)")
		}
		out = append(out, u)
	}
	return out
}

// origins reads a list of web origins: a YAML list, or from the
// environment a comma-separated string. Each is "null" or
// scheme://host[:port], as browsers send it.
func (r *reader) origins(key string) []string {
	var items []string
	switch v := r.v.Get(key).(type) {
	case nil:
	case string:
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o != "" {
				items = append(items, o)
			}
		}
	case []any:
		for i, it := range v {
			s, ok := it.(string)
			if !ok {
				r.problems = append(r.problems, fmt.Sprintf("%s[%d]: must be a string such as \"http://192.168.1.20:8000\"", key, i))
				continue
			}
			items = append(items, strings.TrimSpace(s))
		}
	default:
		r.problems = append(r.problems, key+": must be a list of origins such as [\"http://192.168.1.20:8000\"]")
	}
	for i, o := range items {
		if msg := originProblem(o); msg != "" {
			r.problems = append(r.problems, fmt.Sprintf("%s[%d]: %s", key, i, msg))
		}
	}
	return items
}

func originProblem(o string) string {
	if o == "null" {
		return ""
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Sprintf("%q is not an origin: scheme://host[:port], e.g. http://192.168.1.20:8000 (or null, for a page opened from a file)", o)
	}
	return ""
}

func (r *reader) http() HTTP {
	return HTTP{
		Listen:    strings.TrimSpace(r.str("http.listen")),
		AuthToken: r.str("http.auth_token"),
		Page:      r.bool("http.page"),
	}
}

// validateEmbedded checks the built-in broker's keys when it is used.
func validateEmbedded(m MQTT) Problems {
	if !m.Embedded() {
		return nil
	}
	var p Problems
	if m.Listen == "" {
		p = append(p, "mqtt.listen: must be set for the built-in broker, e.g. 127.0.0.1:1883")
	} else if msg := addrProblem(m.Listen); msg != "" {
		p = append(p, "mqtt.listen: "+msg)
	}
	if m.WSListen != "" {
		if msg := addrProblem(m.WSListen); msg != "" {
			p = append(p, "mqtt.ws_listen: "+msg)
		} else if m.WSListen == m.Listen && !strings.HasSuffix(m.Listen, ":0") { // port 0: each gets a free one
			p = append(p, "mqtt.ws_listen: must differ from mqtt.listen")
		}
	}
	p = append(p, validateUsers(m.Users)...)
	if len(m.Users) == 0 {
		for _, l := range []struct{ key, addr string }{{"mqtt.listen", m.Listen}, {"mqtt.ws_listen", m.WSListen}} {
			if l.addr != "" && !embedded.IsLoopback(l.addr) {
				p = append(p, fmt.Sprintf("%s: %s is not a loopback address, so the built-in broker needs mqtt.users (anonymous access is only allowed on loopback)", l.key, l.addr))
			}
		}
	}
	return p
}

func validateUsers(users []User) Problems {
	var p Problems
	seen := map[string]int{}
	for i, u := range users {
		key := fmt.Sprintf("mqtt.users[%d]", i)
		if u.Username == "" {
			p = append(p, key+".username: must be set")
		} else if j, dup := seen[u.Username]; dup {
			p = append(p, fmt.Sprintf("%s.username: %q is already listed in mqtt.users[%d]", key, u.Username, j))
		} else {
			seen[u.Username] = i
		}
		if u.Password == "" {
			p = append(p, key+".password: must be set")
		}
	}
	return p
}

func validateHTTP(h HTTP) Problems {
	if h.Listen == "" {
		return nil
	}
	if msg := addrProblem(h.Listen); msg != "" {
		return Problems{"http.listen: " + msg}
	}
	// The page moves the lights: on an address others can reach, it takes a
	// token. Metrics and health alone need none.
	if h.Page && h.AuthToken == "" && !embedded.IsLoopback(h.Listen) {
		return Problems{fmt.Sprintf("http.auth_token: must be set when http.listen (%s) is not a loopback address, since the control page there can move the lights; or set http.page: false to serve only /metrics and /healthz", h.Listen)}
	}
	if h.AuthToken != "" && len(h.AuthToken) < 12 {
		return Problems{"http.auth_token: too short (fewer than 12 characters); use a long random string, e.g. from `openssl rand -hex 16`"}
	}
	return nil
}

// addrProblem says what is wrong with a listen address; "" when nothing is.
func addrProblem(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("%q is not host:port, e.g. 127.0.0.1:1883", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("%q: port must be a number 0..65535", addr)
	}
	return ""
}

// ParseWithoutEnv reads a configuration from YAML bytes like Parse, but
// HUEGATE_* environment variables do not apply: for configurations huegate
// builds itself, such as the demo's, which a user's environment (set up
// for `run`) must not redirect.
func ParseWithoutEnv(data []byte) (*Config, error) {
	v := viper.New()
	for k, d := range defaults {
		v.SetDefault(k, d)
	}
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		return nil, Problems{"not valid YAML: " + firstLine(err)}
	}
	return decode(v, "")
}
