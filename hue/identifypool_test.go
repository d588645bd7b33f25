package hue_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huegate/huegate/hue"
)

// A connection whose CN was refused stays in the pool and
// must not carry the key once another connection identified the bridge.
func TestAConnectionWhoseCertificateWasRefusedNeverCarriesTheKey(t *testing.T) {
	ca, caFile := testCA(t)
	good, _ := ca.Issue("001788fffe123456")
	evil, _ := ca.Issue("001788fffe666666")
	var n atomic.Int32
	var evilConns sync.Map
	release := make(chan struct{})
	var keyOnEvil, keyOnGood atomic.Bool
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := tls.NewListener(ln, &tls.Config{GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
		if n.Add(1) == 2 { // 1 is the scheme probe
			evilConns.Store(h.Conn.RemoteAddr().String(), true)
			return &evil, nil
		}
		return &good, nil
	}})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, isEvil := evilConns.Load(r.RemoteAddr)
		if r.URL.Path == "/api/config" {
			if isEvil {
				<-release
			}
			w.Write([]byte(`{"bridgeid":"001788FFFE123456","apiversion":"1.60.0","name":"b"}`))
			return
		}
		if strings.Contains(r.URL.Path, "secret") {
			if isEvil {
				keyOnEvil.Store(true)
			} else {
				keyOnGood.Store(true)
			}
		}
		w.Write([]byte(`{}`))
	})}
	go srv.Serve(tl)
	defer srv.Close()
	c, err := hue.New(hue.Config{Host: ln.Addr().String(), Username: "secretsecretsecret", CAFile: caFile, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdle()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := c.PublicConfig(context.Background())
		t.Logf("first PublicConfig: %v", err)
	}()
	for n.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := c.PublicConfig(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(release)
	wg.Wait()
	_, err = c.Lights(context.Background())
	t.Logf("Lights: %v (handshakes %d, key on good conn %v)", err, n.Load(), keyOnGood.Load())
	if keyOnEvil.Load() {
		t.Errorf("the key went over the connection whose certificate named another bridge")
	}
}
