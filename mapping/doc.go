// Package mapping is huegate's domain: which MQTT topic drives which Hue
// lights, how a payload becomes a value, how a value becomes a Hue
// brightness, and how a command sent to one light's or group's set topic
// (zigbee2mqtt-style JSON, colours included) is read. It is pure code: no
// I/O, no goroutines, no clocks, so every rule here can be tested with a
// table and fuzzed.
package mapping
