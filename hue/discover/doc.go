// Package discover finds Hue bridges: on the local network over mDNS
// (_hue._tcp, what current bridges announce), or through the Hue cloud
// endpoint, which needs internet access and allows about one request per
// 15 minutes. Then it asks each bridge for its public description
// (/api/config), which needs no key.
//
// mDNS uses github.com/hashicorp/mdns: a single query with a bounded wait,
// an explicit network interface, and its log lines under the caller's
// control. It queries over IPv4 only; bridges always answer there.
package discover
