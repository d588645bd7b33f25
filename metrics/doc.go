// Package metrics tells how a running gateway is doing: Prometheus metrics
// on /metrics and a health check on /healthz.
//
// Metrics takes the gateway's events (Received, Rejected, Coalesced, Sent:
// the gateway's Events interface, which this package never imports) and
// gives each bridge a hue.Observer, set in the bridge client's options, to
// time its requests and to know when the bridge last answered. Everything
// lives in its own registry: huegate's own names start with huegate_, beside
// the standard go_ and process_ series of the Go runtime and the process. No
// label or value ever holds a key or password: labels are topics, bridge
// names from the config, and fixed words.
package metrics
