// Package web is huegate's control page: a page at / with a slider per
// mapping and a card per light and group, and the one WebSocket (/ws) it
// talks over.
//
// The WebSocket carries topic/payload messages, as zigbee2mqtt's frontend
// does. huegate tells the page what it publishes (state, availability) and
// what it hears on the mapped topics, newest payload per topic, so a page
// that opens late sees everything at once and a slow page never holds up
// huegate. What the page sends is published through huegate's own MQTT
// connection, like any other client's message: a value on a shared topic
// is a retained publish every client sees, and reaches the bridge through
// the same parsing, slots and budget. Topics under $huegate/ are the
// page's own (mappings, inventory, broker connection, errors); MQTT keeps
// $-topics for brokers, so none is a real topic.
//
// Nothing secret reaches the page: it gets names, ids, topics and states.
package web
