package config

import (
	"time"

	"github.com/huegate/huegate/mapping"
)

// DefaultBridge is the name the one-bridge shorthand `bridge:` gets in the
// `bridges:` map.
const DefaultBridge = "default"

// Config is huegate's whole configuration after defaults and overrides.
type Config struct {
	File     string            // the file it was read from, if any
	Bridges  map[string]Bridge // by name; `bridge:` is Bridges["default"]
	MQTT     MQTT
	HTTP     HTTP
	Mappings []mapping.Mapping
	Warnings []string // unknown keys and other things that do not stop start-up

	HomeAssistant HomeAssistant
}

// HomeAssistant is MQTT discovery for Home Assistant.
type HomeAssistant struct {
	Enabled         bool
	DiscoveryPrefix string // where Home Assistant looks for configs; its own default is homeassistant
}

// Bridge is one Hue bridge.
type Bridge struct {
	Host         string
	Username     string
	LightRate    float64
	GroupRate    float64
	Workers      int
	Timeout      time.Duration
	PollInterval time.Duration
	CertSHA256   string
	CAFile       string // PEM roots trusted besides the Hue roots
	ClientKey    string // the Entertainment API's key from pairing: a secret
	API          string // "auto", "v1" or "v2"
	StreamPort   int    // UDP port of the Entertainment stream (2100 on a real bridge)
}

// MQTT is the broker connection.
type MQTT struct {
	Broker             string
	ClientID           string
	Username           string
	Password           string
	Prefix             string
	QoS                int
	CAFile             string
	CertFile           string
	KeyFile            string
	InsecureSkipVerify bool
	// The built-in broker (Broker == "embedded"): see broker.go.
	Listen    string
	WSListen  string
	WSOrigins []string // web origins whose pages may use WSListen, besides this machine's
	Users     []User
}

// StatusTopic is where huegate says online/offline.
func (m MQTT) StatusTopic() string { return m.Prefix + "/status" }

// defaults for every scalar key. They also make viper see the environment
// variable for each key (Unmarshal alone ignores env-only keys).
var defaults = map[string]any{
	"bridge.host":               "",
	"bridge.username":           "",
	"bridge.light_rate":         10,
	"bridge.group_rate":         1,
	"bridge.workers":            3,
	"bridge.timeout":            "3s",
	"bridge.poll_interval":      "2s",
	"bridge.cert_sha256":        "",
	"bridge.ca_file":            "",
	"bridge.clientkey":          "",
	"bridge.api":                "auto",
	"bridge.stream_port":        2100,
	"mqtt.broker":               "tcp://127.0.0.1:1883",
	"mqtt.client_id":            "huegate",
	"mqtt.username":             "",
	"mqtt.password":             "",
	"mqtt.prefix":               "huegate",
	"mqtt.qos":                  1,
	"mqtt.ca_file":              "",
	"mqtt.cert_file":            "",
	"mqtt.key_file":             "",
	"mqtt.insecure_skip_verify": false,
	"mqtt.listen":               "127.0.0.1:1883",
	"mqtt.ws_listen":            "127.0.0.1:9001",
	"mqtt.ws_origins":           "",
	"http.listen":               "127.0.0.1:8081",
	"http.auth_token":           "",
	"http.page":                 true,

	"homeassistant.enabled":          false,
	"homeassistant.discovery_prefix": "homeassistant",
}

// bridgeKeys are the keys of one bridge, in `bridge:` or `bridges.<name>:`.
var bridgeKeys = []string{"host", "username", "light_rate", "group_rate", "workers", "timeout", "poll_interval", "cert_sha256", "ca_file", "clientkey", "api", "stream_port"}

// mappingKeys are the keys one mapping may have.
var mappingKeys = map[string]bool{
	"topic": true, "bridge": true, "lights": true, "groups": true, "range": true,
	"transition": true, "debounce": true, "sync": true, "stream": true, "stream_idle": true,
}

// DefaultTransition is used when a mapping gives none: quicker than the
// bridge's own 400 ms, which makes dimming feel laggy.
const DefaultTransition = 100 * time.Millisecond
