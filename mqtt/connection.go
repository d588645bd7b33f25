package mqtt

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// The client reconnects itself instead of using paho's AutoReconnect. On an
// automatic reconnect paho v1.5.1 re-sends every stored, unacknowledged QoS 1/2
// publish (client.resume) while the OnConnect handler runs on another goroutine:
// the fresh "online" and state publishes get sent twice, with a data race on
// the packet's Dup flag (paho issue #703), and old values may reach the broker
// after the republished current ones. With AutoReconnect off and a fresh paho
// client for every attempt (newPaho), nothing stored is ever resent and no
// message id stays taken. Owning the loop also lets Close interrupt the pause
// between attempts, which paho spends in time.Sleep.

// warnEvery limits warnings that can repeat: failed connection attempts
// (the ones in between are logged at debug level) and messages too large
// to read.
const warnEvery = 10 * time.Second

// run owns the connection until Close: connect, set up, wait for the
// connection to break, start over.
func (c *Client) run() {
	defer close(c.stopped)
	var pause time.Duration
	for c.sleep(pause) {
		if err := c.connectOnce(); err != nil {
			c.attempted(false)
			c.attemptFailed(err)
			pause = c.nextPause(pause)
			continue
		}
		c.attempted(true)
		up := time.Now()
		if err := c.setUp(); err != nil {
			// The broker closing the connection counts as a loss, unless
			// it was for a packet's size (see packetError).
			if c.setUpFailed(err) && !errors.Is(err, errPacketDropped) {
				c.flaps.lost(up, time.Now())
			}
			pause = c.flaps.pause(c.nextPause(pause))
			continue
		}
		if !c.waitLost() {
			return
		}
		c.flaps.lost(up, time.Now())
		pause = c.flaps.pause(0) // the first attempt after a loss goes out at once, unless flapping
	}
}

// waitLost waits until the connection breaks (true) or Close (false). A signal
// left over from an earlier connection is ignored while this one is open.
func (c *Client) waitLost() bool {
	for {
		select {
		case <-c.lost:
			if !c.paho().IsConnectionOpen() {
				return true
			}
		case <-c.done:
			return false
		}
	}
}

// sleep pauses for d and reports whether the client is still open.
func (c *Client) sleep(d time.Duration) bool {
	if d <= 0 {
		return !c.closed.Load()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return !c.closed.Load()
	case <-c.done:
		return false
	}
}

// nextPause starts at ConnectRetryInterval and doubles up to MaxReconnectInterval.
func (c *Client) nextPause(prev time.Duration) time.Duration {
	next := c.opts.ConnectRetryInterval
	if prev > 0 {
		next = 2 * prev
	}
	return min(next, c.opts.MaxReconnectInterval)
}

// connectOnce makes one connection attempt, bounded by connectTimeout. The
// session it resumes is huegate's own: the broker queued QoS 1 messages for
// it while it was away, and the newest lands. A session left by an earlier
// run would hold values from while huegate was stopped, which would undo
// changes made in the Hue app meanwhile (like the retained values huegate
// ignores), so the first connection of a run ends that session first, with
// a clean connect.
func (c *Client) connectOnce() error {
	if !c.cleared {
		if err := c.dial(true); err != nil {
			return err
		}
		// Disconnect(0) returns before the DISCONNECT is sent: the next
		// connect then raced it, and the broker closed the clean
		// connection as taken over by the same client id (logged as a
		// lost connection). With a quiesce it returns once the DISCONNECT
		// is written and the socket closed, or after cleanDisconnect.
		c.paho().Disconnect(uint(cleanDisconnect.Milliseconds()))
		c.cleared = true
	}
	return c.dial(false)
}

func (c *Client) dial(clean bool) error {
	tok := c.newPaho(clean).Connect()
	select {
	case <-tok.Done():
		return tok.Error()
	case <-c.done:
		// Close's Disconnect waits for the attempt to end.
		return ErrClosed
	}
}

func (c *Client) attemptFailed(err error) {
	if errors.Is(err, ErrClosed) {
		return
	}
	reason := c.redact(err)
	warn, suppressed := c.attempts.failed(reason, time.Now())
	ev := c.log.Debug()
	if warn {
		ev = c.log.Warn().Int("failed_since_last_warning", suppressed)
	}
	ev.Str("broker", c.broker).Str("error", reason).Msg("mqtt connection attempt failed; retrying")
}

// setUp prepares a new connection: subscriptions first, so nothing published
// in reaction to "online" is missed, then "online", then the callbacks.
func (c *Client) setUp() error {
	if err := c.resubscribe(); err != nil {
		return err
	}
	c.announceOnline()
	c.logConnected()
	c.runCallbacks()
	c.readyOnce.Do(func() { close(c.ready) })
	return nil
}

