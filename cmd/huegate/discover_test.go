package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/mdns"
	"github.com/huegate/huegate/hue/huetest"
)

// These tests keep mDNS on the loopback interface (--interface), so no query
// leaves the machine; the cloud endpoint is a local server.

func loopbackName(t *testing.T) string {
	t.Helper()
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifaces {
		if i.Flags&net.FlagLoopback != 0 && i.Flags&net.FlagUp != 0 {
			return i.Name
		}
	}
	t.Skip("no loopback interface")
	return ""
}

var serviceSeq atomic.Int64

// testService is an mDNS service name of this test alone: test processes
// run side by side, and an answer meant for one must not reach another.
func testService() string {
	return fmt.Sprintf("_hue%d-%d._tcp", os.Getpid()%100000, serviceSeq.Add(1))
}

// announceBridge answers mDNS queries for service on the loopback interface
// for the emulator at rawURL, as a bridge announces itself.
func announceBridge(t *testing.T, service, iface, rawURL string) {
	t.Helper()
	u, _ := url.Parse(rawURL)
	port, _ := strconv.Atoi(u.Port())
	zone, err := mdns.NewMDNSService("Philips Hue - 123456", service, "local.", "bridge.local.",
		port, []net.IP{net.ParseIP(u.Hostname())}, []string{"bridgeid=001788fffe123456", "modelid=BSB002"})
	if err != nil {
		t.Fatal(err)
	}
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mdns.NewServer(&mdns.Config{Zone: zone, Iface: ifi, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Skipf("no multicast on the loopback interface: %v", err)
	}
	t.Cleanup(func() { _ = srv.Shutdown() })
}

func TestDiscoverListsTheBridgeAndHowToPair(t *testing.T) {
	t.Parallel()
	lo := loopbackName(t)
	s := huetest.NewServer(t, fixture)
	service := testService()
	announceBridge(t, service, lo, s.URL)
	host := strings.TrimPrefix(s.URL, "http://") // what pair takes: https first, http if none

	out, errOut, code := cli(t, "discover", "--interface", lo, "--mdns-service", service, "--timeout", "500ms", "--no-cloud", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var list []found
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	want := found{Host: host, Name: "Philips hue", BridgeID: "001788FFFE123456", Model: "BSB002", APIVersion: "1.65.0", Source: "mdns"}
	if len(list) != 1 || list[0] != want {
		t.Fatalf("found %+v, want %+v", list, want)
	}

	out, _, code = cli(t, "discover", "--interface", lo, "--mdns-service", service, "--timeout", "500ms", "--no-cloud")
	if code != 0 || !strings.Contains(out, "HOST") || !strings.Contains(out, host+"  Philips hue  001788FFFE123456  BSB002  1.65.0  mdns") ||
		!strings.Contains(out, "Next: huegate pair --host "+host) {
		t.Fatalf("table:\n%s", out)
	}
}

func TestDiscoverSaysTheCloudNeedsInternetAndRateLimits(t *testing.T) {
	t.Parallel()
	lo := loopbackName(t)
	cloud := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTooManyRequests) }))
	defer cloud.Close()
	start := time.Now()
	out, errOut, code := cli(t, "discover", "--interface", lo, "--mdns-service", testService(), "--timeout", "400ms", "--cloud-url", cloud.URL, "--json")
	elapsed := time.Since(start)
	if code != 1 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{"no Hue bridge answered over mDNS within 240ms" /* 3/5 of 400 ms: the rest is for the cloud */, "needs internet access",
		"about one request per 15 minutes", "HTTP 429", "huegate pair --host <ip>"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if elapsed > time.Second {
		t.Fatalf("took %v with a 400 ms timeout", elapsed)
	}
}

func TestDiscoverRefusesAnUnknownInterface(t *testing.T) {
	_, errOut, code := cli(t, "discover", "--interface", "no-such-nic0", "--no-cloud")
	if code != 2 || !strings.Contains(errOut, "--interface no-such-nic0") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}
