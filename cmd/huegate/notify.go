package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/rs/zerolog"
)

// notifier speaks systemd's notify protocol (sd_notify(3)): one unix datagram
// of "KEY=value" lines to $NOTIFY_SOCKET per message. Without $NOTIFY_SOCKET
// (not started by systemd with Type=notify) every method does nothing.
type notifier struct {
	log      zerolog.Logger
	addr     *net.UnixAddr // nil: not under systemd
	watchdog time.Duration // how often to ping: half of $WATCHDOG_USEC; 0: no watchdog
}

func newNotifier(log zerolog.Logger) *notifier {
	n := &notifier{log: log}
	// A name starting with "@" is in Linux's abstract namespace; Go's
	// net package turns the "@" into the leading NUL byte the kernel wants.
	if s := os.Getenv("NOTIFY_SOCKET"); len(s) > 1 && (s[0] == '/' || s[0] == '@') {
		n.addr = &net.UnixAddr{Name: s, Net: "unixgram"}
		n.watchdog = watchdogInterval()
	}
	return n
}

// watchdogInterval is half of $WATCHDOG_USEC, as sd_watchdog_enabled(3)
// advises, or 0 when the watchdog is off or meant for another process.
func watchdogInterval() time.Duration {
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0
	}
	return time.Duration(usec) * time.Microsecond / 2
}

// send writes one message, e.g. "READY=1\nSTATUS=running". A fresh socket
// per message, like sd_notify: nothing to keep open or to reconnect.
func (n *notifier) send(state string) error {
	if n.addr == nil {
		return nil
	}
	conn, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return fmt.Errorf("notify systemd at %s: %w", n.addr.Name, err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("notify systemd at %s: %w", n.addr.Name, err)
	}
	return nil
}

// tell sends state and logs a failure: systemd not hearing from huegate is
// worth a warning, never a reason to stop.
func (n *notifier) tell(state string) {
	if err := n.send(state); err != nil {
		n.log.Warn().Err(err).Msg("systemd notification failed")
	}
}

// startWatchdog pings systemd every interval while healthy() holds, so a
// huegate that has lost its broker for longer than WatchdogSec= gets
// restarted. The returned stop ends the pings and waits for the goroutine.
func (n *notifier) startWatchdog(healthy func() bool) (stop func()) {
	if n.addr == nil || n.watchdog <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(n.watchdog)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if healthy() {
					n.tell("WATCHDOG=1")
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// ready tells systemd huegate is up (broker and bridge connected) and starts
// the watchdog. The returned stopping ends the watchdog and says STOPPING=1.
func (n *notifier) ready(brokerConnected func() bool) (stopping func()) {
	n.tell("READY=1\nSTATUS=connected to the broker and the bridge")
	stopWatchdog := n.startWatchdog(brokerConnected)
	return func() {
		stopWatchdog()
		n.tell("STOPPING=1\nSTATUS=stopping: sending pending values")
	}
}
