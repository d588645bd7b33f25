// Package gateway joins huegate's parts: messages from MQTT are parsed and
// scaled by package mapping, land in per-light slots that hold only the newest
// desired state, and a small pool of workers sends them to the bridge inside
// its command budget.
//
// Data flows one way: MQTT in, mapping, slots, Hue out. The interfaces the
// gateway needs from the broker and the bridge are declared here, where they
// are used; packages mqtt and hue implement them.
package gateway
