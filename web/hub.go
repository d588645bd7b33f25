package web

import (
	"bytes"
	"sync"
	"time"
)

// Topics under $huegate/ are the page's own.
const (
	topicMappings  = "$huegate/mappings"
	topicInventory = "$huegate/inventory"
	topicBroker    = "$huegate/broker" // online/offline: huegate's MQTT connection
	topicError     = "$huegate/error"  // why a message from the page was refused
)

// brokerCheck is how often, while a page is open, huegate's connection to
// the broker is looked at (the connection has no hook for going away).
const brokerCheck = 500 * time.Millisecond

// hub holds the newest payload of every topic the page shows and hands
// each change to every open page.
type hub struct {
	connected func() bool

	mu sync.Mutex
	// latest is each topic's newest payload. Its buffers are reused, so
	// keeping up with a busy topic allocates nothing while no page is open.
	latest   map[string][]byte
	clients  map[*client]struct{}
	watching bool // the broker watcher runs
	closed   bool
	reserved int // pages upgrading, not yet joined
	stop     chan struct{}
	watchers sync.WaitGroup
}

func newHub(connected func() bool) *hub {
	return &hub{connected: connected, latest: map[string][]byte{}, clients: map[*client]struct{}{}, stop: make(chan struct{})}
}

// set records a topic's payload ("" clears it, as an empty retained
// message does) and passes it on.
func (h *hub) set(topic string, payload []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	old, ok := h.latest[topic]
	if ok && bytes.Equal(old, payload) {
		return
	}
	if len(payload) == 0 {
		delete(h.latest, topic)
	} else {
		h.latest[topic] = append(old[:0], payload...)
	}
	if len(h.clients) == 0 {
		return
	}
	p := string(payload)
	for c := range h.clients {
		c.put(topic, p)
	}
}

// join adds a page and queues everything known for it: the page's own
// topics first, so it can lay itself out before states arrive. It is false
// once the hub is closed.
func (h *hub) join(c *client) bool {
	h.setBroker()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reserved--
	if h.closed {
		return false
	}
	for _, t := range []string{topicMappings, topicInventory, topicBroker} {
		if p, ok := h.latest[t]; ok {
			c.put(t, string(p))
		}
	}
	for t, p := range h.latest {
		c.put(t, string(p))
	}
	h.clients[c] = struct{}{}
	if !h.watching {
		h.watching = true
		h.watchers.Go(h.watchBroker)
	}
	return true
}

// reserve holds a place for a page about to join; false when maxPages are
// open or joining, or the hub is closed.
func (h *hub) reserve() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || len(h.clients)+h.reserved >= maxPages {
		return false
	}
	h.reserved++
	return true
}

func (h *hub) unreserve() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reserved--
}

func (h *hub) leave(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients, c)
}

// watchBroker tells the pages when huegate's broker connection comes or
// goes, for as long as a page is open.
func (h *hub) watchBroker() {
	t := time.NewTicker(brokerCheck)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		h.mu.Lock()
		if len(h.clients) == 0 {
			h.watching = false
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
		h.setBroker()
	}
}

func (h *hub) setBroker() {
	state := "offline"
	if h.connected() {
		state = "online"
	}
	h.set(topicBroker, []byte(state))
}

// close stops the watcher, takes no more pages and returns the open ones,
// for the caller to close.
func (h *hub) close() []*client {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	cs := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		cs = append(cs, c)
	}
	h.mu.Unlock()
	close(h.stop)
	h.watchers.Wait()
	return cs
}
