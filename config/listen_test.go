package config

import (
	"net"
	"strings"
	"testing"
)

// Whatever huegate listens on (a built-in broker, HTTP endpoints) binds to
// loopback unless the user says otherwise: no default may open a port to
// the network. Every default key ending in "listen" is checked.
func TestListenDefaultsBindToLoopback(t *testing.T) {
	checked := 0
	for key, v := range defaults {
		if !strings.HasSuffix(key, "listen") {
			continue
		}
		checked++
		addr, _ := v.(string)
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			t.Errorf("%s: default %q is not host:port", key, addr)
			continue
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			t.Errorf("%s: default %q binds beyond loopback", key, addr)
		}
	}
	if checked == 0 {
		t.Skip("no listen address among the defaults")
	}
}
