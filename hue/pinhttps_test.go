package hue_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
)

// A pinned bridge given without a scheme is https only: an answer in plain
// http (an attacker, or a port that is not the bridge's) never gets the key.
func TestAPinnedHostWithoutASchemeNeverFallsBackToHTTP(t *testing.T) {
	const key = "k3yk3yk3yk3yk3yk3yk3yk3yk3yk3yk3"
	var saw atomic.Bool
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, key) {
			saw.Store(true)
		}
		w.Write([]byte(`{}`))
	}))
	defer plain.Close()
	_, fp, _ := emulator.SelfSigned("001788fffe123456")
	c, err := hue.New(hue.Config{Host: hostPort(plain.URL), Username: key, CertSHA256: fp, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Lights(context.Background())
	t.Logf("Lights err=%v base=%s", err, c.Base())
	if saw.Load() {
		t.Errorf("the key of a pinned bridge went over plain http")
	}
}
