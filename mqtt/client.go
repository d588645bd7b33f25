package mqtt

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/rs/zerolog"
)

// Client is a connection to one MQTT broker that keeps itself connected. All
// methods are safe for concurrent use.
type Client struct {
	opts     Options
	broker   string // the broker URL with any password masked, for logs and errors
	log      zerolog.Logger
	redactor *strings.Replacer
	url      *url.URL
	cur      atomic.Pointer[paho.Client] // this connection's; a new one per attempt
	cleared  bool                        // the session of an earlier run is gone; run's own

	routes atomic.Pointer[routeTable] // copy-on-write, read lock-free on every message
	subMu  sync.Mutex                 // serialises writers of routes

	packetLimit atomic.Int64 // bytes a SUBSCRIBE or UNSUBSCRIBE may take; see batch.go

	callbacksMu sync.Mutex
	callbacks   []func()

	lost      chan struct{} // signalled by paho when an established connection breaks
	ready     chan struct{} // closed once the first connection is set up
	readyOnce sync.Once
	done      chan struct{} // closed by Close
	stopped   chan struct{} // closed when run returns
	closed    atomic.Bool
	closeOnce sync.Once

	mu      sync.Mutex // guards the fields below
	started bool
	everUp  bool
	lostAt  time.Time

	attempts    attemptLog
	tooLargeLog warnLimit
	flaps       flapWatch // the connection loop's alone
}

// New checks opts and prepares a client. It does not connect: see Connect.
func New(opts Options) (*Client, error) {
	broker, err := opts.validate()
	if err != nil {
		return nil, err
	}
	c := &Client{
		opts:     opts.withDefaults(),
		broker:   broker.Redacted(),
		log:      opts.Logger,
		redactor: newRedactor(broker, opts.Password),
		lost:     make(chan struct{}, 1),
		ready:    make(chan struct{}),
		done:     make(chan struct{}),
		stopped:  make(chan struct{}),
	}
	c.routes.Store(newRouteTable(nil))
	c.packetLimit.Store(maxControlPacket)
	c.url = broker
	c.newPaho(false)
	return c, nil
}

// paho is the current connection's paho client.
func (c *Client) paho() paho.Client { return *c.cur.Load() }

// newPaho makes a fresh paho client for a connection attempt. A fresh one
// per attempt, because with clean session off paho v1.5.1 neither resends
// nor forgets what was in flight when a connection broke (its tokens never
// complete and their message ids stay taken), and huegate wants neither:
// the state it publishes goes out again on connect anyway.
func (c *Client) newPaho(clean bool) paho.Client {
	pc := paho.NewClient(c.pahoOptions(clean))
	c.cur.Store(&pc)
	return pc
}

func (c *Client) pahoOptions(clean bool) *paho.ClientOptions {
	o := paho.NewClientOptions().
		AddBroker(c.url.String()).
		SetClientID(c.opts.ClientID).
		SetUsername(c.opts.Username).
		SetPassword(c.opts.Password).
		SetProtocolVersion(4). // explicit: no silent fallback to 3.1 on a refused CONNACK
		// Clean session off: the broker keeps the subscriptions and queues
		// QoS 1 messages while huegate reconnects. See connectOnce.
		SetCleanSession(clean).
		SetStore(noStore{}).
		SetOrderMatters(true). // handlers in broker order; see the package doc
		// run reconnects instead of paho: see connection.go for why.
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(connectTimeout).
		SetWriteTimeout(writeTimeout).
		SetKeepAlive(keepAlive).
		SetDefaultPublishHandler(c.dispatch).
		SetCustomOpenConnectionFn(c.openConn).
		SetConnectionLostHandler(c.onConnectionLost)
	if c.opts.TLS != nil {
		o.SetTLSConfig(c.opts.TLS)
	}
	if c.opts.StatusTopic != "" && !clean {
		o.SetWill(c.opts.StatusTopic, payloadOffline, c.opts.QoS, true)
	}
	return o
}

// Connect starts connecting in the background and waits until the first
// connection is up and set up (subscriptions made, "online" published, OnConnect
// callbacks run). If ctx ends first it returns an error wrapping ctx.Err() and
// the client keeps trying until Close; calling Connect again waits for the same
// attempt. Register OnConnect callbacks and subscriptions before calling it.
func (c *Client) Connect(ctx context.Context) error {
	if err := c.start(); err != nil {
		return err
	}
	select {
	case <-c.ready:
		return nil
	case <-c.done:
		return ErrClosed
	case <-ctx.Done():
		return c.connectError(ctx.Err())
	}
}

func (c *Client) start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return ErrClosed
	}
	if !c.started {
		c.started = true
		go c.run()
	}
	return nil
}

func (c *Client) connectError(err error) error {
	if last := c.attempts.last(); last != "" {
		return fmt.Errorf("mqtt: connect to %s: %w (last attempt: %s)", c.broker, err, last)
	}
	return fmt.Errorf("mqtt: connect to %s: %w", c.broker, err)
}

// Connected reports whether a connection to the broker is open right now.
func (c *Client) Connected() bool {
	return !c.closed.Load() && c.paho().IsConnectionOpen()
}

// OnConnect registers f to run after every (re)connect, once the subscriptions
// are made again and "online" is published: the place to republish state, since
// a broker without persistence forgets retained messages when it restarts.
// Callbacks run in registration order on the client's connection goroutine; a
// slow callback delays reconnecting and Close, not message delivery.
func (c *Client) OnConnect(f func()) {
	if f == nil {
		return
	}
	c.callbacksMu.Lock()
	defer c.callbacksMu.Unlock()
	c.callbacks = append(c.callbacks, f)
}
