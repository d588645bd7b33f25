package mqtt

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// Options configures a Client.
type Options struct {
	// Broker is the broker's URL: tcp://host:1883, ssl://host:8883,
	// mqtts://host:8883, ws://host/mqtt or wss://host/mqtt. A missing port on
	// tcp, ssl and mqtts takes the standard one. Credentials in the URL
	// (tcp://user:pass@host) take precedence over Username and Password.
	Broker   string
	ClientID string
	Username string
	Password string
	// QoS is used for publishing (including availability) and subscribing: 0, 1 or 2.
	QoS byte
	// StatusTopic, if set, receives "online" (retained) on every connect and
	// "offline" (retained) as the last will and from Close.
	StatusTopic string
	// TLS is used for ssl, mqtts and wss brokers; see TLSConfig.
	TLS *tls.Config
	// ConnectRetryInterval is the pause after a failed connection attempt; it
	// doubles with each further failure, up to MaxReconnectInterval. After an
	// established connection breaks, the first attempt is made at once.
	// Default 1s.
	ConnectRetryInterval time.Duration
	// MaxReconnectInterval caps the pause between attempts. Default 10s.
	MaxReconnectInterval time.Duration
	Logger               zerolog.Logger
}

const (
	defaultConnectRetryInterval = time.Second
	defaultMaxReconnectInterval = 10 * time.Second
	// connectTimeout bounds one connection attempt, so that a broker that
	// swallows packets does not stall reconnecting for paho's default 30s.
	connectTimeout = 10 * time.Second
	// writeTimeout bounds how long Publish waits to hand a message to paho's
	// writer, and how long writing one packet to the network may take.
	writeTimeout = 5 * time.Second
	// ackTimeout bounds waiting for a SUBACK or UNSUBACK.
	ackTimeout = 10 * time.Second
	keepAlive  = 30 * time.Second
	// cleanDisconnect bounds ending the earlier run's session at start.
	cleanDisconnect = 250 * time.Millisecond
)

const (
	payloadOnline  = "online"
	payloadOffline = "offline"
)

// defaultPorts lists the accepted broker URL schemes and the port used when the
// URL has none ("" leaves the URL alone; the websocket dialer picks 80 or 443).
var defaultPorts = map[string]string{
	"tcp":   "1883",
	"ssl":   "8883",
	"mqtts": "8883",
	"ws":    "",
	"wss":   "",
}

// withDefaults fills in zero durations.
func (o Options) withDefaults() Options {
	if o.ConnectRetryInterval <= 0 {
		o.ConnectRetryInterval = defaultConnectRetryInterval
	}
	if o.MaxReconnectInterval <= 0 {
		o.MaxReconnectInterval = defaultMaxReconnectInterval
	}
	return o
}

// validate checks the options and returns the parsed broker URL.
func (o Options) validate() (*url.URL, error) {
	broker, err := parseBroker(o.Broker)
	if err != nil {
		return nil, err
	}
	switch {
	case o.QoS > 2:
		return nil, fmt.Errorf("mqtt options: qos %d is not 0, 1 or 2", o.QoS)
	case o.ClientID == "":
		return nil, errors.New("mqtt options: client id is empty")
	case len(o.ClientID) > maxTopicLen || !utf8.ValidString(o.ClientID):
		return nil, errors.New("mqtt options: client id must be valid UTF-8 of at most 65535 bytes")
	case o.TLS != nil && (broker.Scheme == "tcp" || broker.Scheme == "ws"):
		return nil, fmt.Errorf("mqtt options: TLS is configured but broker scheme %s:// is unencrypted", broker.Scheme)
	}
	if o.StatusTopic != "" {
		if err := validateTopicName(o.StatusTopic); err != nil {
			return nil, fmt.Errorf("mqtt options: status topic: %w", err)
		}
	}
	return broker, nil
}

// parseBroker parses and checks the broker URL. Its errors never quote the URL,
// which may hold a password.
func parseBroker(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("mqtt options: broker URL cannot be parsed (want scheme://host:port)")
	}
	port, ok := defaultPorts[u.Scheme]
	if !ok {
		return nil, fmt.Errorf("mqtt options: broker URL scheme %q is not one of tcp, ssl, mqtts, ws, wss", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, errors.New("mqtt options: broker URL has no host")
	}
	if u.Port() == "" && port != "" {
		u.Host = net.JoinHostPort(u.Hostname(), port)
	}
	return u, nil
}
