package mqtt

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"os"

	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/net/proxy"
)

// readBuffer is what one read from the broker may bring in at once: many
// small messages.
const readBuffer = 16 << 10

// openConn opens the connection to the broker as paho v1.5.1 does (its
// openConnection, for the schemes this package accepts), but buffers what
// it reads. paho reads each packet's fixed header a byte at a time straight
// from the socket: three system calls or more per message, most of the CPU
// a burst of small light values costs without the buffer.
func openConn(uri *url.URL, o paho.ClientOptions) (net.Conn, error) {
	conn, err := dial(uri, o)
	if err != nil {
		return nil, err
	}
	return &bufferedConn{Conn: conn, r: bufio.NewReaderSize(conn, readBuffer)}, nil
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

// bufferedConn is a connection whose reads go through a buffer.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
