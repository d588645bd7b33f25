package config

import (
	"fmt"
	"math"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/huegate/huegate/mapping"
)

// validate checks values that are well-typed but wrong.
func validate(c *Config) Problems {
	var p Problems
	for _, name := range bridgeNames(c) {
		p = append(p, validateBridge(bridgeKey(c, name), c.Bridges[name])...)
	}
	p = append(p, validateMQTT(c.MQTT)...)
	p = append(p, validateEmbedded(c.MQTT)...)
	p = append(p, validateHTTP(c.HTTP)...)
	p = append(p, validateMappings(c)...)
	p = append(p, validateHomeAssistant(c.HomeAssistant)...)
	return p
}

func bridgeNames(c *Config) []string {
	names := make([]string, 0, len(c.Bridges))
	for n := range c.Bridges {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func bridgeKey(c *Config, name string) string {
	if name == DefaultBridge && len(c.Bridges) == 1 {
		return "bridge"
	}
	return "bridges." + name
}

func validateBridge(key string, b Bridge) Problems {
	var p Problems
	if b.LightRate <= 0 || math.IsInf(b.LightRate, 0) || math.IsNaN(b.LightRate) {
		p = append(p, fmt.Sprintf("%s.light_rate: must be above 0, got %v", key, b.LightRate))
	}
	if b.GroupRate <= 0 || math.IsInf(b.GroupRate, 0) || math.IsNaN(b.GroupRate) {
		p = append(p, fmt.Sprintf("%s.group_rate: must be above 0, got %v", key, b.GroupRate))
	}
	if b.Workers < 1 || b.Workers > 16 {
		p = append(p, fmt.Sprintf("%s.workers: must be 1..16, got %d", key, b.Workers))
	}
	if b.Timeout <= 0 {
		p = append(p, fmt.Sprintf("%s.timeout: must be above 0, got %v", key, b.Timeout))
	}
	if b.PollInterval <= 0 {
		p = append(p, fmt.Sprintf("%s.poll_interval: must be above 0, got %v", key, b.PollInterval))
	}
	if b.StreamPort < 1 || b.StreamPort > 65535 {
		p = append(p, fmt.Sprintf("%s.stream_port: must be a UDP port 1..65535, got %d", key, b.StreamPort))
	}
	return p
}

func validateMQTT(m MQTT) Problems {
	var p Problems
	u, err := url.Parse(m.Broker)
	switch {
	case m.Broker == "":
		p = append(p, "mqtt.broker: must be set, e.g. tcp://127.0.0.1:1883")
	case m.Embedded(): // the built-in broker; see validateEmbedded
	case err != nil || u.Host == "":
		p = append(p, fmt.Sprintf("mqtt.broker: %q is not a URL such as tcp://127.0.0.1:1883", redactURL(m.Broker)))
	case !validScheme(u.Scheme):
		p = append(p, fmt.Sprintf("mqtt.broker: scheme %q must be one of tcp, ssl, mqtts, ws, wss (or the word embedded)", u.Scheme))
	case u.User != nil:
		p = append(p, "mqtt.broker: put credentials in mqtt.username and mqtt.password, not in the URL")
	}
	if m.QoS < 0 || m.QoS > 2 {
		p = append(p, fmt.Sprintf("mqtt.qos: must be 0, 1 or 2, got %d", m.QoS))
	}
	if m.ClientID == "" {
		p = append(p, "mqtt.client_id: must be set")
	}
	if msg := topicProblem(m.Prefix); msg != "" {
		p = append(p, "mqtt.prefix: "+msg)
	}
	return p
}

func validScheme(s string) bool {
	switch s {
	case "tcp", "ssl", "mqtts", "ws", "wss": // what the MQTT client accepts
		return true
	}
	return false
}

func validateMappings(c *Config) Problems {
	var p Problems
	seen := map[string]int{}
	for i, m := range c.Mappings {
		key := fmt.Sprintf("mappings[%d]", i)
		if msg := topicProblem(m.Topic); msg != "" {
			p = append(p, key+".topic: "+msg)
		} else if j, dup := seen[m.Topic]; dup {
			p = append(p, fmt.Sprintf("%s.topic: %q is already mapped by mappings[%d]", key, m.Topic, j))
		} else {
			seen[m.Topic] = i
		}
		if c.MQTT.Prefix != "" && strings.HasPrefix(m.Topic, c.MQTT.Prefix+"/") {
			p = append(p, fmt.Sprintf("%s.topic: %q is under mqtt.prefix, where huegate publishes its own topics", key, m.Topic))
		}
		p = append(p, validateMapping(c, key, m)...)
	}
	return p
}

func validateMapping(c *Config, key string, m mapping.Mapping) Problems {
	var p Problems
	if len(m.Lights)+len(m.Groups) == 0 && m.Stream == "" {
		p = append(p, key+": needs at least one light (lights: [\"Desk lamp\", 3]), group or stream area")
	}
	if m.StreamIdle <= 0 && m.Stream != "" {
		p = append(p, fmt.Sprintf("%s.stream_idle: must be above zero, got %v", key, m.StreamIdle))
	}
	if !m.Range.Valid() {
		p = append(p, fmt.Sprintf("%s.range: min %v must be below max %v", key, m.Range.Min, m.Range.Max))
	}
	if m.Transition < 0 {
		p = append(p, fmt.Sprintf("%s.transition: must not be negative, got %v", key, m.Transition))
	}
	if m.Debounce < 0 {
		p = append(p, fmt.Sprintf("%s.debounce: must not be negative, got %v", key, m.Debounce))
	}
	if m.Bridge != "" {
		if _, ok := c.Bridges[m.Bridge]; !ok {
			p = append(p, fmt.Sprintf("%s.bridge: no bridge named %q", key, m.Bridge))
		}
	} else if len(c.Bridges) > 1 {
		p = append(p, fmt.Sprintf("%s.bridge: must name one of the bridges (%s)", key, strings.Join(bridgeNames(c), ", ")))
	}
	return p
}

// topicProblem says what is wrong with a topic huegate subscribes to or
// publishes under; "" when nothing is.
func topicProblem(t string) string {
	switch {
	case t == "":
		return "must be set"
	case strings.ContainsAny(t, "+#"):
		return fmt.Sprintf("%q contains a wildcard (+ or #); give the exact topic", t)
	case strings.ContainsRune(t, 0):
		return "contains a NUL character"
	case !utf8.ValidString(t):
		return "is not valid UTF-8"
	case len(t) > 65535:
		return "is longer than MQTT allows"
	}
	return ""
}

// advice is what a config may say but probably does not mean; it does not
// stop start-up.
func advice(c *Config) []string {
	var w []string
	if len(c.Mappings) == 0 {
		w = append(w, "mappings: none, so no shared topic is subscribed (state and set topics still work)")
	}
	for _, name := range c.BridgeNames() {
		if host := c.Bridges[name].Host; strings.HasPrefix(strings.ToLower(host), "http://") {
			w = append(w, fmt.Sprintf("%s.host: %s is plain http, which Hue bridges are dropping (the Bridge Pro has none) "+
				"and which carries the key in clear; write the host without http:// and huegate uses https when the bridge has it",
				c.BridgeKey(name), host))
		}
	}
	for i, m := range c.Mappings {
		w = append(w, streamAdvice(c, i, m)...)
		if m.Transition%(100*time.Millisecond) != 0 {
			w = append(w, fmt.Sprintf("mappings[%d].transition: %v is sent as %v: the bridge counts in steps of 100 ms",
				i, m.Transition, m.Transition.Round(100*time.Millisecond)))
		}
	}
	return w
}

// streamAdvice warns about a streamed mapping whose bridge cannot stream:
// it still works, over REST, so it is no problem, but the user asked for
// the stream and should learn why they will not get it before running.
func streamAdvice(c *Config, i int, m mapping.Mapping) []string {
	name := c.BridgeOf(m.Bridge)
	b, ok := c.Bridges[name]
	if m.Stream == "" || !ok {
		return nil
	}
	var w []string
	if b.ClientKey == "" {
		w = append(w, fmt.Sprintf("mappings[%d].stream: %s.clientkey is empty, so the area's values go over REST; "+
			"run `huegate pair` again to get one", i, c.BridgeKey(name)))
	}
	if b.API == "v1" || strings.HasPrefix(strings.ToLower(b.Host), "http://") {
		w = append(w, fmt.Sprintf("mappings[%d].stream: streaming needs CLIP v2 over https, so the area's values go over REST; "+
			"write %s.host without http:// and leave %s.api at auto", i, c.BridgeKey(name), c.BridgeKey(name)))
	}
	return w
}
