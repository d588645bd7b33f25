// Package mqtt connects huegate to an MQTT broker.
//
// It wraps github.com/eclipse/paho.mqtt.golang so that the rest of huegate never
// imports paho, and it fixes the choices that matter for a gateway:
//
//   - A persistent session (clean session off, a stable client id, QoS 1
//     subscriptions): the broker queues QoS 1 messages while the client
//     reconnects and delivers them when it is back. The first connection of a
//     run ends any session an earlier run left, whose queue would hold values
//     from while huegate was stopped.
//   - Subscriptions are remembered and made again on every (re)connect, because
//     a broker that restarts without persistence loses the session.
//   - Availability: the last will publishes "offline" (retained) to
//     Options.StatusTopic when the broker loses the client; "online" (retained)
//     is published on every connect, and Close publishes "offline" itself because
//     a clean disconnect discards the will.
//   - Messages reach handlers one at a time, in the order the broker sent them.
//     Handlers run on paho's delivery goroutine: they must return quickly and must
//     not wait for anything this package does (Subscribe, Unsubscribe, Close).
//     Publish is safe to call from a handler.
//   - Nothing is queued while offline: Publish returns ErrNotConnected. Callers
//     republish their state from an OnConnect callback instead, so a reconnect
//     never replays stale values.
//   - A message over 64 KiB is never read into memory: handlers get it with an
//     empty payload, and its body is skipped as it arrives (see inbound).
//   - Subscriptions go in SUBSCRIBE packets of at most 64 KiB, smaller after a
//     broker dropped one (see batch.go); Subscribe and Unsubscribe take
//     many filters at once.
//   - A broker that keeps closing the connection although it takes a new one
//     at once is serving another client with the same client id: one warning
//     says so, and reconnecting slows down while it lasts (see flapWatch).
//
// The package never logs or returns a password, not even inside a broker URL.
package mqtt
