// Package homeassistant publishes Home Assistant MQTT discovery for what
// huegate's state mirror knows: a JSON-schema light for every Hue light and
// group, a scene entity for every scene of a group, and a connectivity
// sensor for every bridge, all retained, so Home Assistant finds them
// without any YAML.
//
// It is one small part beside the gateway, started and stopped on its own
// by the assembly (package app), which feeds it each bridge's lights,
// groups and scenes (an inventory.Inventory) after a poll that changed them; it publishes what changed, clears
// (an empty retained message) what disappeared, and publishes everything
// again on every connect to the broker and on Home Assistant's birth
// message. It reads nothing from the gateway but the inventory, and never
// subscribes to huegate's state or command topics.
package homeassistant
