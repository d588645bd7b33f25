package web

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/huegate/huegate/internal/newest"
	"golang.org/x/time/rate"
)

const (
	maxMessage   = 4 << 10 // bytes a page may send in one WebSocket message
	writeTimeout = 10 * time.Second
	pingEvery    = 20 * time.Second
	readTimeout  = 3 * pingEvery // a page that stops answering pings is closed
	// A page sends a slider's moves about 20 times a second; more than this
	// is not a hand on a slider.
	pageRate  = 50
	pageBurst = 100
)

// message is what travels over the WebSocket, both ways.
type message struct {
	Topic   string `json:"topic"`
	Payload string `json:"payload"`
}

// client is one open page. Like the state outbox, it keeps only the newest
// payload per topic while the page is slow to read, so huegate never
// waits on a browser and a page never gets a backlog.
type client struct {
	conn *websocket.Conn
	wake chan struct{}
	done chan struct{} // closed when the page is gone
	once sync.Once
	rate *rate.Limiter

	queue *newest.Queue[string]
}

func newClient(conn *websocket.Conn) *client {
	return &client{
		conn: conn, wake: make(chan struct{}, 1), done: make(chan struct{}),
		rate: rate.NewLimiter(pageRate, pageBurst), queue: newest.New[string](),
	}
}

// put queues a message for the page; it never waits.
func (c *client) put(topic, payload string) {
	c.queue.Put(topic, payload)
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// close ends the page's connection; both loops then return.
func (c *client) close() {
	c.once.Do(func() {
		close(c.done)
		_ = c.conn.Close()
	})
}

// writeLoop sends what is queued, and pings, until the page is gone.
func (c *client) writeLoop() {
	defer c.close()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-ping.C:
			if c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout)) != nil {
				return
			}
		case <-c.wake:
			if c.flush() != nil {
				return
			}
		}
	}
}

func (c *client) flush() error {
	order, pending := c.queue.Take()
	for _, t := range order {
		b, err := json.Marshal(message{Topic: t, Payload: pending[t]})
		if err != nil {
			return err
		}
		_ = c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		if err := c.conn.WriteMessage(websocket.TextMessage, b); err != nil {
			return err
		}
	}
	return nil
}

// readLoop hands each message from the page to handle until the page is
// gone.
func (c *client) readLoop(handle func(message)) {
	defer c.close()
	c.conn.SetReadLimit(maxMessage)
	_ = c.conn.SetReadDeadline(time.Now().Add(readTimeout))
	c.conn.SetPongHandler(func(string) error { return c.conn.SetReadDeadline(time.Now().Add(readTimeout)) })
	for {
		kind, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(readTimeout))
		var m message
		if kind != websocket.TextMessage || json.Unmarshal(data, &m) != nil {
			c.put(topicError, `not a {"topic":...,"payload":...} message`)
			continue
		}
		if !c.rate.Allow() {
			c.put(topicError, "too many messages; some were dropped")
			continue
		}
		handle(m)
	}
}
