// Package mapping is huegate's domain: which MQTT topic drives which Hue
// lights, how a payload becomes a value, and how a value becomes a Hue
// brightness. It is pure code: no I/O, no goroutines, no clocks, so every
// rule here can be tested with a table and fuzzed.
package mapping
