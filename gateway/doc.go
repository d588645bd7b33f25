// Package gateway joins huegate's parts: messages from MQTT are parsed and
// scaled by package mapping, land in per-light slots that hold only the newest
// desired state, and a small pool of workers sends them to the bridge inside
// its command budget.
//
// Data flows one way: MQTT in, mapping, slots, Hue out. Shared topics come
// from the mappings; every light and group also has its own set topic,
// which takes zigbee2mqtt-style commands into the same slots. The state
// mirror publishes what the bridge reports, and hands each bridge's
// inventory (lights, groups, scenes and their topics) to whoever asked for
// it, such as package homeassistant. The interfaces the gateway needs from
// the broker and the bridge are declared here, where they are used;
// packages mqtt and hue implement them.
package gateway