// setUpFailed drops a connection that could not be set up, so that it is not
// left open without its subscriptions, and reports whether the broker had
// closed it already (as usual).
func (c *Client) setUpFailed(err error) (brokerClosed bool) {
	if errors.Is(err, ErrClosed) {
		return false
	}
	c.log.Warn().Str("broker", c.broker).Str("error", err.Error()).Msg("mqtt connection setup failed; reconnecting")
	if c.paho().IsConnectionOpen() {
		c.paho().Disconnect(250)
		return false
	}
	return true
}

// resubscribe subscribes to every remembered filter, in as few SUBSCRIBE
// packets as the packet bound allows. The routes themselves live in the
// client and survive reconnects.
func (c *Client) resubscribe() error {
	routes := c.routes.Load().list
	if len(routes) == 0 {
		return nil
	}
	filters := make([]string, len(routes))
	for i, r := range routes {
		filters[i] = r.filter
	}
	refused, err := c.subscribeAll(context.Background(), filters)
	if err != nil {
		return fmt.Errorf("resubscribe: %w", err)
	}
	if len(refused) > 0 {
		// The other filters are in place; retrying will not change the broker's mind.
		c.log.Warn().Str("broker", c.broker).Int("refused", len(refused)).Strs("filters", firstFew(refused)).
			Msg("mqtt broker refused subscriptions (its access control, or a topic it does not take); forgetting them")
		c.deleteRoutes(refused)
	}
	return nil
}

// firstFew keeps a log line short when thousands of filters are refused.
func firstFew(filters []string) []string {
	return filters[:min(len(filters), 20)]
}

func (c *Client) announceOnline() {
	if c.opts.StatusTopic == "" {
		return
	}
	if err := c.publish(c.opts.StatusTopic, []byte(payloadOnline), true); err != nil {
		c.log.Warn().Str("topic", c.opts.StatusTopic).Str("error", err.Error()).Msg("mqtt publish online")
	}
}

func (c *Client) logConnected() {
	c.mu.Lock()
	reconnect, lostAt := c.everUp, c.lostAt
	c.everUp = true
	c.mu.Unlock()
	c.attempts.reset()
	if !reconnect {
		c.log.Info().Str("broker", c.broker).Msg("mqtt connected")
		return
	}
	c.log.Info().Str("broker", c.broker).Dur("down", time.Since(lostAt)).Msg("mqtt reconnected")
}

func (c *Client) runCallbacks() {
	c.callbacksMu.Lock()
	callbacks := append([]func(){}, c.callbacks...)
	c.callbacksMu.Unlock()
	for _, f := range callbacks {
		if c.closed.Load() {
			return
		}
		c.runCallback(f)
	}
}

func (c *Client) runCallback(f func()) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error().Str("panic", fmt.Sprint(p)).Msg("mqtt OnConnect callback panicked")
		}
	}()
	f()
}

// onConnectionLost is called by paho on a goroutine of its own once an
// established connection has broken and paho has cleaned up after it.
func (c *Client) onConnectionLost(_ paho.Client, err error) {
	c.mu.Lock()
	c.lostAt = time.Now()
	c.mu.Unlock()
	c.attempts.reset()
	c.log.Warn().Str("broker", c.broker).Str("error", c.redact(err)).Msg("mqtt connection lost; reconnecting")
	select {
	case c.lost <- struct{}{}:
	default:
	}
}

// attemptLog rate-limits warnings about failed connection attempts and keeps
// the last failure for Connect's error.
type attemptLog struct {
	warnLimit
	lastErr string
}

// failed records a failure and reports whether to warn, with the number of
// failures logged at debug level since the previous warning.
func (a *attemptLog) failed(reason string, now time.Time) (warn bool, suppressed int) {
	a.mu.Lock()
	a.lastErr = reason
	a.mu.Unlock()
	return a.allow(now)
}

func (a *attemptLog) last() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lastErr
}

// warnLimit lets one warning through per warnEvery and counts the ones
// held back.
type warnLimit struct {
	mu         sync.Mutex
	lastWarn   time.Time
	suppressed int
}

// allow reports whether to warn now, and how many warnings were held back
// since the last one.
func (w *warnLimit) allow(now time.Time) (warn bool, suppressed int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.lastWarn.IsZero() && now.Sub(w.lastWarn) < warnEvery {
		w.suppressed++
		return false, 0
	}
	w.lastWarn, suppressed, w.suppressed = now, w.suppressed, 0
	return true, suppressed
}

// reset makes the next warning go through.
func (w *warnLimit) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lastWarn, w.suppressed = time.Time{}, 0
}
