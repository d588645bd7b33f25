package hue_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/huegate/huegate/hue"
	"github.com/huegate/huegate/hue/emulator"
)

// An https bridge without a pin cannot be verified (private CA, no IP in the
// certificate): the error says what to set, and it is final, not retried.
func TestAnUnpinnedHTTPSBridgeIsAFinalErrorThatNamesThePin(t *testing.T) {
	b, err := emulator.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(b)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	c, err := hue.New(hue.Config{Host: srv.URL, Username: b.Key(), Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdle()
	_, err = c.Lights(context.Background())
	if !errors.Is(err, hue.ErrCertUnverified) || hue.Retryable(err) {
		t.Fatalf("Lights = %v (retryable %v), want ErrCertUnverified, final", err, hue.Retryable(err))
	}
	if !strings.Contains(err.Error(), "bridge.cert_sha256") || strings.Contains(err.Error(), b.Key()) {
		t.Fatalf("error text: %v", err)
	}
}
