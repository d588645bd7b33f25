package embedded

import (
	"errors"
	"fmt"
	"log/slog"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
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
	Log   zerolog.Logger
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
	idTCP      = "tcp"
	idWS       = "websocket"
	idInternal = "huegate"
)

// Broker is a running built-in broker.
type Broker struct {
	srv      *mochi.Server
	tcp      listeners.Listener
	ws       listeners.Listener // nil when disabled
	internal listeners.Listener // huegate's own loopback listener, when tcp is not loopback
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
	b := &Broker{srv: srv, tcp: listeners.NewTCP(listeners.Config{ID: idTCP, Address: o.Listen})}
	open := map[string]bool{idTCP: anonymousOK(idTCP, o.Listen)}
	if o.WSListen != "" {
		b.ws = newWSListener(idWS, o.WSListen, log.With().Str("listener", idWS).Logger())
		open[idWS] = anonymousOK(idWS, o.WSListen)
	}
	if !open[idTCP] {
		// huegate's own client connects here, anonymously, on loopback.
		b.internal = listeners.NewTCP(listeners.Config{ID: idInternal, Address: "127.0.0.1:0"})
		open[idInternal] = true
	}
	if err := srv.AddHook(newAuthHook(open, o.Users, log), nil); err != nil {
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
	for _, l := range []struct {
		name string
		l    listeners.Listener
	}{{"tcp", b.tcp}, {"websocket", b.ws}, {"internal", b.internal}} {
		if l.l == nil {
			continue
		}
		if err := b.srv.AddListener(l.l); err != nil {
			return &ListenError{Listener: l.name, Addr: l.l.Address(), Err: err}
		}
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

// ClientURL is where huegate's own client connects: a loopback TCP
// listener that takes it without credentials.
func (b *Broker) ClientURL() string {
	if b.internal != nil {
		return "tcp://" + b.internal.Address()
	}
	return "tcp://" + b.Addr()
}

// Close disconnects every client, closes the listeners and waits for the
// clients' goroutines to end.
func (b *Broker) Close() { _ = b.srv.Close() }
