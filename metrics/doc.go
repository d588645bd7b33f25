// Package metrics tells how a running gateway is doing: Prometheus metrics
// on /metrics and a health check on /healthz.
//
// Metrics takes the gateway's events (Received, Rejected, Coalesced, Sent:
// the gateway's Events interface, which this package never imports) and
// gives each bridge a hue.Observer, set in the bridge client's options, to
// time its requests and to know when the bridge last answered. Everything lives in its own registry, every name
// starts with huegate_, and no label or value ever holds a key or password:
// labels are topics, bridge names from the config, and fixed words.
package metrics
