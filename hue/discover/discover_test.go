package discover_test

import (
	"context"
	"errors"
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
	"github.com/huegate/huegate/hue/discover"
	"github.com/huegate/huegate/hue/huetest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const fixture = "../../testdata/bridge.json"

// loopback is the loopback interface; mDNS in these tests never leaves it.
func loopback(t *testing.T) *net.Interface {
	t.Helper()
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifaces {
		if i.Flags&net.FlagLoopback != 0 && i.Flags&net.FlagUp != 0 {
			return &i
		}
	}
	t.Skip("no loopback interface")
	return nil
}

var serviceSeq atomic.Int64

// testService is an mDNS service name of this test alone: test processes
// run side by side, and an answer meant for one must not reach another.
func testService() string {
	return fmt.Sprintf("_hue%d-%d._tcp", os.Getpid()%100000, serviceSeq.Add(1))
}

// announce answers mDNS queries for service on the loopback interface for a
// bridge listening at addr, as a Hue bridge announces itself.
func announce(t *testing.T, service string, iface *net.Interface, addr string) {
	t.Helper()
	host, portText, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portText)
	zone, err := mdns.NewMDNSService("Philips Hue - 123456", service, "local.", "test-bridge.local.",
		port, []net.IP{net.ParseIP(host)}, []string{"bridgeid=001788fffe123456", "modelid=BSB002"})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mdns.NewServer(&mdns.Config{Zone: zone, Iface: iface, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Skipf("no multicast on the loopback interface: %v", err)
	}
	t.Cleanup(func() { _ = srv.Shutdown() })
}

func hostPort(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func TestMDNSFindsAndDescribesABridgeOnLoopback(t *testing.T) {
	lo := loopback(t)
	s := huetest.NewServer(t, fixture)
	service := testService()
	announce(t, service, lo, hostPort(t, s.URL))
	start := time.Now()
	found, err := discover.Find(context.Background(), discover.Options{Timeout: time.Second, Service: service, Interface: lo})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 {
		t.Fatalf("found %+v, want the one bridge", found)
	}
	b := found[0]
	// No scheme: huegate tries https first, and this bridge has none.
	if b.Host != strings.TrimPrefix(s.URL, "http://") || b.ID != "001788fffe123456" || b.Model != "BSB002" || b.Source != "mdns" || b.Err != nil {
		t.Fatalf("bridge = %+v", b)
	}
	if b.Info.APIVersion != "1.65.0" || b.Info.BridgeID != "001788FFFE123456" || b.Info.Name != "Philips hue" {
		t.Fatalf("info = %+v", b.Info)
	}
	if elapsed > 1500*time.Millisecond {
		t.Fatalf("took %v with a 1 s timeout", elapsed)
	}
}

func TestCloudIsAskedWhenMDNSFindsNothing(t *testing.T) {
	lo := loopback(t)
	s := huetest.NewServer(t, fixture)
	host, port, _ := net.SplitHostPort(hostPort(t, s.URL))
	cloud := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `[{"id":"001788fffe123456","internalipaddress":"%s","port":%s}, {"id":"x","internalipaddress":"not an ip"}]`, host, port)
	}))
	defer cloud.Close()
	found, err := discover.Find(context.Background(), discover.Options{Timeout: 600 * time.Millisecond, Service: testService(), Interface: lo, CloudURL: cloud.URL})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].Source != "cloud" || found[0].Host != hostPort(t, s.URL) || found[0].Info.APIVersion != "1.65.0" {
		t.Fatalf("found %+v", found)
	}
}

func TestCloudFailuresSayWhy(t *testing.T) {
	tests := []struct {
		name   string
		handle http.HandlerFunc
		want   string
	}{
		{"rate limit", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(429) }, "try again in 15 minutes"},
		{"server error", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }, "HTTP 503"},
		{"garbage", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "<html>") }, "unreadable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handle)
			defer srv.Close()
			_, err := discover.Cloud(context.Background(), srv.URL)
			if !errors.Is(err, discover.ErrCloud) || !strings.Contains(err.Error(), tt.want) ||
				!strings.Contains(err.Error(), "needs internet access") {
				t.Fatalf("err = %v, want ErrCloud mentioning %q", err, tt.want)
			}
		})
	}
}

func TestFindIsBoundedByItsTimeout(t *testing.T) {
	lo := loopback(t)
	hang := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hang.Close()
	start := time.Now()
	found, err := discover.Find(context.Background(), discover.Options{Timeout: 400 * time.Millisecond, Service: testService(), Interface: lo, CloudURL: hang.URL})
	elapsed := time.Since(start)
	if len(found) != 0 || !errors.Is(err, discover.ErrCloud) {
		t.Fatalf("found %v, err %v; want nothing and a cloud error", found, err)
	}
	if elapsed < 400*time.Millisecond || elapsed > 900*time.Millisecond {
		t.Fatalf("took %v with a 400 ms timeout", elapsed)
	}
}

func TestHueBridgesAreAskedForTheirOwnService(t *testing.T) {
	if discover.Service != "_hue._tcp" {
		t.Fatalf("Service = %q", discover.Service)
	}
}

func TestCloudEntriesBecomeHostsForPairing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, `[{"id":"a","internalipaddress":"192.168.1.42","port":443},
			{"id":"b","internalipaddress":"192.168.1.43"},
			{"id":"c","internalipaddress":"192.168.1.44","port":80},
			{"id":"d","internalipaddress":"fd00::1","port":443},
			{"id":"e","internalipaddress":"10.0.0.5","port":8080}]`)
	}))
	defer srv.Close()
	found, err := discover.Cloud(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for _, b := range found {
		hosts = append(hosts, b.ID+"="+b.Host)
	}
	want := "a=192.168.1.42 b=192.168.1.43 c=192.168.1.44 d=[fd00::1] e=10.0.0.5:8080"
	if got := strings.Join(hosts, " "); got != want {
		t.Fatalf("hosts = %s\nwant    %s", got, want)
	}
}
