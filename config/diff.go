package config

import (
	"reflect"
	"slices"
)

// Changes is what an edited configuration changes against the one in
// force, as the hot reload acts on it.
type Changes struct {
	// Mappings changed: the reload applies them while running.
	Mappings bool
	// Restart are the keys that changed and take effect only at the next
	// start (connections, listeners, budgets), sorted, e.g. "bridge.host",
	// "bridges.attic", "mqtt.password". Values are never part of it: some
	// are secrets.
	Restart []string
}

// Diff compares the configuration in force with an edited one.
func Diff(old, cur *Config) Changes {
	c := Changes{Mappings: !reflect.DeepEqual(old.Mappings, cur.Mappings)}
	for _, name := range unionKeys(old.Bridges, cur.Bridges) {
		o, inOld := old.Bridges[name]
		n, inCur := cur.Bridges[name]
		key := cur.BridgeKey(name)
		if !inCur {
			key = old.BridgeKey(name)
		}
		if inOld != inCur {
			c.Restart = append(c.Restart, key)
			continue
		}
		c.Restart = append(c.Restart, prefixed(key, bridgeChanges(o, n))...)
	}
	c.Restart = append(c.Restart, prefixed("mqtt", mqttChanges(old.MQTT, cur.MQTT))...)
	c.Restart = append(c.Restart, prefixed("http", httpChanges(old.HTTP, cur.HTTP))...)
	c.Restart = append(c.Restart, prefixed("homeassistant", haChanges(old.HomeAssistant, cur.HomeAssistant))...)
	slices.Sort(c.Restart)
	return c
}

// changed collects the keys whose values differ.
type changed []string

func (c *changed) add(key string, differ bool) {
	if differ {
		*c = append(*c, key)
	}
}

func bridgeChanges(a, b Bridge) []string {
	var c changed
	c.add("host", a.Host != b.Host)
	c.add("username", a.Username != b.Username)
	c.add("light_rate", a.LightRate != b.LightRate)
	c.add("group_rate", a.GroupRate != b.GroupRate)
	c.add("workers", a.Workers != b.Workers)
	c.add("timeout", a.Timeout != b.Timeout)
	c.add("poll_interval", a.PollInterval != b.PollInterval)
	c.add("cert_sha256", a.CertSHA256 != b.CertSHA256)
	c.add("ca_file", a.CAFile != b.CAFile)
	c.add("clientkey", a.ClientKey != b.ClientKey)
	c.add("api", a.API != b.API)
	c.add("stream_port", a.StreamPort != b.StreamPort)
	return c
}

func mqttChanges(a, b MQTT) []string {
	var c changed
	c.add("broker", a.Broker != b.Broker)
	c.add("client_id", a.ClientID != b.ClientID)
	c.add("username", a.Username != b.Username)
	c.add("password", a.Password != b.Password)
	c.add("prefix", a.Prefix != b.Prefix)
	c.add("qos", a.QoS != b.QoS)
	c.add("ca_file", a.CAFile != b.CAFile)
	c.add("cert_file", a.CertFile != b.CertFile)
	c.add("key_file", a.KeyFile != b.KeyFile)
	c.add("insecure_skip_verify", a.InsecureSkipVerify != b.InsecureSkipVerify)
	c.add("listen", a.Listen != b.Listen)
	c.add("ws_listen", a.WSListen != b.WSListen)
	c.add("ws_origins", !slices.Equal(a.WSOrigins, b.WSOrigins))
	c.add("users", !slices.Equal(a.Users, b.Users))
	return c
}

func haChanges(a, b HomeAssistant) []string {
	var c changed
	c.add("enabled", a.Enabled != b.Enabled)
	c.add("discovery_prefix", a.DiscoveryPrefix != b.DiscoveryPrefix)
	return c
}

func prefixed(prefix string, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = prefix + "." + k
	}
	return out
}

func unionKeys(a, b map[string]Bridge) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func httpChanges(a, b HTTP) changed {
	var c changed
	c.add("listen", a.Listen != b.Listen)
	c.add("auth_token", a.AuthToken != b.AuthToken)
	c.add("page", a.Page != b.Page)
	return c
}
