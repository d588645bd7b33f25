package mqtt

import "time"

// Close says goodbye to the broker and disconnects: it unsubscribes every
// filter in one UNSUBSCRIBE packet (with clean session off the broker would
// otherwise go on queueing messages for huegate's session after it left),
// publishes "offline" (retained), because a clean disconnect makes the
// broker discard the last will, and sends DISCONNECT. It waits at most
// timeout in all, broker answering or not, and only runs past it when an
// OnConnect callback blocks. No handler is called once it has started.
// Calls after the first return at once.
func (c *Client) Close(timeout time.Duration) {
	c.closeOnce.Do(func() { c.shutdown(time.Now().Add(timeout)) })
}

func (c *Client) shutdown(deadline time.Time) {
	c.mu.Lock()
	c.closed.Store(true)
	started := c.started
	c.mu.Unlock()
	close(c.done)
	filters := c.forgetRoutes()
	if !started {
		return
	}
	// Once run has returned no setup is in progress, so no "online" can
	// follow the "offline" below.
	if !waitUntil(c.stopped, deadline) {
		c.log.Warn().Msg("mqtt close: an OnConnect callback is still running; disconnecting anyway")
	}
	// paho may hold a call up to its write timeout when the network is
	// stuck; the deadline is the stop's, so the goodbye runs beside it.
	bye := make(chan struct{})
	go func() {
		defer close(bye)
		c.sayUnsubscribed(filters)
		c.publishOffline(deadline)
	}()
	if !waitUntil(bye, deadline) {
		// publishOffline has said so, unless paho held the unsubscribe.
		c.log.Debug().Msg("mqtt close: the goodbye did not finish in time; disconnecting anyway")
	}
	c.paho().Disconnect(uint(max(time.Until(deadline), 0).Milliseconds()))
	c.log.Info().Str("broker", c.broker).Msg("mqtt disconnected")
}

// forgetRoutes drops every route, so no handler runs from now on, and
// returns their filters.
func (c *Client) forgetRoutes() []string {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	old := c.routes.Load().list
	c.routes.Store(newRouteTable(nil))
	filters := make([]string, len(old))
	for i, r := range old {
		filters[i] = r.filter
	}
	return filters
}

// sayUnsubscribed sends UNSUBSCRIBE for the filters (in packets within the
// bound) without waiting for the answers: paho writes the DISCONNECT that
// follows after them, on the same queue, and the broker takes packets in
// order.
func (c *Client) sayUnsubscribed(filters []string) {
	if len(filters) == 0 || !c.paho().IsConnectionOpen() {
		return
	}
	for _, b := range batches(filters, unsubscribeFilterBytes, int(c.packetLimit.Load())) {
		c.paho().Unsubscribe(b.filters...)
	}
}

// publishOffline waits for the publish to be written (QoS 0) or acknowledged,
// because paho sends DISCONNECT on a separate queue that could overtake it.
func (c *Client) publishOffline(deadline time.Time) {
	if c.opts.StatusTopic == "" || !c.paho().IsConnectionOpen() {
		return
	}
	tok := c.paho().Publish(c.opts.StatusTopic, c.opts.QoS, true, []byte(payloadOffline))
	if !waitUntil(tok.Done(), deadline) {
		c.log.Warn().Msg("mqtt close: publishing offline timed out")
		return
	}
	if err := tok.Error(); err != nil {
		c.log.Warn().Str("error", c.redact(err)).Msg("mqtt close: publishing offline failed")
	}
}

// waitUntil waits for done until deadline and reports whether it was closed.
func waitUntil(done <-chan struct{}, deadline time.Time) bool {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-done:
		return true
	case <-timer.C:
		return false
	}
}
