package embedded

import (
	"errors"
	"fmt"
	"log/slog"
	"net"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/rs/zerolog"
)

// Options configures the built-in broker.
type Options struct {
	// Listen is the TCP listener's address, host:port; required. Port 0
	// picks a free one (see Broker.Addr).
	Listen string
	// WSListen is the WebSocket listener's address; "" disables it.
	WSListen string
	// Users may connect on every listener; on a listener that is not
	// loopback only they may. Their passwords are never logged.
	Users []User
	// WSOrigins are the web origins, besides pages served from this machine,
	// whose pages may use the WebSocket listener ("null" for a page opened
	// from a file).
	WSOrigins []string
	// Own is what belongs to huegate's own client: its client id, and the
	// topics only it may publish.
	Own Own
	Log zerolog.Logger
}

// Own describes huegate's own client, which logs in with credentials made
// at start (Broker.ClientCredentials) and alone may use its client id and
// publish under its topics.
type Own struct {
	ClientID string
	// Prefix is mqtt.prefix: under it other clients may publish set
	// topics (ending in /set) only.
	Prefix string
	// DiscoveryPrefix is Home Assistant's; huegate's configs live in
	// <DiscoveryPrefix>/+/huegate/. "" when discovery is off.
	DiscoveryPrefix string
}

// User is a username and password the broker accepts.
type User struct {
	Username string
	Password string
}

const (
	// maxPacketSize bounds one MQTT packet. Light values are a few bytes;
	// other clients sharing the broker get ample room, but nobody can make
	// it buffer without limit.
	maxPacketSize = 1 << 20
	// maxSessionExpiry bounds how long a disconnected client's session
	// (subscriptions, queued messages) is kept in memory.
	maxSessionExpiry = 24 * 60 * 60
	// sysInterval is how often the broker refreshes its $SYS topics.
	sysInterval = 30
)

// Listener ids; clients' listener is how the auth hook tells them apart.
const (
	idTCP = "tcp"
	idWS  = "websocket"
)

// Broker is a running built-in broker.
type Broker struct {
	srv  *mochi.Server
	tcp  *tcpListener
	ws   *wsListener // nil when disabled
	auth *authHook
}

// anonymousOK says whether a listener takes clients without credentials.
// Tests replace it to try the users-only path without leaving loopback.
var anonymousOK = func(id, addr string) bool { return IsLoopback(addr) }

// CheckAccess returns an error when a listener that is not loopback would
// be open to anonymous clients.
func CheckAccess(o Options) error {
	if len(o.Users) > 0 {
		return nil
	}
	for _, addr := range []string{o.Listen, o.WSListen} {
		if addr != "" && !IsLoopback(addr) {
			return fmt.Errorf("built-in broker: %s is not a loopback address, so it needs users (anonymous access is only allowed on loopback)", addr)
		}
	}
	return nil
}

// Start opens the listeners and starts the broker. A listener that cannot
// open its address is a *ListenError, and nothing is left running.
func Start(o Options) (*Broker, error) {
	if o.Listen == "" {
		return nil, errors.New("built-in broker: no TCP listen address")
	}
	if err := CheckAccess(o); err != nil {
		return nil, err
	}
	log := o.Log.With().Str("component", "broker").Logger()
	srv := mochi.New(&mochi.Options{
		Logger:                 slog.New(zerolog.NewSlogHandler(mochiLevel(log))),
		Capabilities:           capabilities(),
		SysTopicResendInterval: sysInterval,
	})
	b := &Broker{srv: srv, tcp: newTCPListener(idTCP, o.Listen)}
	open := map[string]bool{idTCP: anonymousOK(idTCP, o.Listen)}
	if o.WSListen != "" {
		b.ws = newWSListener(idWS, o.WSListen, o.WSOrigins, log.With().Str("listener", idWS).Logger())
		open[idWS] = anonymousOK(idWS, o.WSListen)
		// Every web page the user opens can reach a loopback listener: pages
		// log in as soon as there are users to log in as.
		open[browserID(idWS)] = open[idWS] && len(o.Users) == 0
	}
	auth, err := newAuthHook(open, o.Users, o.Own, log)
	if err != nil {
		return nil, err
	}
	b.auth = auth
	if err := srv.AddHook(auth, nil); err != nil {
		return nil, fmt.Errorf("built-in broker: %w", err)
	}
	if err := b.listen(); err != nil {
		_ = srv.Close()
		return nil, err
	}
	if err := srv.Serve(); err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("built-in broker: start: %w", err)
	}
	return b, nil
}

func (b *Broker) listen() error {
	if err := b.srv.AddListener(b.tcp); err != nil {
		return &ListenError{Listener: "tcp", Addr: b.tcp.Address(), Err: err}
	}
	if b.ws == nil {
		return nil
	}
	if err := b.srv.AddListener(b.ws); err != nil {
		return &ListenError{Listener: "websocket", Addr: b.ws.Address(), Err: err}
	}
	return nil
}

func capabilities() *mochi.Capabilities {
	c := mochi.NewDefaultServerCapabilities()
	c.MaximumPacketSize = maxPacketSize
	c.MaximumSessionExpiryInterval = maxSessionExpiry
	return c
}

// mochiLevel keeps the library's chatter (a line per listener, per hook,
// per dropped connection) out of normal logs: it shows errors only, unless
// huegate itself logs at debug.
func mochiLevel(log zerolog.Logger) zerolog.Logger {
	if log.GetLevel() <= zerolog.DebugLevel {
		return log
	}
	return log.Level(max(log.GetLevel(), zerolog.ErrorLevel))
}

// Addr is the TCP listener's address, with the port actually bound.
func (b *Broker) Addr() string { return b.tcp.Address() }

// WSAddr is the WebSocket listener's address, or "" when it is disabled.
func (b *Broker) WSAddr() string {
	if b.ws == nil {
		return ""
	}
	return b.ws.Address()
}

// ClientURL is where huegate's own client connects: the TCP listener, by
// a loopback address when it listens on all of them.
func (b *Broker) ClientURL() string {
	host, port, _ := net.SplitHostPort(b.Addr())
	switch ip := net.ParseIP(host); {
	case ip == nil:
	case ip.Equal(net.IPv4zero):
		host = "127.0.0.1"
	case ip.Equal(net.IPv6unspecified):
		host = "::1"
	}
	return "tcp://" + net.JoinHostPort(host, port)
}

// ClientCredentials are what huegate's own client logs in with: made at
// Start, known to no one else, never logged.
func (b *Broker) ClientCredentials() (username, password string) {
	return ownUsername, string(b.auth.ownPassword)
}

// Refused counts the connections the listeners closed at once because they
// were full (maxConns).
func (b *Broker) Refused() int64 {
	n := b.tcp.gate.refused.Load()
	if b.ws != nil {
		n += b.ws.gate.refused.Load()
	}
	return n
}

// Close disconnects every client, closes the listeners and waits for the
// clients' goroutines to end. The listeners stop first, so that no
// connection reaches mochi while it closes.
func (b *Broker) Close() {
	b.tcp.stop()
	if b.ws != nil {
		b.ws.stop()
	}
	_ = b.srv.Close()
}
