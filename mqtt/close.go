package mqtt

import "time"

// Close publishes "offline" (retained) to the status topic, because a clean
// disconnect makes the broker discard the last will, then disconnects. It waits
// at most timeout in all, and only runs past it when an OnConnect callback
// blocks. Calls after the first return at once.
func (c *Client) Close(timeout time.Duration) {
	c.closeOnce.Do(func() { c.shutdown(time.Now().Add(timeout)) })
}

func (c *Client) shutdown(deadline time.Time) {
	c.mu.Lock()
	c.closed.Store(true)
	started := c.started
	c.mu.Unlock()
	close(c.done)
	if !started {
		return
	}
	// Once run has returned no setup is in progress, so no "online" can
	// follow the "offline" below.
	if !waitUntil(c.stopped, deadline) {
		c.log.Warn().Msg("mqtt close: an OnConnect callback is still running; disconnecting anyway")
	}
	c.publishOffline(deadline)
	c.paho().Disconnect(uint(max(time.Until(deadline), 0).Milliseconds()))
	c.log.Info().Str("broker", c.broker).Msg("mqtt disconnected")
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
