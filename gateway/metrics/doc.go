// Package metrics tells how a running gateway is doing: Prometheus metrics
// on /metrics and a health check on /healthz.
//
// Metrics is a gateway.Events (combine it with others through gateway.Tee)
// and wraps each gateway.Bridge to time its requests and to know when the
// bridge last answered. Everything lives in its own registry, every name
// starts with huegate_, and no label or value ever holds a key or password:
// labels are topics, bridge names from the config, and fixed words.
package metrics
