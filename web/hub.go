package web

import (
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

	mu       sync.Mutex
	latest   map[string]string // topic -> payload
	clients  map[*client]struct{}
	watching bool // the broker watcher runs
	stop     chan struct{}
	watchers sync.WaitGroup
}

func newHub(connected func() bool) *hub {
	return &hub{connected: connected, latest: map[string]string{}, clients: map[*client]struct{}{}, stop: make(chan struct{})}
}

// set records a topic's payload ("" clears it, as an empty retained
// message does) and passes it on.
func (h *hub) set(topic, payload string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if old, ok := h.latest[topic]; ok && old == payload {
		return
	}
	if payload == "" {
		delete(h.latest, topic)
	} else {
		h.latest[topic] = payload
	}
	for c := range h.clients {
		c.put(topic, payload)
	}
}

// get is a topic's newest payload.
func (h *hub) get(topic string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.latest[topic]
}

// join adds a page and queues everything known for it: the page's own
// topics first, so it can lay itself out before states arrive.
func (h *hub) join(c *client) {
	h.setBroker()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, t := range []string{topicMappings, topicInventory, topicBroker} {
		if p, ok := h.latest[t]; ok {
			c.put(t, p)
		}
	}
	for t, p := range h.latest {
		c.put(t, p)
	}
	h.clients[c] = struct{}{}
	if !h.watching {
		h.watching = true
		h.watchers.Go(h.watchBroker)
	}
}

func (h *hub) leave(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients, c)
}

// each runs f for every open page.
func (h *hub) each(f func(*client)) {
	h.mu.Lock()
	cs := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		cs = append(cs, c)
	}
	h.mu.Unlock()
	for _, c := range cs {
		f(c)
	}
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
	h.set(topicBroker, state)
}

// close stops the watcher; the pages are closed by their handler.
func (h *hub) close() {
	close(h.stop)
	h.watchers.Wait()
}
