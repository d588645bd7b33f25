package entertainment

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/pion/dtls/v3"
)

// Port is the UDP port bridges stream on.
const Port = 2100

// KeyLen is the pre-shared key's length: the clientkey, 32 hex characters.
const KeyLen = 16

// ParseKey reads a clientkey (hex). Its errors never quote the key.
func ParseKey(clientKey string) ([]byte, error) {
	if clientKey == "" {
		return nil, errors.New("no client key (bridge.clientkey is empty: pair again with `huegate pair` to get one)")
	}
	k, err := hex.DecodeString(clientKey)
	if err != nil || len(k) != KeyLen {
		return nil, fmt.Errorf("bridge.clientkey is not %d hex characters (pair again with `huegate pair`)", 2*KeyLen)
	}
	return k, nil
}

// suites is what bridges accept; nothing else is offered.
var suites = []dtls.CipherSuiteID{dtls.TLS_PSK_WITH_AES_128_GCM_SHA256}

// Conn is one end of a stream, after its handshake.
type Conn struct {
	*dtls.Conn
}

// Dial opens a stream to host:port with identity (the application id) and
// the clientkey. ctx bounds the handshake: a bridge that never answers
// fails when ctx ends, and nothing is left open.
func Dial(ctx context.Context, host string, port int, identity, clientKey string) (*Conn, error) {
	key, err := ParseKey(clientKey)
	if err != nil {
		return nil, err
	}
	addr, err := net.ResolveUDPAddr("udp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("stream address: %w", err)
	}
	c, err := dtls.DialWithOptions("udp", addr,
		dtls.WithPSK(func([]byte) ([]byte, error) { return key, nil }),
		dtls.WithPSKIdentityHint([]byte(identity)),
		dtls.WithCipherSuites(suites...),
	)
	if err != nil {
		return nil, fmt.Errorf("open the stream to %s: %w", addr, err)
	}
	if err := c.HandshakeContext(ctx); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("DTLS handshake with %s: %w", addr, err)
	}
	return &Conn{c}, nil
}

// Identity is the PSK identity the peer presented (the server side's view
// of the client's application id).
func (c *Conn) Identity() string {
	st, ok := c.ConnectionState()
	if !ok {
		return ""
	}
	return string(st.IdentityHint)
}

// Listener accepts streams, as a bridge does.
type Listener struct {
	ln net.Listener
}

// Listen serves streams on addr (UDP host:port; port 0 picks one). key
// returns the pre-shared key of an identity; false refuses the handshake.
func Listen(addr string, key func(identity string) ([]byte, bool)) (*Listener, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	ln, err := dtls.ListenWithOptions("udp", ua,
		dtls.WithPSK(func(identity []byte) ([]byte, error) {
			k, ok := key(string(identity))
			if !ok {
				return nil, errors.New("unknown identity")
			}
			return k, nil
		}),
		dtls.WithPSKIdentityHint([]byte{}),
		dtls.WithCipherSuites(suites...),
	)
	if err != nil {
		return nil, err
	}
	return &Listener{ln: ln}, nil
}

// Accept waits for the next client. Its handshake is not done yet: call
// HandshakeContext on the Conn (in its own goroutine, so one silent client
// holds up no other).
func (l *Listener) Accept() (*Conn, error) {
	c, err := l.ln.Accept()
	if err != nil {
		return nil, err
	}
	dc, ok := c.(*dtls.Conn)
	if !ok { // pion's listener hands out nothing else
		_ = c.Close()
		return nil, fmt.Errorf("unexpected connection type %T", c)
	}
	return &Conn{dc}, nil
}

// Addr is where the listener listens.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Close stops listening.
func (l *Listener) Close() error { return l.ln.Close() }
