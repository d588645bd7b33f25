// Package acceptance runs the built huegate binary the way README.md tells
// users to, and checks from the outside what README.md promises: the
// emulated bridge (`huegate emulate`) and Mosquitto run as their own
// processes, `huegate run` reads a config file, and a recording HTTP proxy
// between huegate and the bridge shows exactly which requests reached it.
// `huegate demo` is checked the same way through its MQTT topics, its
// command log and its emulated bridge.
//
// The package holds only this file and tests; run it with
//
//	go test -race ./acceptance
//
// It needs mosquitto, mosquitto_pub and mosquitto_sub (the tests skip
// without them, and fail under CI=true).
package acceptance
