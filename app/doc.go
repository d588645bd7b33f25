// Package app is the one place that builds huegate from a configuration:
// the bridge clients, the MQTT connection (or the built-in broker), the
// gateway, the metrics and health server, and Home Assistant discovery. It
// owns their life: New builds them, Start connects, Stop flushes and closes,
// Apply takes a changed configuration while running.
//
// `huegate run`, `huegate demo`, `huegate bench` and the integration tests
// all build huegate here, so what the tests run is what users run. Nothing
// else constructs a gateway.
//
// The two directions meet only here. Commands: MQTT in, mapping, slots, Hue
// out (package gateway). State: Hue in, the state mirror, MQTT out, with the
// inventory handed to Home Assistant discovery. The one link back, sync (a
// change made in the Hue app goes to the shared topic), is the gateway's
// StateOptions, set here.
package app
