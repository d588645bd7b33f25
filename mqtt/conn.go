package mqtt

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/net/proxy"
)

// readBuffer is what one read from the broker may bring in at once: many
// small messages.
const readBuffer = 16 << 10

// openConn opens the connection to the broker as paho v1.5.1 does (its
// openConnection, for the schemes this package accepts), but buffers what
// it reads, and empties messages over maxMessage before paho reads them
// (see inbound). paho reads each packet's fixed header a byte at a time
// straight from the socket: three system calls or more per message, most
// of the CPU a burst of small light values costs without the buffer.
func (c *Client) openConn(uri *url.URL, o paho.ClientOptions) (net.Conn, error) {
	conn, err := dial(uri, o)
	if err != nil {
		return nil, err
	}
	in := newInbound(bufio.NewReaderSize(conn, readBuffer), maxMessage, c.tooLarge)
	return &brokerConn{Conn: conn, in: in}, nil
}

func dial(uri *url.URL, o paho.ClientOptions) (net.Conn, error) {
	switch uri.Scheme {
	case "ws", "wss":
		u := *uri // gorilla/websocket refuses URLs with credentials
		u.User = nil
		var tlsc *tls.Config
		if uri.Scheme == "wss" {
			tlsc = o.TLSConfig
		}
		return paho.NewWebsocket(u.String(), tlsc, o.ConnectTimeout, o.HTTPHeaders, o.WebsocketOptions)
	case "tcp":
		return proxy.FromEnvironmentUsing(o.Dialer).Dial("tcp", uri.Host)
	case "ssl", "mqtts":
		return dialTLS(uri.Host, o)
	}
	return nil, fmt.Errorf("unknown scheme %q", uri.Scheme)
}

// dialTLS goes through the proxy in $all_proxy when there is one, as paho does.
func dialTLS(host string, o paho.ClientOptions) (net.Conn, error) {
	if os.Getenv("all_proxy") == "" {
		return tls.DialWithDialer(o.Dialer, "tcp", host, o.TLSConfig)
	}
	conn, err := proxy.FromEnvironment().Dial("tcp", host)
	if err != nil {
		return nil, err
	}
	tlsConn := tls.Client(conn, o.TLSConfig)
	if err := tlsConn.Handshake(); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return tlsConn, nil
}

// brokerConn is a connection whose reads go through inbound.
type brokerConn struct {
	net.Conn
	in *inbound
}

func (c *brokerConn) Read(p []byte) (int, error) { return c.in.Read(p) }

// tooLarge logs a message emptied for its size, at most once per
// warnEvery; the next line says how many were not logged.
func (c *Client) tooLarge(topic string, size int) {
	warn, suppressed := c.tooLargeLog.allow(time.Now())
	if !warn {
		return
	}
	c.log.Warn().Str("topic", shorten(topic)).Int("bytes", size).Int("limit_bytes", maxMessage).
		Int("not_logged", suppressed).Msg("mqtt message too large; ignored without reading it")
}

// shorten keeps a log line readable when a topic is long (up to 64 KiB).
func shorten(topic string) string {
	const keep = 200
	if len(topic) <= keep {
		return topic
	}
	return topic[:keep] + "..."
}
