package discover

import (
	"context"
	"fmt"
	"log"
	"net"
	"strings"
	"time"

	"github.com/hashicorp/mdns"
)

// Service is what Hue bridges announce over mDNS.
const Service = "_hue._tcp"

// MDNS sends one query for service (Service for Hue bridges) and collects
// the answers for wait (or until ctx ends). It returns what answered; the
// error says why no query could be sent (no multicast on the interface, no
// socket).
func MDNS(ctx context.Context, service string, iface *net.Interface, wait time.Duration, logf func(string)) ([]Bridge, error) {
	entries := make(chan *mdns.ServiceEntry, 64) // the library drops answers it cannot hand over at once
	params := &mdns.QueryParam{
		Service:     service,
		Domain:      "local",
		Timeout:     wait,
		Interface:   iface,
		Entries:     entries,
		DisableIPv6: true,
		Logger:      log.New(logWriter(logf), "", 0),
	}
	err := mdns.QueryContext(ctx, params)
	close(entries) // QueryContext has returned: nothing sends any more
	var out []Bridge
	for e := range entries {
		if b, ok := fromEntry(e); ok {
			out = append(out, b)
		}
	}
	if err != nil {
		return out, fmt.Errorf("mDNS query: %w", err)
	}
	return out, nil
}

func fromEntry(e *mdns.ServiceEntry) (Bridge, bool) {
	ip := e.AddrV4
	if ip == nil && e.AddrV6IPAddr != nil && e.AddrV6IPAddr.Zone == "" {
		ip = e.AddrV6IPAddr.IP
	}
	if ip == nil {
		return Bridge{}, false
	}
	b := Bridge{Host: hostFor(ip, e.Port), Source: "mdns"}
	for _, f := range e.InfoFields {
		k, v, _ := strings.Cut(f, "=")
		switch strings.ToLower(k) {
		case "bridgeid":
			b.ID = v
		case "modelid":
			b.Model = v
		}
	}
	return b, true
}

type logWriter func(string)

func (w logWriter) Write(p []byte) (int, error) {
	if w != nil {
		w(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
