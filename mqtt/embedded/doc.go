// Package embedded runs an MQTT broker inside huegate, so a machine without
// one (a newcomer trying huegate, a small setup) needs nothing else.
//
// It is the only place that knows the broker library
// (github.com/mochi-mqtt/server/v2): the rest of huegate sees Options, Start,
// Broker and ListenError, and huegate's own client connects over TCP like it
// would to any other broker, so everything else behaves the same.
//
// Access rule: a listener on a loopback address takes anonymous clients; a
// listener on any other address takes only the configured users, and Start
// refuses to open one when there are none. Passwords are never logged.
package embedded
